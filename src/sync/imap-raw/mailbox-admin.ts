/**
 * Mailbox commands of the first phase over a raw connection: STATUS of many
 * folders at once (pipelined: one round trip for all of them), CREATE (then
 * SUBSCRIBE, as imapflow did: a created folder is visible in mail clients),
 * SUBSCRIBE and UNSUBSCRIBE.
 */
import { decodeMailboxUtf7, encodeMailboxUtf7 } from '../folders/mutf7.js';
import { commandFailure, expectOk } from './command-errors.js';
import type { RawImapConnection } from './connection.js';
import { parseValues, stringValue } from './fetch-items.js';
import { quoteString } from './imap-syntax.js';

/** STATUS values of a folder: what the delta state compares. */
export interface MailboxStatus {
  uidValidity: string;
  uidNext: number;
  messages: number;
  highestModseq?: string;
}

/**
 * STATUS (MESSAGES UIDNEXT UIDVALIDITY [HIGHESTMODSEQ]) of each path, all
 * commands sent before the first answer. A folder the server refuses (does
 * not exist) or answers incompletely is undefined. Rejects only when the
 * connection fails.
 */
export async function mailboxStatuses(
  connection: RawImapConnection,
  paths: readonly string[],
): Promise<Map<string, MailboxStatus | undefined>> {
  const statuses = new Map<string, MailboxStatus | undefined>();
  if (paths.length === 0) return statuses;
  const items = `MESSAGES UIDNEXT UIDVALIDITY${connection.capabilities.has('CONDSTORE') ? ' HIGHESTMODSEQ' : ''}`;
  const answered = new Map<string, MailboxStatus>();
  connection.listen({
    response: (response) => {
      if (response.kind !== 'data' || response.name !== 'STATUS') return;
      const [name, list] = parseValues(response.text, response.literals);
      const raw = stringValue(name ?? null);
      if (raw === undefined || !Array.isArray(list)) return;
      const values = new Map<string, string>();
      for (let i = 0; i + 1 < list.length; i += 2) {
        const key = stringValue(list[i] ?? null);
        const value = stringValue(list[i + 1] ?? null);
        if (key !== undefined && value !== undefined && /^\d+$/.test(value)) values.set(key.toUpperCase(), value);
      }
      const uidValidity = values.get('UIDVALIDITY');
      const uidNext = values.get('UIDNEXT');
      const messages = values.get('MESSAGES');
      if (uidValidity === undefined || uidNext === undefined || messages === undefined) return;
      const highestModseq = values.get('HIGHESTMODSEQ');
      answered.set(normalized(decodeMailboxUtf7(raw)), {
        uidValidity: BigInt(uidValidity).toString(),
        uidNext: Number(uidNext),
        messages: Number(messages),
        ...(highestModseq !== undefined ? { highestModseq: BigInt(highestModseq).toString() } : {}),
      });
    },
    literal: (_prefix, size) => Buffer.allocUnsafe(size),
  });
  try {
    const results = await Promise.all(
      paths.map((path) => {
        const done = connection.command(`STATUS ${mailboxArgument(path)} (${items})`);
        done.catch(() => {});
        return done;
      }),
    );
    paths.forEach((path, i) => {
      statuses.set(path, results[i]!.status === 'OK' ? answered.get(normalized(path)) : undefined);
    });
    return statuses;
  } finally {
    connection.listen(undefined);
  }
}

/** CREATE, then SUBSCRIBE (true); a folder that already exists is fine and left as it is (false). */
export async function createMailbox(connection: RawImapConnection, path: string): Promise<boolean> {
  const result = await connection.command(`CREATE ${mailboxArgument(path)}`);
  if (result.status === 'OK') {
    await subscribeMailbox(connection, path);
    return true;
  }
  if (result.code?.name === 'ALREADYEXISTS') return false;
  throw commandFailure(connection, 'MailboxCommandFailed', `CREATE ${path}`, result);
}

export async function subscribeMailbox(connection: RawImapConnection, path: string): Promise<void> {
  const result = await connection.command(`SUBSCRIBE ${mailboxArgument(path)}`);
  expectOk(connection, 'MailboxCommandFailed', `SUBSCRIBE ${path}`, result);
}

export async function unsubscribeMailbox(connection: RawImapConnection, path: string): Promise<void> {
  const result = await connection.command(`UNSUBSCRIBE ${mailboxArgument(path)}`);
  expectOk(connection, 'MailboxCommandFailed', `UNSUBSCRIBE ${path}`, result);
}

function mailboxArgument(path: string): string {
  return quoteString(encodeMailboxUtf7(path));
}

function normalized(path: string): string {
  return path.toUpperCase() === 'INBOX' ? 'INBOX' : path;
}
