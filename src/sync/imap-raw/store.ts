/**
 * UID STORE: add or remove flags of messages in the selected folder
 * (`+FLAGS.SILENT` / `-FLAGS.SILENT`: the server sends no FETCH back). Every
 * answer is checked: a NO or BAD rejects with ImapCommandError
 * (`StoreFailed`), so a refused change is never counted as made.
 */

import type { CommandRunner } from './command-channel.js';
import { expectOk, ImapCommandError } from './command-errors.js';
import { isAppendableFlag, uidSet } from './imap-syntax.js';

export type FlagChange = 'add' | 'remove';

export async function storeFlags(
  connection: CommandRunner,
  uids: readonly number[],
  change: FlagChange,
  flags: readonly string[],
): Promise<void> {
  if (uids.length === 0 || flags.length === 0) return;
  const bad = flags.filter((flag) => !isAppendableFlag(flag));
  if (bad.length > 0) {
    // Not sent: one bad atom would make the server refuse the whole command.
    throw new ImapCommandError(
      'StoreFailed',
      `UID STORE on ${connection.where} not sent: not IMAP flags: ${bad.join(' ')}`,
      connection.endpoint.side,
    );
  }
  const command = `UID STORE ${uidSet(uids)} ${change === 'add' ? '+' : '-'}FLAGS.SILENT (${flags.join(' ')})`;
  const result = await connection.command(command);
  expectOk(connection, 'StoreFailed', `UID STORE ${change === 'add' ? '+' : '-'}FLAGS (${flags.join(' ')})`, result);
}
