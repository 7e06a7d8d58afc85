/**
 * Which source folders take part in the sync: every selectable folder,
 * narrowed by `only` (imapsync --folder: exact source names), `include` and
 * `exclude` (imapsync --include/--exclude: regular expressions, unanchored,
 * matched against the full source name with the source's prefix and
 * delimiter, e.g. `INBOX.Archive.2020` on a Dovecot with `INBOX.`). All three
 * combine: a folder must be in `only` (when given), match one `include` (when
 * given) and match no `exclude`; with `subscribedOnly` (imapsync --subscribed)
 * it must also be subscribed on the source (INBOX always counts as subscribed:
 * mailbox-tree.ts).
 *
 * \Noselect folders hold no messages, so they are not synced; their children
 * are listed on their own and are synced normally (the destination parents are
 * created by foldersToCreate).
 */
import type { Folders } from '../../api/spec.js';
import { invalidRegexReason } from '../../api/spec-problems.js';
import { ConfigError } from '../errors.js';
import type { FolderInfo, MailboxTree } from '../types.js';
import { userRegex } from '../user-regex.js';
import { isInbox } from './paths.js';

export function isSelectable(folder: FolderInfo): boolean {
  return !folder.flags.some((flag) => /^\\(noselect|nonexistent)$/i.test(flag));
}

/**
 * Compile the patterns of one option (checked by src/api/spec-problems.ts already; one that still does not
 * compile is a ConfigError in the same words).
 */
export function compileFolderPatterns(
  patterns: readonly string[] | undefined,
  option: 'include' | 'exclude',
): RegExp[] {
  return (patterns ?? []).map((pattern, index) => {
    const why = invalidRegexReason(pattern);
    if (why !== undefined)
      throw new ConfigError(`spec.folders.${option}[${index}]: invalid regular expression: ${why}`);
    return userRegex(pattern);
  });
}

function sameFolderName(a: string, b: string): boolean {
  return a === b || (isInbox(a) && isInbox(b));
}

/**
 * The selected source folders, in the tree's order. A name in `only` that is
 * not a selectable source folder is a ConfigError: silently syncing nothing
 * would end "successfully" with the mail the user asked for left behind.
 */
export function selectSourceFolders(tree: MailboxTree, options: Folders): FolderInfo[] {
  const include = compileFolderPatterns(options.include, 'include');
  const exclude = compileFolderPatterns(options.exclude, 'exclude');
  const selectable = tree.folders.filter(isSelectable);
  if (options.only !== undefined) {
    for (const name of options.only) {
      if (!selectable.some((folder) => sameFolderName(folder.path, name))) {
        throw new ConfigError(
          `spec.folders.only: source folder ${JSON.stringify(name)} does not exist or cannot be selected`,
        );
      }
    }
  }
  return selectable.filter((folder) => {
    if (options.only !== undefined && !options.only.some((name) => sameFolderName(folder.path, name))) return false;
    if (options.subscribedOnly === true && !folder.subscribed) return false;
    if (include.length > 0 && !include.some((regex) => regex.test(folder.path))) return false;
    return !exclude.some((regex) => regex.test(folder.path));
  });
}
