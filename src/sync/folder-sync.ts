/**
 * One folder pair, start to finish: list both sides, plan, copy, update flags,
 * delete on the destination (mirror), verify, delete on the source (move),
 * and record the folder's delta state.
 *
 * Every step starts from a fresh listing, so running it again after a lost
 * connection is safe: what was appended before the drop is "already present"
 * in the new plan, nothing is copied twice.
 */
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import type { DryRunTotals } from '../api/events.js';
import type { EffectiveSpec } from '../api/spec-defaults.js';
import { type RunStop, raceAbort } from './abort.js';
import { copyMessages } from './copy.js';
import { passesFilters } from './filters.js';
import type { FolderReader } from './imap-raw/folder-reader.js';
import { type FolderListing, listFolder, refreshListing } from './listing.js';
import { planFolder } from './plan.js';
import type { Reporter } from './reporter.js';
import { type FolderState, folderStatuses, type SideState } from './state.js';
import type { ByteCap, Throttle } from './throttle.js';
import type { FlagUpdate, FolderPair } from './types.js';
import { missingOnDestination, sourceUidsSafeToDelete } from './verification.js';
import type { WorkerSlot } from './worker-slot.js';

/** UIDs per STORE/EXPUNGE command: keeps command lines short. */
const UID_CHUNK = 500;

export interface FolderRunContext {
  spec: EffectiveSpec;
  reporter: Reporter;
  stop: RunStop;
  logger: Logger;
  dryRun: boolean;
  now: Date;
  throttle?: Throttle;
  byteCap?: ByteCap;
  /** Dry run: accumulates what would be done. */
  dryRunTotals: DryRunTotals;
  /** Destination folders that exist (created in the first phase, or found); others are empty in a dry run. */
  destinationExists: (path: string) => boolean;
  /** Counts an error and stops the run once the budget is spent. */
  countError: () => void;
}

/** Progress of one folder, kept across reconnect attempts so counters are not counted twice. */
export interface FolderTally {
  /** Estimated source messages (from STATUS) already added to the run's messagesTotal. */
  estimatedTotal: number;
  planned: boolean;
  copied: number;
  skipped: number;
  failed: number;
  flagsUpdated: number;
  deletedOnDestination: number;
  deletedOnSource: number;
}

export function newTally(estimatedTotal: number): FolderTally {
  return {
    estimatedTotal,
    planned: false,
    copied: 0,
    skipped: 0,
    failed: 0,
    flagsUpdated: 0,
    deletedOnDestination: 0,
    deletedOnSource: 0,
  };
}

export interface FolderOutcome {
  /** Every planned step ran (the run was not stopped in the middle of this folder). */
  completed: boolean;
  /** Source messages missing on the destination after the verification pass (undefined: not verified). */
  missing?: number;
  /** The delta state to record (only for a complete, verified, error-free, non-dry run). */
  state?: FolderState;
}

