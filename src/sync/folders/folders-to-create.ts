/**
 * The destination folders to CREATE before syncing: every pair's destination
 * that does not exist (or exists only as a \Noselect placeholder, which CREATE
 * turns into a real mailbox), plus missing parents, parents first.
 *
 * Parents are created explicitly although RFC 3501 lets servers create them
 * implicitly, because not every server does. Never created: INBOX (always
 * there) and the root of the personal namespace (`Mail` for a `Mail/` prefix).
 * Parents that exist as \Noselect are fine as they are.
 */
import type { FolderInfo, FolderPair, MailboxTree } from '../types.js';
import { canonicalPath, comparePaths, isInbox, namespacePrefix, splitPath, treeDelimiter } from './paths.js';
import { isSelectable } from './select.js';

function isNonExistent(folder: FolderInfo): boolean {
  return folder.flags.some((flag) => /^\\nonexistent$/i.test(flag));
}

export function foldersToCreate(pairs: readonly FolderPair[], destination: MailboxTree): string[] {
  const delimiter = treeDelimiter(destination);
  const prefix = namespacePrefix(destination.namespace, delimiter);
  const namespaceRoot = prefix.endsWith(delimiter) ? prefix.slice(0, prefix.length - delimiter.length) : prefix;
  const existing = new Map(
    destination.folders.filter((folder) => !isNonExistent(folder)).map((f) => [canonicalPath(f.path, delimiter), f]),
  );
  const missing = new Map<string, string>();
  const need = (path: string, selectable: boolean) => {
    const key = canonicalPath(path, delimiter);
    if (isInbox(path) || key === namespaceRoot || path === '' || missing.has(key)) return;
    const found = existing.get(key);
    if (!found || (selectable && !isSelectable(found))) missing.set(key, path);
  };
  for (const pair of pairs) {
    const parts = splitPath(pair.destination, delimiter);
    for (let depth = 1; depth < parts.length; depth++) need(parts.slice(0, depth).join(delimiter), false);
    need(pair.destination, true);
  }
  return [...missing.values()].sort((a, b) => comparePaths(a, b, delimiter));
}
