/**
 * The one mapping from a refused raw IMAP command to a typed error. A NO or
 * BAD answer becomes an ImapCommandError whose `reason` says which step
 * failed; an answer that never came because the connection is gone is a
 * ConnectError (the engine reconnects and re-plans the folder). Server text
 * is scrubbed of the secret before it goes into a message.
 */
import { ConnectError, type Side } from '../errors.js';
import type { CommandRunner, TaggedResult } from './command-channel.js';

export type ImapCommandReason =
  /** SELECT/EXAMINE refused. */
  | 'SelectFailed'
  /** UID FETCH or UID SEARCH refused. */
  | 'FetchFailed'
  /** UID STORE (flags, or \Deleted before an expunge) refused. */
  | 'StoreFailed'
  /** UID EXPUNGE / EXPUNGE refused by the server. */
  | 'ExpungeFailed'
  /**
   * Not sent by us: the server has no UIDPLUS and the folder holds \Deleted
   * messages this run did not flag, which a plain EXPUNGE would remove too.
   */
  | 'ExpungeRefused'
  /** CREATE, SUBSCRIBE, UNSUBSCRIBE, STATUS refused. */
  | 'MailboxCommandFailed';

/** A command this run needed was refused (or deliberately not sent): counted as an error, never as done. */
export class ImapCommandError extends Error {
  readonly reason: ImapCommandReason;
  readonly side: Side;
  constructor(reason: ImapCommandReason, message: string, side: Side) {
    super(message);
    this.name = 'ImapCommandError';
    this.reason = reason;
    this.side = side;
  }
}

/** The error for `what` (e.g. `UID STORE in INBOX`) answered by `result` (NO or BAD). */
export function commandFailure(
  channel: CommandRunner,
  reason: ImapCommandReason,
  what: string,
  result: TaggedResult,
): Error {
  const side = channel.endpoint.side;
  if (channel.isClosed) return new ConnectError(`${what} on ${channel.where}: connection closed`, { side });
  const code = result.code ? ` [${result.code.name}${result.code.args ? ` ${result.code.args}` : ''}]` : '';
  return new ImapCommandError(
    reason,
    `${what} on ${channel.where}: ${result.status}${code} ${channel.scrub(result.text)}`.trimEnd(),
    side,
  );
}

/** Throws the typed error unless the answer is OK. */
export function expectOk(channel: CommandRunner, reason: ImapCommandReason, what: string, result: TaggedResult): void {
  if (result.status !== 'OK') throw commandFailure(channel, reason, what, result);
}
