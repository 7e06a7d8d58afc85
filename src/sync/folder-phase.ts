/**
 * The first phase of every run after login, before any folder worker starts:
 * LIST (with special-use) and NAMESPACE on both sides, map source folders to
 * destination folders, create the missing ones (parents first) and copy
 * subscriptions. Workers never create folders, so two of them cannot race on
 * a parent.
 */
import type { ImapFlow } from 'imapflow';
import type { EffectiveSpec } from './defaults.js';
import { foldersToCreate, mapFolders } from './folders/index.js';
import type { Reporter } from './reporter.js';
import type { FolderInfo, FolderPair, MailboxTree } from './types.js';

export async function mailboxTree(client: ImapFlow): Promise<MailboxTree> {
  const listed = await client.list();
  const namespace = client.namespace;
  const fallbackDelimiter = namespace?.delimiter ?? listed.find((f) => f.delimiter)?.delimiter ?? '/';
  const folders: FolderInfo[] = listed.map((folder) => ({
    path: folder.path,
    delimiter: folder.delimiter || fallbackDelimiter,
    ...(folder.specialUse && folder.specialUseSource !== 'name' ? { specialUse: folder.specialUse } : {}),
    flags: [...folder.flags],
    // imapflow leaves `subscribed` undefined for unsubscribed folders.
    subscribed: folder.subscribed === true,
  }));
  return { folders, namespace: { prefix: namespace?.prefix ?? '', delimiter: fallbackDelimiter } };
}

export interface FolderPhaseResult {
  pairs: FolderPair[];
  /** Destination folders that exist (or were just created). */
  existing: Set<string>;
  /** Folders a real run would create (dry run) or created. */
  created: string[];
}

export async function prepareFolders(
  spec: EffectiveSpec,
  source: ImapFlow,
  destination: ImapFlow,
  reporter: Reporter,
  dryRun: boolean,
): Promise<FolderPhaseResult> {
  const [sourceTree, destinationTree] = await Promise.all([mailboxTree(source), mailboxTree(destination)]);
  const pairs = mapFolders(sourceTree, destinationTree, spec.folders);
  const existing = new Set(destinationTree.folders.filter((f) => !isNonexistent(f)).map((f) => f.path));
  const created: string[] = [];
  const pairByDestination = new Map(pairs.map((pair) => [pair.destination, pair]));
  for (const path of foldersToCreate(pairs, destinationTree)) {
    if (!dryRun) {
      await destination.mailboxCreate(path);
      existing.add(path);
      reporter.counters.foldersCreated += 1;
      // imapflow subscribes every folder it creates; the source decides when subscriptions are copied.
      if (spec.folders.subscribe && pairByDestination.get(path)?.subscribed === false) {
        await destination.mailboxUnsubscribe(path);
      }
    }
    created.push(path);
    reporter.emit({ event: 'folder.create', folder: path, dryRun });
  }
  if (spec.folders.subscribe && !dryRun) {
    const subscribed = new Set(destinationTree.folders.filter((f) => f.subscribed).map((f) => f.path));
    for (const pair of pairs) {
      if (pair.subscribed && !subscribed.has(pair.destination)) {
        await destination.mailboxSubscribe(pair.destination);
        subscribed.add(pair.destination);
      }
    }
  }
  return { pairs, existing, created };
}

function isNonexistent(folder: FolderInfo): boolean {
  return folder.flags.some((flag) => /^\\(nonexistent|noselect)$/i.test(flag));
}
