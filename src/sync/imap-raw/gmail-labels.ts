/**
 * Gmail's X-GM-LABELS (X-GM-EXT-1, https://developers.google.com/gmail/imap/imap-extensions):
 * `UID FETCH set (UID X-GM-LABELS)` reads the labels of messages of the
 * selected folder, `UID STORE uid X-GM-LABELS (...)` replaces them (imapsync's
 * synclabels/resynclabels send exactly that). Labels are kept as the server
 * wrote them (system labels such as `\Inbox` as atoms, others as strings in
 * modified UTF-7), so what is read from one Gmail is written to the other as is.
 */
import type { CommandRunner } from './command-channel.js';
import { expectOk, ImapCommandError } from './command-errors.js';
import { parseFetchItems, stringValue } from './fetch-items.js';
import { isQuotable, quoteString, uidSet } from './imap-syntax.js';

/** The labels of `uids` in the selected folder (UIDs the server did not answer for are absent). */
export async function fetchLabels(connection: CommandRunner, uids: readonly number[]): Promise<Map<number, string[]>> {
  const labels = new Map<number, string[]>();
  if (uids.length === 0) return labels;
  connection.listen({
    response: (response) => {
      if (response.kind !== 'data' || response.name !== 'FETCH') return;
      const items = parseFetchItems(response.text, response.literals);
      const uid = Number(stringValue(items.get('UID') ?? null));
      const list = items.get('X-GM-LABELS');
      if (!Number.isInteger(uid) || !Array.isArray(list)) return;
      labels.set(
        uid,
        list.map((value) => stringValue(value) ?? '').filter((label) => label !== ''),
      );
    },
    maxResponses: uids.length * 2 + 1000,
  });
  try {
    const result = await connection.command(`UID FETCH ${uidSet(uids)} (UID X-GM-LABELS)`);
    expectOk(connection, 'FetchFailed', 'UID FETCH (X-GM-LABELS)', result);
  } finally {
    connection.listen(undefined);
  }
  return labels;
}

/** A label as IMAP writes it: a system label (`\Inbox`) as an atom, any other as a quoted string. */
export function labelArgument(label: string): string {
  if (/^\\[A-Za-z]+$/.test(label)) return label;
  if (!isQuotable(label)) throw new RangeError(`label ${JSON.stringify(label)} cannot be sent as a quoted string`);
  return quoteString(label);
}

/** Replaces the labels of one message of the selected folder (NO/BAD: ImapCommandError StoreFailed). */
export async function storeLabels(connection: CommandRunner, uid: number, labels: readonly string[]): Promise<void> {
  let list: string;
  try {
    list = labels.map(labelArgument).join(' ');
  } catch (error) {
    throw new ImapCommandError(
      'StoreFailed',
      `UID STORE X-GM-LABELS on ${connection.where} not sent: ${(error as Error).message}`,
      connection.endpoint.side,
    );
  }
  const result = await connection.command(`UID STORE ${uid} X-GM-LABELS (${list})`);
  expectOk(connection, 'StoreFailed', 'UID STORE X-GM-LABELS', result);
}
