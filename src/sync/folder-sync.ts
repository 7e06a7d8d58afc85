/**
 * One folder pair, start to finish: list both sides, plan, copy, update flags,
 * delete on the destination (mirror), verify, delete on the source (move),
 * and record the folder's delta state.
 *
 * Every step starts from a fresh listing, so running it again after a lost
 * connection is safe: what was appended before the drop is "already present"
 * in the new plan, nothing is copied twice.
 */
import type { Logger } from 'pino';
import type { DryRunTotals } from '../api/events.js';
import type { EffectiveSpec } from '../api/spec-defaults.js';
import { type RunStop, raceAbort } from './abort.js';
import { copyMessages } from './copy.js';
import type { CrossDuplicates } from './cross-duplicates.js';
import { applyFlagUpdates, deleteMessages, type FolderAccess } from './folder-changes.js';
import { syncFolderLabels } from './gmail-labels.js';
import type { ImapCommandError } from './imap-raw/command-errors.js';
import type { FolderReader } from './imap-raw/folder-reader.js';
import { type FolderListing, listFolder, refreshListing } from './listing.js';
import { MessageList } from './message-list.js';
import { passesAt, planFolder } from './plan.js';
import type { Reporter } from './reporter.js';
import type { MessageRules } from './rewrite/message-rules.js';
import { type FolderState, folderStatuses, type SideState } from './state.js';
import type { ByteCap, Throttle } from './throttle.js';
import type { FolderPair } from './types.js';
import { sourceUidsSafeToDelete, verifyFolder } from './verification.js';
import type { WorkerSlot } from './worker-slot.js';

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
  /** spec.messages and filters.maxLineLength, compiled (rewrite/message-rules.ts). */
  rules: MessageRules;
  /** skipCrossDuplicates: the run-wide record of which destination folder holds which message. */
  crossDuplicates?: CrossDuplicates;
  /** syncLabels/resyncLabels, and both servers announce X-GM-EXT-1 (gmail-labels.ts). */
  labels?: boolean;
}

/** When this folder may settle its plan, and telling the others it did (folder-sequence.ts). */
export interface PlanTurn {
  mayPlan: () => Promise<void>;
  planned: () => void;
}

const FREE_TURN: PlanTurn = { mayPlan: async () => {}, planned: () => {} };

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
  /** Commands the server refused (or the run refused to send): the folder's state is not recorded. */
  refused: number;
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
    refused: 0,
  };
}

export interface FolderOutcome {
  /** Every planned step ran (the run was not stopped in the middle of this folder). */
  completed: boolean;
  /** Source messages missing on the destination after the verification pass (undefined: not verified). */
  missing?: number;
  /** Source UIDs whose verified destination copy the destination server changed (8-bit header bytes). */
  changedByServer?: number[];
  /** The delta state to record (only for a complete, verified, error-free, non-dry run). */
  state?: FolderState;
}

