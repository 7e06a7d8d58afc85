/**
 * The first phase of every run after login, before any folder worker starts
 * (raw connections, see imap-raw/mailbox-tree.ts and mailbox-admin.ts):
 * LIST (with special-use) and NAMESPACE on both sides, map source folders to
 * destination folders, create the missing ones (parents first) and copy
 * subscriptions. Workers never create folders, so two of them cannot race on
 * a parent. A folder the destination refuses to create (NO) is left out of
 * the run and reported by the engine as that folder's failure; the other
 * folders are synced.
 */
import type { EffectiveSpec } from '../api/spec-defaults.js';
import { foldersToCreate, mapFolders } from './folders/index.js';
import { ImapCommandError } from './imap-raw/command-errors.js';
import type { RawImapConnection } from './imap-raw/connection.js';
import { createMailbox, subscribeMailbox, unsubscribeMailbox } from './imap-raw/mailbox-admin.js';
import { listMailboxTree } from './imap-raw/mailbox-tree.js';
import type { Reporter } from './reporter.js';
import type { FolderInfo, FolderPair } from './types.js';

export interface FolderPhaseResult {
  pairs: FolderPair[];
  /** Destination folders that exist (or were just created). */
  existing: Set<string>;
  /** Folders a real run would create (dry run) or created. */
  created: string[];
  /** Destination folders the server refused to create, with its answer. */
  notCreated: Map<string, ImapCommandError>;
}

export async function prepareFolders(
  spec: EffectiveSpec,
  source: RawImapConnection,
  destination: RawImapConnection,
  reporter: Reporter,
  dryRun: boolean,
): Promise<FolderPhaseResult> {
  const [sourceTree, destinationTree] = await Promise.all([listMailboxTree(source), listMailboxTree(destination)]);
  const pairs = mapFolders(sourceTree, destinationTree, spec.folders);
  const existing = new Set(destinationTree.folders.filter((f) => !isNonexistent(f)).map((f) => f.path));
  const created: string[] = [];
  const notCreated = new Map<string, ImapCommandError>();
  const pairByDestination = new Map(pairs.map((pair) => [pair.destination, pair]));
  const subscribed = new Set(destinationTree.folders.filter((f) => f.subscribed).map((f) => f.path));
  for (const path of foldersToCreate(pairs, destinationTree)) {
    if (!dryRun) {
      try {
        if (await createMailbox(destination, path)) subscribed.add(path);
      } catch (err) {
        if (!(err instanceof ImapCommandError)) throw err;
        notCreated.set(path, err);
        continue;
      }
      existing.add(path);
      reporter.counters.foldersCreated += 1;
      // A created folder is subscribed; the source decides when subscriptions are copied.
      if (spec.folders.subscribe && pairByDestination.get(path)?.subscribed === false) {
        await unsubscribeMailbox(destination, path);
        subscribed.delete(path);
      }
    }
    created.push(path);
    reporter.emit({ event: 'folder.create', folder: path, dryRun });
  }
  if (spec.folders.subscribe && !dryRun) {
    for (const pair of pairs) {
      if (pair.subscribed && !subscribed.has(pair.destination) && !notCreated.has(pair.destination)) {
        await subscribeMailbox(destination, pair.destination);
        subscribed.add(pair.destination);
      }
    }
  }
  return { pairs, existing, created, notCreated };
}

function isNonexistent(folder: FolderInfo): boolean {
  return folder.flags.some((flag) => /^\\(nonexistent|noselect)$/i.test(flag));
}
