/**
 * Folder mapping: which source folder syncs into which destination folder.
 *
 * For each selected source folder (see select.ts):
 * 1. automap (default on): a source Sent/Trash/Drafts/Junk/Archive folder goes
 *    to the destination folder that plays the same role, whatever its name
 *    (see special-use.ts for how roles are found, and why \All and \Flagged
 *    are left out). Like imapsync, an automapped folder takes the
 *    destination's folder as is: rename rules and the subfolder do not apply
 *    to it. Automap is off when `subfolder` is set, because the point of a
 *    subfolder is to keep the imported mail apart from the destination's own
 *    folders.
 * 2. otherwise the name: prefix and delimiter translated (translate-name.ts),
 *    under `subfolder` when set (INBOX becomes `<subfolder>/INBOX`, like
 *    imapsync --subfolder2), then the rename rules in order (imapsync
 *    --regextrans2: they see the destination name, with the destination's
 *    prefix and delimiter, e.g. `INBOX.Sent` on a Dovecot with `INBOX.`).
 *
 * 0. before both, a fixed mapping (`map`, imapsync --f1f2 "Old=New") gives the
 *    destination name as it is written; like --f1f2 it wins over automap and
 *    the rename rules ("--f1f2 overrides --automap and --regextrans2"). Its
 *    source name is the folder's full name, or (unlike imapsync) the name
 *    without the source's personal prefix: the office365 preset's `Files`
 *    also catches `INBOX.Files` of a Dovecot or Courier source.
 *
 * Two source folders never share a destination folder: the engine plans,
 * verifies and deletes (deleteOnDestination) per folder pair, so a merge
 * would make one folder's messages look like extras of the other. When the
 * destination's special folder is also the by-name target of another source
 * folder (source `Sent` and `Sent Items`, destination `Sent` with \Sent),
 * automap steps back and each folder keeps its own name. Any remaining clash
 * (from rename rules, or `a.b` and `a_b` meeting after delimiter replacement)
 * is a ConfigError that names the folders.
 *
 * The result is sorted: INBOX first, then parents before children.
 */
import type { Folders } from '../../api/spec.js';
import { SPEC_DEFAULTS } from '../../api/spec-defaults.js';
import { ConfigError } from '../errors.js';
import { applyRenameRules, type CompiledRenameRule, compileRenameRules } from '../regextrans.js';
import type { FolderInfo, FolderPair, MailboxTree } from '../types.js';
import { canonicalPath, comparePaths, isInbox, treeDelimiter } from './paths.js';
import { isSelectable, selectSourceFolders } from './select.js';
import { AUTOMAP_ROLES, announcedSpecialUse, foldersByRole, guessRoleByName } from './special-use.js';
import { translateFolderName } from './translate-name.js';

export { foldersToCreate } from './folders-to-create.js';

function destinationByName(
  folder: FolderInfo,
  source: MailboxTree,
  destination: MailboxTree,
  options: Folders,
  rules: readonly CompiledRenameRule[],
): string {
  const translated = translateFolderName(folder, source, destination, options.subfolder);
  const renamed = applyRenameRules(translated, rules);
  if (renamed === '') {
    throw new ConfigError(
      `spec.folders.rename: the rules turn source folder ${JSON.stringify(folder.path)} into an empty name`,
    );
  }
  return isInbox(renamed) ? 'INBOX' : canonicalPath(renamed, treeDelimiter(destination));
}

/** Source folder -> the destination folder automap picks for it (only where it causes no merge). */
function automapTargets(
  selected: readonly FolderInfo[],
  byName: ReadonlyMap<FolderInfo, string>,
  source: MailboxTree,
  destination: MailboxTree,
): Map<FolderInfo, string> {
  const delimiter = treeDelimiter(destination);
  const sourceRoles = foldersByRole(selected, source);
  const destinationRoles = foldersByRole(destination.folders.filter(isSelectable), destination);
  const targets = new Map<FolderInfo, string>();
  const taken = new Set<string>();
  for (const role of AUTOMAP_ROLES) {
    const from = sourceRoles.get(role);
    const to = destinationRoles.get(role);
    if (!from || !to || isInbox(to.path)) continue;
    const key = canonicalPath(to.path, delimiter);
    const wantedByAnother = selected.some((other) => other !== from && byName.get(other) === key);
    if (wantedByAnother || taken.has(key)) continue;
    taken.add(key);
    targets.set(from, to.path);
  }
  return targets;
}

function assertNoMerges(pairs: readonly FolderPair[], delimiter: string): void {
  const byDestination = new Map<string, string[]>();
  for (const pair of pairs) {
    const key = canonicalPath(pair.destination, delimiter);
    byDestination.set(key, [...(byDestination.get(key) ?? []), pair.source]);
  }
  for (const [destination, sources] of byDestination) {
    if (sources.length < 2) continue;
    const names = sources.map((name) => JSON.stringify(name)).join(' and ');
    throw new ConfigError(
      `spec.folders: source folders ${names} would all sync into destination folder ${JSON.stringify(destination)}; ` +
        'merging folders is not supported (verification and deletes work per folder): exclude one or add a rename rule',
    );
  }
}

export function mapFolders(source: MailboxTree, destination: MailboxTree, options: Folders): FolderPair[] {
  const rules = compileRenameRules(options.rename);
  const sourceDelimiter = treeDelimiter(source);
  const selected = selectSourceFolders(source, options).sort((a, b) =>
    comparePaths(a.path, b.path, a.delimiter || sourceDelimiter),
  );
  const byName = new Map(
    selected.map((folder) => [folder, destinationByName(folder, source, destination, options, rules)] as const),
  );
  const automap = (options.automap ?? SPEC_DEFAULTS.folders.automap) && options.subfolder === undefined;
  const automapped = automap ? automapTargets(selected, byName, source, destination) : new Map<FolderInfo, string>();

  const fixed = new Map((options.map ?? []).map((m) => [m.source, m.destination] as const));
  const prefix = source.namespace.prefix;
  const pairs = selected.map((folder): FolderPair => {
    const relative = prefix !== '' && folder.path.startsWith(prefix) ? folder.path.slice(prefix.length) : undefined;
    const mapped = fixed.get(folder.path) ?? (relative === undefined ? undefined : fixed.get(relative));
    const special = mapped === undefined ? automapped.get(folder) : undefined;
    const specialUse = announcedSpecialUse(folder) ?? guessRoleByName(folder, source);
    return {
      source: folder.path,
      destination: mapped !== undefined ? (isInbox(mapped) ? 'INBOX' : mapped) : (special ?? byName.get(folder)!),
      ...(specialUse ? { specialUse } : {}),
      subscribed: folder.subscribed,
      ...(special ? { automapped: true } : {}),
    };
  });
  assertNoMerges(pairs, treeDelimiter(destination));
  return pairs;
}