export async function syncFolder(
  ctx: FolderRunContext,
  slot: WorkerSlot,
  pair: FolderPair,
  tally: FolderTally,
  turn: PlanTurn = FREE_TURN,
): Promise<FolderOutcome> {
  const { spec, reporter } = ctx;
  const counters = reporter.counters;
  // An abort abandons a command in flight (the run logs out or closes the connections).
  const abortable = <T>(work: Promise<T>) => raceAbort(work, ctx.stop.signal);
  const [source, destination] = await abortable(Promise.all([slot.sourceReader(), slot.destinationReader()]));

  // Both sides at once (two connections).
  const [sourceListing, destinationListing] = await abortable(
    Promise.all([
      listFolder(source, pair.source, {
        readOnly: true,
        identityHeaders: spec.identityHeaders,
        sizeFreeIdentity: ctx.rules.sizeFreeIdentity,
        flagRewriter: ctx.rules.flagRewriter,
      }),
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
  // skipCrossDuplicates: in folder order, record this destination folder, then drop the copies another holds.
  let crossSkipped = new Set<number>();
  if (ctx.crossDuplicates) {
    await abortable(turn.mayPlan());
    ctx.crossDuplicates.noteDestination(pair.destination, destinationListing.messages);
    const claimed = ctx.crossDuplicates.claim(pair.destination, plan.copy);
    plan.copy = claimed.copy;
    crossSkipped = claimed.skipped;
  }
  turn.planned();
  let copyBytes = 0;
  for (let i = 0; i < plan.copy.length; i++) copyBytes += plan.copy.size(i);
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
    ...(ctx.crossDuplicates ? { crossDuplicates: crossSkipped.size } : {}),
    dryRun: ctx.dryRun,
  });
  if (!tally.planned) {
    // First plan of this folder: what was present before this run. (A retry's plan also counts
    // what the earlier attempt appended as present; that is not "skipped".)
    tally.planned = true;
    tally.skipped = plan.alreadyPresent + crossSkipped.size;
    counters.messagesSkipped += tally.skipped;
    counters.duplicatesSkipped += plan.duplicates;
    counters.crossDuplicatesSkipped += crossSkipped.size;
    counters.messagesFiltered += plan.filteredOut;
    counters.messagesTotal += plan.copy.length + tally.skipped - tally.estimatedTotal;
    tally.estimatedTotal = plan.copy.length + tally.skipped;
  }

  if (ctx.dryRun) {
    ctx.dryRunTotals.wouldCopy += plan.copy.length;
    ctx.dryRunTotals.wouldCopyBytes += copyBytes;
    ctx.dryRunTotals.wouldUpdateFlags += plan.flagUpdates.length;
    ctx.dryRunTotals.wouldDeleteOnDestination += plan.deleteOnDestination.length;
    return { completed: true };
  }

  let destinationChanged = false;
  /** Source messages not expected on the destination: gone from the source, or skipped after their fetch. */
  const vanished = new Set<number>();
  /** Source UIDs copied now (syncLabels labels their copies). */
  const copied = new Set<number>();
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
        prepare: ctx.rules.prepare,
        onCopied: (message, bytes, changedBy) => {
          if (ctx.labels) copied.add(message.uid);
          tally.copied += 1;
          reporter.transferred(bytes);
          if (changedBy.length > 0) {
            counters.messagesChanged += 1;
            reporter.note('message changed on its way', { folder: pair.source, uid: message.uid, changedBy });
          }
        },
        onSkipped: (message, reason, text) => {
          vanished.add(message.uid);
          counters.messagesFiltered += 1;
          counters.messagesTotal -= 1;
          tally.estimatedTotal -= 1;
          reporter.note(`message ${text}`, { folder: pair.source, uid: message.uid, reason });
        },
        onFailed: (message, reason, text) => {
          tally.failed += 1;
          counters.messagesFailed += 1;
          reporter.emit({ event: 'message.error', folder: pair.source, uid: message.uid, reason, error: text });
          // A full destination refuses every later message too: stop taking new ones. Before the error
          // is counted, so that the more precise reason wins over a budget spent by the same refusal.
          if (reason === 'OverQuota') ctx.stop.stop('QuotaExceeded');
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

  const onRefused = (error: ImapCommandError) => {
    tally.refused += 1;
    reporter.emit({
      event: 'error',
      reason: error.reason,
      side: error.side,
      error: `folder ${pair.source}: ${error.message}`,
    });
    ctx.countError();
  };
  if (plan.flagUpdates.length > 0) {
    const updated = await abortable(
      applyFlagUpdates(await access(slot, 'destination'), pair.destination, plan.flagUpdates, onRefused),
    );
    tally.flagsUpdated += updated;
    counters.flagsUpdated += updated;
    destinationChanged = true;
  }
  if (plan.deleteOnDestination.length > 0 && !ctx.stop.stopped) {
    const deleted = await abortable(
      deleteMessages(await access(slot, 'destination'), pair.destination, plan.deleteOnDestination, onRefused),
    );
    tally.deletedOnDestination += deleted;
    counters.messagesDeletedOnDestination += deleted;
    destinationChanged = true;
  }

  // Verification: the destination as it is now, against the source messages that were planned
  // (those that vanished from the source meanwhile are not expected).
  const mustVerify = spec.verify || spec.deleteOnSource;
  let destinationNow = destinationListing;
  // The label pass needs the copies' destination UIDs too.
  if ((mustVerify || ctx.labels) && plan.copy.length > 0) {
    destinationNow = await abortable(
      refreshListing(destination, pair.destination, destinationListing, {
        readOnly: false,
        identityHeaders: spec.identityHeaders,
        sizeFreeIdentity: ctx.rules.sizeFreeIdentity,
      }),
    );
    // The refreshed listing has every message the earlier one still needs: let the earlier table
    // go before verification (a million-message folder: 30 MB less at the run's peak).
    destinationListing.messages = new MessageList(0);
  }
  const sourceMessages = sourceListing.messages;
  // Cross duplicates are expected in the folder that holds them, not here.
  const expected = (index: number) =>
    !vanished.has(sourceMessages.uid(index)) &&
    !crossSkipped.has(index) &&
    passesAt(sourceMessages, index, spec.filters, ctx.now);
  let missing: number | undefined;
  let changedByServer: number[] | undefined;
  if (mustVerify) {
    const verified = verifyFolder(sourceMessages, destinationNow.messages, expected);
    missing = verified.missing.length;
    changedByServer = verified.changed;
  }

  if (ctx.labels && !ctx.stop.stopped) {
    const labelled = await abortable(
      syncFolderLabels({
        source: await access(slot, 'source'),
        destination: await access(slot, 'destination'),
        sourcePath: pair.source,
        destinationPath: pair.destination,
        sourceMessages,
        destinationMessages: destinationNow.messages,
        copied,
        syncLabels: spec.syncLabels,
        resyncLabels: spec.resyncLabels,
        expected,
        onRefused,
      }),
    );
    if (labelled > 0) reporter.note(`folder ${pair.source}: Gmail labels set on ${labelled} messages`);
  }

  let sourceChanged = false;
  if (spec.deleteOnSource && !ctx.stop.stopped) {
    // A copy the server changed (8-bit header bytes) is not the message: its source is kept.
    const changed = new Set(changedByServer);
    const uids = sourceUidsSafeToDelete(sourceMessages, destinationNow.messages, expected).filter(
      (uid) => !changed.has(uid),
    );
    if (uids.length > 0) {
      // The move's last step: the only moment the source is opened read-write.
      const deleted = await abortable(deleteMessages(await access(slot, 'source'), pair.source, uids, onRefused));
      tally.deletedOnSource += deleted;
      counters.messagesDeletedOnSource += deleted;
      sourceChanged = true;
    }
  }

  const outcome: FolderOutcome = { completed: true, missing, changedByServer };
  // A folder with copies the server changed is not recorded either: each run lists it and reports them again.
  const clean =
    tally.failed === 0 &&
    tally.refused === 0 &&
    (missing === undefined || missing === 0) &&
    !changedByServer?.length &&
    !sourceChanged;
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
    return { messages: new MessageList(0), state: { uidValidity: '0', uidNext: 0, messages: 0 }, readOnly: true };
  }
  // A dry run changes nothing: EXAMINE the destination too.
  return listFolder(reader, path, {
    readOnly: ctx.dryRun,
    identityHeaders: ctx.spec.identityHeaders,
    sizeFreeIdentity: ctx.rules.sizeFreeIdentity,
  });
}

async function access(slot: WorkerSlot, side: 'source' | 'destination'): Promise<FolderAccess> {
  const [connection, reader] = await Promise.all([
    slot.connection(side),
    side === 'source' ? slot.sourceReader() : slot.destinationReader(),
  ]);
  return { connection, reader };
}
