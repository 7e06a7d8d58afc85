/**
 * Removing exactly the given messages from the selected (read-write) folder:
 * STORE +FLAGS.SILENT (\Deleted), then
 * - with UIDPLUS (RFC 4315): UID EXPUNGE of exactly those UIDs; messages
 *   that others marked \Deleted stay;
 * - without UIDPLUS: a plain EXPUNGE removes every \Deleted message of the
 *   folder, so it is sent only when UID SEARCH DELETED finds no other
 *   message marked, checked before our STORE and again right before the
 *   EXPUNGE (if someone marked one in between, our marks are taken back).
 *   Otherwise the expunge is refused with ImapCommandError `ExpungeRefused`:
 *   the run counts it as an error and the messages stay.
 * Every answer is checked (StoreFailed / ExpungeFailed on NO or BAD). The
 * caller splits long UID lists (a few hundred per call) and counts each call
 * that resolved as done.
 */
import type { CommandRunner } from './command-channel.js';
import { expectOk, ImapCommandError } from './command-errors.js';
import { uidSet } from './imap-syntax.js';
import { uidSearch } from './search.js';
import { storeFlags } from './store.js';

export async function expungeMessages(
  connection: CommandRunner,
  folder: string,
  uids: readonly number[],
): Promise<void> {
  if (uids.length === 0) return;
  if (connection.capabilities.has('UIDPLUS')) {
    await storeFlags(connection, uids, 'add', ['\\Deleted']);
    const result = await connection.command(`UID EXPUNGE ${uidSet(uids)}`);
    expectOk(connection, 'ExpungeFailed', `UID EXPUNGE in ${folder}`, result);
    return;
  }
  const ours = new Set(uids);
  await refuseIfOthersDeleted(connection, folder, ours);
  await storeFlags(connection, uids, 'add', ['\\Deleted']);
  try {
    await refuseIfOthersDeleted(connection, folder, ours);
  } catch (error) {
    await storeFlags(connection, uids, 'remove', ['\\Deleted']);
    throw error;
  }
  const result = await connection.command('EXPUNGE');
  expectOk(connection, 'ExpungeFailed', `EXPUNGE in ${folder}`, result);
}

async function refuseIfOthersDeleted(connection: CommandRunner, folder: string, ours: ReadonlySet<number>) {
  const others = (await uidSearch(connection, 'DELETED')).filter((uid) => !ours.has(uid));
  if (others.length === 0) return;
  throw new ImapCommandError(
    'ExpungeRefused',
    `not expunging in ${folder} on ${connection.where}: the server does not offer UIDPLUS, and ` +
      `${others.length} other message(s) there are marked \\Deleted (not by this run); a plain EXPUNGE would remove them too`,
    connection.endpoint.side,
  );
}