export async function syncFolder(
  ctx: FolderRunContext,
  slot: WorkerSlot,
  pair: FolderPair,
  tally: FolderTally,
): Promise<FolderOutcome> {
  const { spec, reporter } = ctx;
  const counters = reporter.counters;
  // imapflow commands take no signal: an abort abandons them (the run logs out or closes the sessions).
  const abortable = <T>(work: Promise<T>) => raceAbort(work, ctx.stop.signal);
  const [source, destination] = await abortable(Promise.all([slot.sourceReader(), slot.destinationReader()]));

  // Both sides at once (two connections).
  const [sourceListing, destinationListing] = await abortable(
    Promise.all([
      listFolder(source, pair.source, { readOnly: true, identityHeaders: spec.identityHeaders }),
      listDestination(ctx, destination, pair.destination),
    ]),
  );
  const plan = planFolder(sourceListing.messages, destinationListing.messages, {
    syncFlags: spec.syncFlags,
    deleteOnDestination: spec.deleteOnDestination,
    filters: spec.filters,
    now: ctx.now,
    destinationPermanentFlags: destinationListing.permanentFlags,
  });
  const copyBytes = plan.copy.reduce((sum, m) => sum + m.size, 0);
  reporter.emit({
    event: 'folder.plan',
    folder: pair.source,
    destinationFolder: pair.destination,
    copy: plan.copy.length,
    copyBytes,
    flagUpdates: plan.flagUpdates.length,
    deleteOnDestination: plan.deleteOnDestination.length,
    alreadyPresent: plan.alreadyPresent,
    duplicates: plan.duplicates,
    filteredOut: plan.filteredOut,
    dryRun: ctx.dryRun,
  });
  if (!tally.planned) {
    // First plan of this folder: what was present before this run. (A retry's plan also counts
    // what the earlier attempt appended as present; that is not "skipped".)
    tally.planned = true;
    tally.skipped = plan.alreadyPresent;
    counters.messagesSkipped += plan.alreadyPresent;
    counters.duplicatesSkipped += plan.duplicates;
    counters.messagesFiltered += plan.filteredOut;
    counters.messagesTotal += plan.copy.length + plan.alreadyPresent - tally.estimatedTotal;
    tally.estimatedTotal = plan.copy.length + plan.alreadyPresent;
  }

  if (ctx.dryRun) {
    ctx.dryRunTotals.wouldCopy += plan.copy.length;
    ctx.dryRunTotals.wouldCopyBytes += copyBytes;
    ctx.dryRunTotals.wouldUpdateFlags += plan.flagUpdates.length;
    ctx.dryRunTotals.wouldDeleteOnDestination += plan.deleteOnDestination.length;
    return { completed: true };
  }

  let destinationChanged = false;
  const vanished = new Set<number>();
  if (plan.copy.length > 0) {
    const copy = await copyMessages(
      {
        destination: pair.destination,
        source,
        buffers: slot.buffers,
        appender: await slot.appender(),
        permanentFlags: destinationListing.permanentFlags,
        appendLimit: destinationListing.appendLimit,
        batchMessages: spec.performance.batchMessages,
        batchBytes: spec.performance.batchBytes,
        stop: ctx.stop,
        throttle: ctx.throttle,
        byteCap: ctx.byteCap,
        onCopied: (_message, bytes) => {
          tally.copied += 1;
          reporter.transferred(bytes);
        },
        onFailed: (message, reason, text) => {
          tally.failed += 1;
          counters.messagesFailed += 1;
          reporter.emit({ event: 'message.error', folder: pair.source, uid: message.uid, reason, error: text });
          ctx.countError();
        },
      },
      plan.copy,
    );
    destinationChanged = true;
    for (const uid of copy.vanished) vanished.add(uid);
    if (copy.stopped || ctx.stop.stopped) return { completed: false };
  }
  if (ctx.stop.stopped) return { completed: false };

  if (plan.flagUpdates.length > 0) {
    await applyFlagUpdates(await slot.destination(), pair.destination, plan.flagUpdates);
    tally.flagsUpdated += plan.flagUpdates.length;
    counters.flagsUpdated += plan.flagUpdates.length;
    destinationChanged = true;
  }
  if (plan.deleteOnDestination.length > 0) {
    await expungeUids(await slot.destination(), pair.destination, plan.deleteOnDestination);
    tally.deletedOnDestination += plan.deleteOnDestination.length;
    counters.messagesDeletedOnDestination += plan.deleteOnDestination.length;
    destinationChanged = true;
  }

  // Verification: the destination as it is now, against the source messages that were planned
  // (those that vanished from the source meanwhile are not expected).
  const mustVerify = spec.verify || spec.deleteOnSource;
  let destinationNow = destinationListing;
  if (mustVerify && plan.copy.length > 0) {
    destinationNow = await abortable(
      refreshListing(destination, pair.destination, destinationListing, {
        readOnly: false,
        identityHeaders: spec.identityHeaders,
      }),
    );
  }
  const expected = sourceListing.messages.filter(
    (m) => !vanished.has(m.uid) && passesFilters(m, spec.filters, ctx.now),
  );
  let missing: number | undefined;
  if (mustVerify) missing = missingOnDestination(expected, destinationNow.messages).length;

  let sourceChanged = false;
  if (spec.deleteOnSource && !ctx.stop.stopped) {
    const uids = sourceUidsSafeToDelete(expected, destinationNow.messages);
    if (uids.length > 0) {
      await deleteOnSource(await slot.source(), pair.source, uids);
      tally.deletedOnSource += uids.length;
      counters.messagesDeletedOnSource += uids.length;
      sourceChanged = true;
    }
  }

  const outcome: FolderOutcome = { completed: true, missing };
  const clean = tally.failed === 0 && (missing === undefined || missing === 0) && !sourceChanged;
  if (clean) {
    let destinationState: SideState | undefined = destinationNow.state;
    if (destinationChanged && destinationNow === destinationListing) {
      destinationState = (await folderStatuses(await slot.connection('destination'), [pair.destination])).get(
        pair.destination,
      );
    }
    if (destinationState) {
      outcome.state = {
        destinationFolder: pair.destination,
        source: sourceListing.state,
        destination: destinationState,
      };
    }
  }
  return outcome;
}

async function listDestination(ctx: FolderRunContext, reader: FolderReader, path: string): Promise<FolderListing> {
  if (ctx.dryRun && !ctx.destinationExists(path)) {
    return { messages: [], state: { uidValidity: '0', uidNext: 0, messages: 0 }, readOnly: true };
  }
  // A dry run changes nothing: EXAMINE the destination too.
  return listFolder(reader, path, { readOnly: ctx.dryRun, identityHeaders: ctx.spec.identityHeaders });
}

/** One STORE per distinct (add, remove) pair and chunk of UIDs. */
async function applyFlagUpdates(client: ImapFlow, path: string, updates: readonly FlagUpdate[]): Promise<void> {
  await ensureSelected(client, path);
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
  for (const group of groups.values()) {
    for (const uids of chunks(group.uids, UID_CHUNK)) {
      const range = uids.join(',');
      if (group.add.length > 0) await client.messageFlagsAdd(range, group.add, { uid: true, silent: true });
      if (group.remove.length > 0) await client.messageFlagsRemove(range, group.remove, { uid: true, silent: true });
    }
  }
}

/** STORE \Deleted + UID EXPUNGE (UIDPLUS) of exactly these UIDs. */
async function expungeUids(client: ImapFlow, path: string, uids: readonly number[]): Promise<void> {
  await ensureSelected(client, path);
  for (const chunk of chunks(uids, UID_CHUNK)) {
    await client.messageDelete(chunk.join(','), { uid: true });
  }
}

/** The move's last step: the only moment the source is opened read-write. */
async function deleteOnSource(client: ImapFlow, path: string, uids: readonly number[]): Promise<void> {
  const mailbox = await client.mailboxOpen(path, { readOnly: false });
  if (mailbox.readOnly) throw new Error(`source folder ${path} is read-only: cannot delete moved messages`);
  for (const chunk of chunks(uids, UID_CHUNK)) {
    await client.messageDelete(chunk.join(','), { uid: true });
  }
}

async function ensureSelected(client: ImapFlow, path: string): Promise<void> {
  const current = client.mailbox;
  if (current && current.path === path && !current.readOnly) return;
  await client.mailboxOpen(path, { readOnly: false });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
