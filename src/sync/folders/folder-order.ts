/**
 * The order folders are synced in: `folders.first` (imapsync --folderfirst),
 * then the others in the mapping's order (INBOX first, parents before
 * children), then `folders.last` (--folderlast), each list in its own order.
 * As imapsync's sort_requested_folders; names are source folder names, and a
 * name no source folder has is ignored (imapsync adds it, then finds it
 * missing). INBOX matches in any case.
 */
import type { FolderPair } from '../types.js';
import { isInbox } from './paths.js';

export interface FolderOrder {
  pairs: FolderPair[];
  /** How many pairs at the end are `folders.last` ones (they start after all the others ended). */
  lastCount: number;
}

function sameFolder(name: string, path: string): boolean {
  return name === path || (isInbox(name) && isInbox(path));
}

/** Pairs named in `names`, in that order, each once, taken out of `rest`. */
function takeNamed(names: readonly string[] | undefined, rest: FolderPair[]): FolderPair[] {
  const taken: FolderPair[] = [];
  for (const name of names ?? []) {
    const at = rest.findIndex((pair) => sameFolder(name, pair.source));
    if (at >= 0) taken.push(...rest.splice(at, 1));
  }
  return taken;
}

export function orderFolders(
  pairs: readonly FolderPair[],
  first: readonly string[] | undefined,
  last: readonly string[] | undefined,
): FolderOrder {
  const rest = [...pairs];
  const head = takeNamed(first, rest);
  const tail = takeNamed(last, rest);
  return { pairs: [...head, ...rest, ...tail], lastCount: tail.length };
}
