/**
 * The run modes (imapsync --dry, --justfolders, --justlogin, --justfoldersizes)
 * and how far each one goes:
 *
 *   loginOnly        log in on both sides, log out.
 *   foldersOnly      + list, map, create missing folders, copy subscriptions.
 *   folderSizesOnly  + list folders, then count messages and bytes per folder on both sides (creates nothing).
 *   dryRun           + list and plan every folder; reports what it would do, changes nothing on either side.
 *   sync             + copy, flags, deletes, verification, delta state.
 */
import type { FolderSize } from '../api/events.js';
import type { Mode } from '../api/spec.js';
import type { FolderAccess } from './folder-changes.js';
import { folderSize } from './imap-raw/folder-size.js';
import type { Reporter } from './reporter.js';
import type { FolderPair } from './types.js';

export interface ModeTraits {
  /** Whether the folder phase may create folders and subscribe. */
  createsFolders: boolean;
  /** Whether folders are compared message by message (plan per folder). */
  plansFolders: boolean;
  /** Whether anything is written to either server. */
  writes: boolean;
}

export function modeTraits(mode: Mode): ModeTraits {
  switch (mode) {
    case 'sync':
      return { createsFolders: true, plansFolders: true, writes: true };
    case 'dryRun':
      return { createsFolders: false, plansFolders: true, writes: false };
    case 'foldersOnly':
      return { createsFolders: true, plansFolders: false, writes: true };
    case 'loginOnly':
    case 'folderSizesOnly':
      return { createsFolders: false, plansFolders: false, writes: false };
  }
}

/** folderSizesOnly: messages and bytes of every mapped folder, on both sides; one `folder.size` event each. */
export async function measureFolderSizes(
  pairs: readonly FolderPair[],
  source: FolderAccess,
  destination: FolderAccess,
  destinationExists: (path: string) => boolean,
  reporter: Reporter,
  signal: AbortSignal,
): Promise<FolderSize[]> {
  const sizes: FolderSize[] = [];
  for (const pair of pairs) {
    if (signal.aborted) break;
    const [sourceSize, destinationSize] = await Promise.all([
      folderSize(source.connection, source.reader, pair.source),
      destinationExists(pair.destination)
        ? folderSize(destination.connection, destination.reader, pair.destination)
        : undefined,
    ]);
    const size: FolderSize = {
      folder: pair.source,
      destinationFolder: pair.destination,
      source: sourceSize,
      ...(destinationSize ? { destination: destinationSize } : {}),
    };
    sizes.push(size);
    reporter.emit({ event: 'folder.size', ...size });
    reporter.counters.foldersDone += 1;
  }
  return sizes;
}

/** One line for the summary of a folderSizesOnly run. */
export function describeSizes(sizes: readonly FolderSize[]): string {
  const total = (side: 'source' | 'destination') =>
    sizes.reduce(
      (acc, s) => ({ messages: acc.messages + (s[side]?.messages ?? 0), bytes: acc.bytes + (s[side]?.bytes ?? 0) }),
      { messages: 0, bytes: 0 },
    );
  const src = total('source');
  const dst = total('destination');
  return (
    `${sizes.length} folders: source ${src.messages} messages (${src.bytes} bytes), ` +
    `destination ${dst.messages} messages (${dst.bytes} bytes)`
  );
}
