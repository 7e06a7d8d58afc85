/**
 * The changes a run makes to existing messages, over the raw connections:
 * flag updates on the destination (syncFlags), deletes on the destination
 * (deleteOnDestination) and on the source (deleteOnSource, after
 * verification).
 *
 * Counted truthfully: a command is counted as done only when the server
 * answered OK. A refused command (NO/BAD, or an expunge refused because the
 * server lacks UIDPLUS and others marked messages \Deleted) is handed to
 * `onRefused` (the folder reports and counts it) and the other commands go on;
 * a lost connection rejects (the engine reconnects and re-plans the folder).
 */
import { ImapCommandError } from './imap-raw/command-errors.js';
import type { RawImapConnection } from './imap-raw/connection.js';
import { expungeMessages } from './imap-raw/expunge.js';
import type { FolderReader } from './imap-raw/folder-reader.js';
import { storeFlags } from './imap-raw/store.js';
import type { FlagUpdate } from './types.js';

/** UIDs per STORE/EXPUNGE command: keeps command lines short. */
export const UID_CHUNK = 500;

/** A connection and the reader that selects folders on it. */
export interface FolderAccess {
  connection: RawImapConnection;
  reader: FolderReader;
}

export type OnRefused = (error: ImapCommandError) => void;

/** One STORE per distinct (add, remove) pair and chunk of UIDs; returns how many messages got their flags. */
export async function applyFlagUpdates(
  side: FolderAccess,
  path: string,
  updates: readonly FlagUpdate[],
  onRefused: OnRefused,
): Promise<number> {
  if (updates.length === 0) return 0;
  if (!(await selectWritable(side, path, onRefused))) return 0;
  const groups = new Map<string, { add: string[]; remove: string[]; uids: number[] }>();
  for (const update of updates) {
    const key = `${update.add.join(' ')}\u0000${update.remove.join(' ')}`;
    let group = groups.get(key);
    if (!group) {
      group = { add: update.add, remove: update.remove, uids: [] };
      groups.set(key, group);
    }
    group.uids.push(update.destinationUid);
  }
  let updated = 0;
  for (const group of groups.values()) {
    for (const uids of chunks(group.uids, UID_CHUNK)) {
      const done = await refusedAsFalse(onRefused, async () => {
        await storeFlags(side.connection, uids, 'add', group.add);
        await storeFlags(side.connection, uids, 'remove', group.remove);
      });
      if (done) updated += uids.length;
    }
  }
  return updated;
}

/** Removes exactly `uids` from the folder (see imap-raw/expunge.ts); returns how many were removed. */
export async function deleteMessages(
  side: FolderAccess,
  path: string,
  uids: readonly number[],
  onRefused: OnRefused,
): Promise<number> {
  if (uids.length === 0) return 0;
  if (!(await selectWritable(side, path, onRefused))) return 0;
  let deleted = 0;
  for (const chunk of chunks(uids, UID_CHUNK)) {
    if (await refusedAsFalse(onRefused, () => expungeMessages(side.connection, path, chunk))) deleted += chunk.length;
  }
  return deleted;
}

/** SELECT the folder read-write unless it is open that way already; false (reported) when it opens read-only. */
export async function selectWritable(side: FolderAccess, path: string, onRefused: OnRefused): Promise<boolean> {
  const current = side.reader.current;
  if (current?.path === path && !current.readOnly) return true;
  let readOnly = false;
  const opened = await refusedAsFalse(onRefused, async () => {
    readOnly = (await side.reader.open(path, false)).readOnly;
  });
  if (!opened) return false;
  if (!readOnly) return true;
  onRefused(
    new ImapCommandError(
      'SelectFailed',
      `${path} on ${side.connection.where} opens read-only: its messages cannot be changed`,
      side.connection.endpoint.side,
    ),
  );
  return false;
}

async function refusedAsFalse(onRefused: OnRefused, work: () => Promise<void>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    if (!(error instanceof ImapCommandError)) throw error;
    onRefused(error);
    return false;
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
