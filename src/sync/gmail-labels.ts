/**
 * Gmail labels (imapsync --synclabels, --resynclabels): Gmail's IMAP
 * extension X-GM-EXT-1 gives each message's labels as the FETCH item
 * X-GM-LABELS and sets them with STORE X-GM-LABELS
 * (https://developers.google.com/gmail/imap/imap-extensions).
 */
import { type FolderAccess, type OnRefused, selectWritable } from './folder-changes.js';
import { ImapCommandError } from './imap-raw/command-errors.js';
import { fetchLabels, storeLabels } from './imap-raw/gmail-labels.js';
import type { MessageList } from './message-list.js';
import { walkIdentityGroups } from './plan.js';
import type { Reporter } from './reporter.js';

export const GMAIL_EXTENSION = 'X-GM-EXT-1';

/**
 * Whether labels can be synced between these two servers: both must announce
 * X-GM-EXT-1. Otherwise a notice says which side lacks it, and the run goes
 * on without labels (imapsync would fail each FETCH X-GM-LABELS instead).
 */
export function labelsAvailable(
  wanted: boolean,
  source: ReadonlySet<string>,
  destination: ReadonlySet<string>,
  reporter: Reporter,
): boolean {
  if (!wanted) return false;
  const missing = [
    ...(source.has(GMAIL_EXTENSION) ? [] : ['source']),
    ...(destination.has(GMAIL_EXTENSION) ? [] : ['destination']),
  ];
  if (missing.length === 0) return true;
  const which = missing.length === 2 ? 'neither server announces' : `the ${missing[0]} server does not announce`;
  reporter.note(
    `syncLabels/resyncLabels: ${which} ${GMAIL_EXTENSION}; Gmail labels are not synced ` +
      '(each label folder is synced as a folder)',
  );
  return false;
}

/** One folder pair's label pass: after the copy, on the destination listing that has the copies. */
export interface LabelPass {
  source: FolderAccess;
  destination: FolderAccess;
  sourcePath: string;
  destinationPath: string;
  sourceMessages: MessageList;
  destinationMessages: MessageList;
  /** Source UIDs copied by this run (syncLabels labels them). */
  copied: ReadonlySet<number>;
  syncLabels: boolean;
  /** Also compare the labels of messages that were already there (resyncLabels). */
  resyncLabels: boolean;
  /** Source messages this pass looks at (those the folder's plan covered). */
  expected: (sourceIndex: number) => boolean;
  onRefused: OnRefused;
}

/** UIDs per FETCH X-GM-LABELS command. */
const LABEL_CHUNK = 500;

/**
 * imapsync's synclabels (after each APPEND: the source labels stored on the
 * copy, when it has any) and resynclabels (a message already on the
 * destination: its labels stored when they differ; compared as sets here,
 * imapsync compares the two strings). Twins are paired as the plan pairs
 * them (identity, then UID order). Returns how many messages got labels.
 */
export async function syncFolderLabels(pass: LabelPass): Promise<number> {
  const twins = labelTwins(pass);
  if (twins.length === 0) return 0;
  if (pass.source.reader.current?.path !== pass.sourcePath) await pass.source.reader.open(pass.sourcePath, true);
  const sourceLabels = await fetchInChunks(
    pass.source,
    twins.map((t) => t.sourceUid),
  );
  if (!(await selectWritable(pass.destination, pass.destinationPath, pass.onRefused))) return 0;
  const resynced = twins.filter((t) => !t.copied).map((t) => t.destinationUid);
  const destinationLabels = await fetchInChunks(pass.destination, resynced);
  let stored = 0;
  for (const twin of twins) {
    const wanted = sourceLabels.get(twin.sourceUid) ?? [];
    const now = destinationLabels.get(twin.destinationUid) ?? [];
    if (twin.copied ? wanted.length === 0 : sameLabels(wanted, now)) continue;
    try {
      await storeLabels(pass.destination.connection, twin.destinationUid, wanted);
      stored += 1;
    } catch (error) {
      if (!(error instanceof ImapCommandError)) throw error;
      pass.onRefused(error);
    }
  }
  return stored;
}

interface LabelTwin {
  sourceUid: number;
  destinationUid: number;
  copied: boolean;
}

/** Source/destination pairs the pass looks at: copies (syncLabels) and, with resyncLabels, the others. */
function labelTwins(pass: LabelPass): LabelTwin[] {
  const { sourceMessages: source, destinationMessages: destination } = pass;
  const sourceOrder = source.identityOrder();
  const destinationOrder = destination.identityOrder();
  const twins: LabelTwin[] = [];
  walkIdentityGroups(source, sourceOrder, destination, destinationOrder, (s0, s1, d0, d1) => {
    let d = d0;
    for (let p = s0; p < s1 && d < d1; p++) {
      const index = sourceOrder[p]!;
      if (!pass.expected(index)) continue;
      const sourceUid = source.uid(index);
      const copied = pass.copied.has(sourceUid);
      const destinationUid = destination.uid(destinationOrder[d++]!);
      if ((copied && pass.syncLabels) || (!copied && pass.resyncLabels))
        twins.push({ sourceUid, destinationUid, copied });
    }
  });
  return twins;
}

async function fetchInChunks(side: FolderAccess, uids: readonly number[]): Promise<Map<number, string[]>> {
  const all = new Map<number, string[]>();
  for (let i = 0; i < uids.length; i += LABEL_CHUNK) {
    for (const [uid, labels] of await fetchLabels(side.connection, uids.slice(i, i + LABEL_CHUNK)))
      all.set(uid, labels);
  }
  return all;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((label) => set.has(label));
}
