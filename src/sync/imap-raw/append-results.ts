/** Turning server answers to APPEND into per-message results. */

import type { TaggedResult } from './command-channel.js';
import { parseUidSet } from './imap-syntax.js';
import type { ResponseCode } from './response-parser.js';

export type AppendFailureReason =
  /** Over APPENDLIMIT (not sent) or refused with [TOOBIG]. */
  | 'TooBig'
  /** The mailbox does not exist ([TRYCREATE]). */
  | 'TryCreate'
  | 'OverQuota'
  /** [LIMIT]: a server limit other than size. */
  | 'Limit'
  /** A NO without a more specific code. */
  | 'Rejected'
  /** BAD: the server did not understand the command. */
  | 'BadCommand'
  /** Not appended because the run was aborted (never sent, or cut before its literal was complete: not on the server). */
  | 'Aborted'
  /**
   * The command was completely sent but the connection was cut (abort grace
   * expired) before the answer: the message is either whole on the server or
   * absent, never partial. A re-run's comparison settles it.
   */
  | 'Indeterminate';

export type AppendResult = { ok: true; uid?: number } | { ok: false; reason: AppendFailureReason; text: string };

export function failure(reason: AppendFailureReason, text: string): AppendResult {
  return { ok: false, reason, text };
}

/** The failure an APPEND answer (NO/BAD) stands for. */
export function failureFromAnswer(result: TaggedResult): AppendResult {
  return failure(
    reasonOf(result.status, result.code),
    `${result.status}${codeText(result.code)} ${result.text}`.trim(),
  );
}

function reasonOf(status: string, code: ResponseCode | undefined): AppendFailureReason {
  switch (code?.name) {
    case 'TOOBIG':
      return 'TooBig';
    case 'TRYCREATE':
      return 'TryCreate';
    case 'OVERQUOTA':
      return 'OverQuota';
    case 'LIMIT':
      return 'Limit';
  }
  return status === 'BAD' ? 'BadCommand' : 'Rejected';
}

function codeText(code: ResponseCode | undefined): string {
  if (!code) return '';
  return ` [${code.name}${code.args ? ` ${code.args}` : ''}]`;
}

/** UIDs of the `count` messages of an OK answer, from [APPENDUID uidvalidity uid-set] (RFC 4315). */
export function appendedUids(result: TaggedResult, count: number): (number | undefined)[] {
  const none = new Array<number | undefined>(count).fill(undefined);
  if (result.code?.name !== 'APPENDUID') return none;
  const [, set] = result.code.args.split(' ');
  if (!set) return none;
  try {
    const uids = parseUidSet(set);
    return uids.length === count ? uids : none;
  } catch {
    return none;
  }
}
