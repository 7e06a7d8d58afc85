/**
 * The default destination name of a source folder: the personal prefix and
 * the hierarchy delimiter of the source are swapped for the destination's
 * (imapsync's "prefix1 <-> prefix2 and sep1 <-> sep2 inversion"), optionally
 * under a subfolder. Rename rules (regextrans2) apply afterwards, on this
 * result.
 *
 *   source prefix `INBOX.`, `.`  ->  destination no prefix, `/`
 *   INBOX                        ->  INBOX
 *   INBOX.Sent                   ->  Sent
 *   INBOX.a.b                    ->  a/b
 *   INBOX.INBOX.x                ->  INBOX/x   (a folder really named INBOX.x under the prefix)
 *   INBOX.INBOX                  ->  INBOX/INBOX (a top-level `INBOX` would be INBOX itself)
 *
 * The mapping is one-to-one (but for that last case), so the reverse
 * direction (no prefix to `INBOX.`) gives `INBOX/x` -> `INBOX.INBOX.x` and
 * `x` -> `INBOX.x`, never two source folders on one destination folder.
 */
import type { FolderInfo, MailboxTree } from '../types.js';
import { canonicalPath, isInbox, namespacePrefix, splitPath, stripPrefix, treeDelimiter } from './paths.js';

/**
 * A source name component that contains the destination delimiter cannot be
 * written as one component on the destination (`a.b` under `/` would become
 * the two levels `a` and `b`). Like imapsync, the character is replaced with
 * an underscore: source `2024/25` on a `/` server becomes `2024_25` on a `.`
 * server.
 */
export const DELIMITER_REPLACEMENT = '_';

/** The source folder's path relative to its personal namespace, split into hierarchy levels. */
export function relativeComponents(folder: FolderInfo, tree: MailboxTree): string[] {
  const delimiter = folder.delimiter || treeDelimiter(tree);
  const prefix = namespacePrefix(tree.namespace, delimiter);
  // `Inbox/Sub` on a server without prefix is INBOX's child: spell it `INBOX/Sub` before translating.
  const path = canonicalPath(folder.path, delimiter);
  // A folder outside the personal namespace (rare) keeps its full name.
  const relative = stripPrefix(path, prefix) ?? path;
  return splitPath(relative, delimiter);
}

/**
 * The destination-side components of a `subfolder` option. It is written with
 * the destination delimiter, relative to the destination prefix; a value that
 * already starts with the prefix is accepted too (imapsync removes the doubled
 * prefix the same way).
 */
function subfolderComponents(subfolder: string, destination: MailboxTree): string[] {
  const delimiter = treeDelimiter(destination);
  const prefix = namespacePrefix(destination.namespace, delimiter);
  const relative = stripPrefix(subfolder, prefix) ?? subfolder;
  return splitPath(relative, delimiter).filter((part) => part !== '');
}

export function translateFolderName(
  folder: FolderInfo,
  source: MailboxTree,
  destination: MailboxTree,
  subfolder?: string,
): string {
  const delimiter = treeDelimiter(destination);
  const prefix = namespacePrefix(destination.namespace, delimiter);
  const components = isInbox(folder.path)
    ? ['INBOX']
    : relativeComponents(folder, source).map((part) =>
        delimiter === '' ? part : part.replaceAll(delimiter, DELIMITER_REPLACEMENT),
      );
  if (subfolder !== undefined) {
    // imapsync --subfolder2 X: INBOX goes to X/INBOX and every other folder under X.
    return canonicalPath(
      prefix + [...subfolderComponents(subfolder, destination), ...components].join(delimiter),
      delimiter,
    );
  }
  if (isInbox(folder.path)) return 'INBOX';
  // A folder named INBOX just below an `INBOX.` prefix cannot be a top-level
  // `INBOX` on a server without prefix (that is INBOX itself): it goes below INBOX.
  if (prefix === '' && components.length === 1 && isInbox(components[0]!)) return `INBOX${delimiter}INBOX`;
  return canonicalPath(prefix + components.join(delimiter), delimiter);
}
