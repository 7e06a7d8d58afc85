/**
 * The sync engine's entry point: `runSync(spec, options)`.
 *
 * A run: resolve and log in on both sides, the folder phase (list, map,
 * create, subscribe), one STATUS per folder per side (progress estimate and
 * the delta shortcut), then folder workers in parallel (each with its own
 * raw connection per side: one login each; the destination's also APPENDs),
 * then log out and report.
 *
 * Contract:
 * - `runSync` never throws for a problem of the run: invalid options,
 *   connection/TLS/authentication failures, lost connections, per-message
 *   failures, aborts... all end in an `error` event (where relevant) and a
 *   final `summary` event, and the same Summary is returned, with the exit
 *   code the CLI/worker must use. Exactly one `summary` line per run.
 *   (It rejects only on a bug that prevents reporting at all.)
 * - Abort: the caller aborts `options.signal` (the CLI/worker wire SIGTERM and
 *   SIGINT to it with abort.ts). No new message is taken, the APPEND in
 *   flight finishes or is dropped whole, connections log out, the summary says
 *   verdict 'aborted', reason Aborted, exit code 30 (Interrupted, 31, when
 *   the signal wiring says so: the worker pod, see abort.ts).
 * - The run never ends "success" with source messages missing on the
 *   destination: every folder is verified (identities as multisets) unless
 *   `verify: false`.
 */
import pLimit from 'p-limit';
import pino, { type Logger } from 'pino';
import type { EgressPolicy } from '../api/egress-policy.js';
import type { DryRunTotals, FolderSize, Summary, Verdict } from '../api/events.js';
import { EXIT_CODES } from '../api/exit-codes.js';
import type { MailSyncSpec } from '../api/spec.js';
import { applyDefaults, type EffectiveSpec } from '../api/spec-defaults.js';
import { specProblems } from '../api/spec-problems.js';
import { abortSignalName, isAbortError, RunStop, raceAbort, signalStopReason } from './abort.js';
import { CrossDuplicates } from './cross-duplicates.js';
import { resolveEndpoint } from './endpoint.js';
import {
  AuthError,
  asMailsyncError,
  ConfigError,
  ConnectError,
  configErrorFrom,
  EgressDeniedError,
  MailsyncError,
  ServerMisbehavedError,
  type Side,
  TlsError,
} from './errors.js';
import { prepareFolders } from './folder-phase.js';
import { FolderSequence } from './folder-sequence.js';
import { type FolderRunContext, type FolderTally, newTally, syncFolder } from './folder-sync.js';
import { orderFolders } from './folders/folder-order.js';
import { labelsAvailable } from './gmail-labels.js';
import type { ImapCommandError } from './imap-raw/command-errors.js';
import { describeSizes, measureFolderSizes, modeTraits } from './modes.js';
import { DEFAULT_RECONNECT, isConnectionLoss, type ReconnectPolicy, withReconnect } from './reconnect.js';
import { Reporter } from './reporter.js';
import { compileMessageRules } from './rewrite/message-rules.js';
import {
  adoptState,
  deltaAllowed,
  emptyState,
  folderStatuses,
  folderUnchanged,
  loadStateFile,
  type SideState,
  type SyncState,
  saveStateFile,
  stateFingerprint,
} from './state.js';
import { ByteCap, Throttle } from './throttle.js';
import type { FolderPair, ResolvedEndpoint } from './types.js';
import { type SlotEndpoints, WorkerSlot } from './worker-slot.js';

export interface RunOptions {
  /** Where the JSON events go (default: pino to stdout). */
  logger?: Logger;
  /** Abort the run (graceful stop). */
  signal?: AbortSignal;
  /** Delta state file: read at start (missing = full comparison), written at the end. */
  stateFile?: string;
  /** Delta state from a previous run's Summary.state (the controller keeps it); `stateFile` wins when both are given. */
  state?: unknown;
  /** Milliseconds between `progress` events (default 2000; 0 = none). */
  progressIntervalMs?: number;
  /** Reconnect policy for dropped connections. */
  reconnect?: Partial<ReconnectPolicy>;
  /** How long LOGOUT may take per connection at the end (default 3000 ms). */
  logoutTimeoutMs?: number;
  /** The clock for age filters (tests). */
  now?: Date;
  /** Where connections may go (default: DEFAULT_EGRESS_POLICY, src/api/egress-policy.ts). */
  egress?: EgressPolicy;
}

export async function runSync(spec: MailSyncSpec, options: RunOptions = {}): Promise<Summary> {
  const logger = options.logger ?? pino();
  return new Run(spec, logger, options).execute();
}

interface FolderJob {
  pair: FolderPair;
  /** Source STATUS MESSAGES (estimate for progress). */
  estimate: number;
}

class Run {
  readonly spec: EffectiveSpec;
  readonly reporter: Reporter;
  readonly signal: AbortSignal;
  readonly stop: RunStop;
  readonly traits;
  readonly policy: ReconnectPolicy;
  readonly slots = new Set<WorkerSlot>();
  readonly throttle: Throttle;
  readonly dryRunTotals: DryRunTotals = {
    wouldCopy: 0,
    wouldCopyBytes: 0,
    wouldUpdateFlags: 0,
    wouldDeleteOnDestination: 0,
    wouldCreateFolders: 0,
  };
  endpoints?: SlotEndpoints;
  fatal?: MailsyncError;
  /** Source messages missing on the destination that no message error explains. */
  unexplainedMissing = 0;
  missingMessages = 0;
  folderSizes?: FolderSize[];
  state?: SyncState;
  doneMessage?: string;
  connectedSides = new Set<Side>();
  /** Destination folders the server refused to create (folder phase): their folders fail without being tried. */
  notCreated = new Map<string, ImapCommandError>();

  constructor(
    readonly rawSpec: MailSyncSpec,
    readonly logger: Logger,
    readonly options: RunOptions,
  ) {
    this.spec = applyDefaults(rawSpec);
    this.reporter = new Reporter(logger);
    this.signal = options.signal ?? new AbortController().signal;
    this.stop = new RunStop(this.signal);
    this.traits = modeTraits(this.spec.mode);
    this.policy = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.throttle = new Throttle(this.spec.throttle);
  }

  async execute(): Promise<Summary> {
    const { spec, reporter } = this;
    reporter.emit({
      event: 'start',
      mode: spec.mode,
      source: describeEndpoint(spec.source),
      destination: describeEndpoint(spec.destination),
    });
    const onAbort = () => reporter.emit({ event: 'abort', signal: abortSignalName(this.signal) });
    if (this.signal.aborted) onAbort();
    else this.signal.addEventListener('abort', onAbort, { once: true });

    let failure: MailsyncError | undefined;
    try {
      await this.body();
    } catch (err) {
      if (!isAbortError(err, this.signal)) failure = asMailsyncError(err);
    }
    failure ??= this.fatal;
    reporter.stopProgress();
    this.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled([...this.slots].map((slot) => slot.logout(this.options.logoutTimeoutMs ?? 3000)));
    if (this.traits.plansFolders) reporter.emitProgress();
    if (failure) {
      reporter.emit({ event: 'error', reason: failure.reason, side: failure.side, error: failure.message });
    }
    const summary = this.summarize(failure);
    reporter.emit({ event: 'summary', summary }, summary.message);
    return summary;
  }

  private async body(): Promise<void> {
    const { spec, reporter, stop } = this;
    // The CLI and the worker checked the spec already; a direct caller gets the same checks and words.
    const problems = specProblems(this.rawSpec, 'local');
    if (problems.length > 0) throw configErrorFrom(problems);
    this.endpoints = await raceAbort(this.resolveEndpoints(), this.signal);
    const control = this.newSlot(true);
    const abortable = <T>(work: Promise<T>) => raceAbort(work, this.signal);
    const [source, destination] = await abortable(
      settleBothSides(control.connection('source'), control.connection('destination')),
    );
    if (spec.mode === 'loginOnly') {
      this.doneMessage = 'logged in on both sides';
      return;
    }
    if (stop.stopped) return;
    const labels = labelsAvailable(
      spec.syncLabels || spec.resyncLabels,
      source.capabilities,
      destination.capabilities,
      reporter,
    );

    const dryRun = !this.traits.createsFolders;
    const phase = await abortable(prepareFolders(spec, source, destination, reporter, dryRun));
    this.notCreated = phase.notCreated;
    this.dryRunTotals.wouldCreateFolders = dryRun ? phase.created.length : 0;
    const destinationExists = (path: string) => phase.existing.has(path);
    reporter.counters.foldersTotal = phase.pairs.length;

    if (spec.mode === 'foldersOnly') {
      reporter.emit({ event: 'folders', total: phase.pairs.length });
      this.doneMessage = `${phase.pairs.length} folders mapped, ${phase.created.length} created`;
      return;
    }
    if (spec.mode === 'folderSizesOnly') {
      reporter.emit({ event: 'folders', total: phase.pairs.length });
      const [sourceReader, destinationReader] = await abortable(
        Promise.all([control.sourceReader(), control.destinationReader()]),
      );
      this.folderSizes = await abortable(
        measureFolderSizes(
          phase.pairs,
          { connection: source, reader: sourceReader },
          { connection: destination, reader: destinationReader },
          destinationExists,
          reporter,
          this.signal,
        ),
      );
      this.doneMessage = describeSizes(this.folderSizes);
      return;
    }
    if (stop.stopped) return;

    // imapsync --folderfirst/--folderlast (the Gmail presets put "[Gmail]/All Mail" last).
    const order = orderFolders(phase.pairs, spec.folders.first, spec.folders.last);
    const jobs = await abortable(this.deltaPhase(order.pairs, control, destinationExists));
    const lastPairs = new Set(order.pairs.slice(order.pairs.length - order.lastCount));
    const lastJobs = jobs.filter((job) => lastPairs.has(job.pair)).length;
    const sequence = new FolderSequence(jobs.length, lastJobs, spec.skipCrossDuplicates);
    reporter.startProgress(this.options.progressIntervalMs ?? 2000);
    if (stop.stopped) return;

    const context: FolderRunContext = {
      spec,
      reporter,
      stop,
      logger: this.logger,
      dryRun: spec.mode === 'dryRun',
      now: this.options.now ?? new Date(),
      throttle: this.throttle,
      byteCap: spec.throttle.maxBytesPerRun !== undefined ? new ByteCap(spec.throttle.maxBytesPerRun) : undefined,
      dryRunTotals: this.dryRunTotals,
      destinationExists,
      countError: () => this.countError(),
      rules: compileMessageRules(spec),
      ...(spec.skipCrossDuplicates ? { crossDuplicates: new CrossDuplicates() } : {}),
      labels,
    };
    const limit = pLimit(spec.performance.folderConcurrency);
    const pool: WorkerSlot[] = [control];
    const waiting: ((slot: WorkerSlot) => void)[] = [];
    const take = (job: FolderJob): WorkerSlot | Promise<WorkerSlot> => {
      const free = pool.pop();
      if (free) return free;
      // An empty source folder is a SELECT on each side: it waits for an open pair rather than paying a
      // login on each server (an imap process, an authentication), which for small mailboxes with
      // several empty special folders was a third of the servers' work (docs/performance.md).
      if (job.estimate === 0) return new Promise((resolve) => waiting.push(resolve));
      return this.newSlot(false);
    };
    // Every slot taken is given back (finally below), so a waiting folder always gets one.
    const giveBack = (slot: WorkerSlot) => {
      const next = waiting.shift();
      if (next) next(slot);
      else pool.push(slot);
    };
    await Promise.all(
      jobs.map((job, index) =>
        limit(async () => {
          try {
            // An abort ends the wait; the check below then skips the folder.
            await abortable(sequence.mayStart(index)).catch(() => undefined);
            if (stop.stopped) return;
            const slot = await take(job);
            try {
              // A stop may have come while it waited for a slot.
              if (!stop.stopped) await this.runFolder(context, slot, job, sequence, index);
            } finally {
              giveBack(slot);
            }
          } finally {
            sequence.markEnded(index);
          }
        }),
      ),
    );
    if (this.fatal) throw this.fatal;
    if (this.state && this.options.stateFile && !context.dryRun) {
      // The state only saves time next run: failing to write it does not fail the sync.
      await saveStateFile(this.options.stateFile, this.state).catch((err: unknown) =>
        reporter.note(`could not write the state file ${this.options.stateFile}: ${(err as Error).message}`),
      );
    }
  }

  /**
   * One STATUS per folder on the source (progress estimate) and, when a delta
   * state is available, on the destination: folders unchanged on both sides
   * are done right here. Returns the folders that need a full comparison.
   */
  private async deltaPhase(
    pairs: FolderPair[],
    control: WorkerSlot,
    destinationExists: (path: string) => boolean,
  ): Promise<FolderJob[]> {
    const { spec, reporter } = this;
    const fingerprint = stateFingerprint(spec);
    const writesState = spec.mode === 'sync';
    const previousRaw = this.options.stateFile ? await loadStateFile(this.options.stateFile) : this.options.state;
    const previous = adoptState(previousRaw, fingerprint);
    const useDelta = writesState && deltaAllowed(spec);
    if (writesState) {
      this.state = emptyState(fingerprint);
      // Folders not mapped any more drop out; those not reached this run keep their (still true) entries.
      for (const pair of pairs) {
        const entry = previous.folders[pair.source];
        if (entry) this.state.folders[pair.source] = entry;
      }
    }

    const [source, destination] = await Promise.all([control.connection('source'), control.connection('destination')]);
    // Pipelined: one round trip per side for all folders.
    const [sourceStatus, destinationStatus] = await Promise.all([
      folderStatuses(
        source,
        pairs.map((pair) => pair.source),
      ),
      useDelta
        ? folderStatuses(
            destination,
            pairs
              .filter((pair) => previous.folders[pair.source] && destinationExists(pair.destination))
              .map((pair) => pair.destination),
          )
        : new Map<string, SideState | undefined>(),
    ]);

    let estimate = 0;
    for (const pair of pairs) estimate += sourceStatus.get(pair.source)?.messages ?? 0;
    reporter.counters.messagesTotal = estimate;
    reporter.emit({ event: 'folders', total: pairs.length, messagesTotal: estimate });

    const jobs: FolderJob[] = [];
    for (const pair of pairs) {
      const now = { source: sourceStatus.get(pair.source), destination: destinationStatus.get(pair.destination) };
      const messages = now.source?.messages ?? 0;
      if (useDelta && folderUnchanged(previous.folders[pair.source], pair.destination, now, spec)) {
        reporter.counters.foldersUnchanged += 1;
        reporter.counters.foldersDone += 1;
        reporter.counters.foldersSynced += 1;
        reporter.counters.messagesSkipped += messages;
        reporter.emit({
          event: 'folder.end',
          folder: pair.source,
          copied: 0,
          skipped: messages,
          failed: 0,
          unchanged: true,
        });
      } else {
        jobs.push({ pair, estimate: messages });
      }
    }
    return jobs;
  }

  private async runFolder(
    context: FolderRunContext,
    slot: WorkerSlot,
    job: FolderJob,
    sequence: FolderSequence,
    index: number,
  ): Promise<void> {
    const { reporter, stop } = this;
    const { pair } = job;
    const refused = this.notCreated.get(pair.destination);
    if (refused) {
      this.folderNotCreated(job, refused);
      return;
    }
    const tally: FolderTally = newTally(job.estimate);
    reporter.emit({
      event: 'folder.begin',
      folder: pair.source,
      destinationFolder: pair.destination,
      messages: job.estimate,
    });
    let completed = false;
    let missing: number | undefined;
    try {
      const turn = { mayPlan: () => sequence.mayPlan(index), planned: () => sequence.markPlanned(index) };
      const outcome = await withReconnect(() => syncFolder(context, slot, pair, tally, turn), {
        signal: this.signal,
        policy: this.policy,
        isRetryable: async (err) => !stop.stopped && isConnectionLoss(err, (await slot.deadSides()).length > 0),
        beforeRetry: async (attempt, err) => {
          const dead = await slot.deadSides();
          const side = dead.length > 0 ? dead.join(',') : ((err as MailsyncError).side ?? 'unknown');
          slot.drop();
          reporter.counters.reconnects += 1;
          reporter.emit({ event: 'reconnect', side, attempt }, `reconnecting (${side}) to resume ${pair.source}`);
        },
      });
      completed = outcome.completed;
      missing = outcome.missing;
      const changed = outcome.changedByServer ?? [];
      if (changed.length > 0) {
        reporter.counters.messagesChangedByServer += changed.length;
        // A server limit, not a failure of this run: a warning with the first UIDs, once per folder.
        reporter.logger.warn(
          {
            folder: pair.source,
            destinationFolder: pair.destination,
            uids: changed.slice(0, 20),
            count: changed.length,
          },
          `folder ${pair.source}: the destination server changed ${changed.length} copies (8-bit header bytes ` +
            'rewritten, e.g. Cyrus munge8bit); they are recognised and not copied again, but are not byte-identical',
        );
      }
      if (this.state) {
        if (outcome.state) this.state.folders[pair.source] = outcome.state;
        else delete this.state.folders[pair.source];
      }
    } catch (err) {
      if (this.state) delete this.state.folders[pair.source];
      // After a stop (signal, byte cap, error budget), a failure is the consequence, not news.
      const consequence = isAbortError(err, this.signal) || (stop.stopped && isConnectionLoss(err));
      if (!consequence) this.folderFailed(pair, err, slot);
    }
    if (missing !== undefined && missing > 0) {
      reporter.counters.verificationMissing += 1;
      this.missingMessages += missing;
      this.unexplainedMissing += Math.max(0, missing - tally.failed);
    }
    reporter.counters.foldersDone += 1;
    if (completed) reporter.counters.foldersSynced += 1;
    reporter.emit({
      event: 'folder.end',
      folder: pair.source,
      copied: tally.copied,
      skipped: tally.skipped,
      failed: tally.failed,
      ...(missing !== undefined ? { missing } : {}),
      flagsUpdated: tally.flagsUpdated,
      deletedOnDestination: tally.deletedOnDestination,
      deletedOnSource: tally.deletedOnSource,
    });
  }

  /**
   * The destination refused to create the folder: one error, and every source message of the folder
   * counted as failed (none was tried), so the summary's counts match what is missing.
   */
  private folderNotCreated(job: FolderJob, err: ImapCommandError): void {
    const { reporter } = this;
    const { pair } = job;
    if (this.state) delete this.state.folders[pair.source];
    reporter.emit({
      event: 'error',
      reason: 'FolderFailed',
      side: err.side,
      error: `folder ${pair.source}: ${err.message}`,
    });
    this.countError();
    reporter.counters.messagesFailed += job.estimate;
    reporter.counters.foldersDone += 1;
    reporter.emit({ event: 'folder.end', folder: pair.source, copied: 0, skipped: 0, failed: job.estimate });
  }

  /** A folder could not be synced: fatal for the run (credentials, TLS, connection gone for good) or one error. */
  private folderFailed(pair: FolderPair, err: unknown, slot: WorkerSlot): void {
    const fatal =
      err instanceof AuthError ||
      err instanceof TlsError ||
      err instanceof ConfigError ||
      err instanceof ServerMisbehavedError ||
      err instanceof EgressDeniedError ||
      isConnectionLoss(err);
    if (fatal) {
      slot.drop();
      const typed =
        err instanceof MailsyncError
          ? err
          : new ConnectError(`connection lost while syncing ${pair.source}: ${(err as Error).message}`, {
              side: (err as { side?: Side }).side ?? 'source',
              cause: err,
            });
      this.fatal ??= typed;
      this.stop.stop('Failed');
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    this.reporter.emit({ event: 'error', reason: 'FolderFailed', error: `folder ${pair.source}: ${message}` });
    this.countError();
  }

  private countError(): void {
    const counters = this.reporter.counters;
    counters.errors += 1;
    if (counters.errors >= this.spec.errorsMax) this.stop.stop('ErrorBudgetExceeded');
  }

  private async resolveEndpoints(): Promise<SlotEndpoints> {
    const opts = { logger: this.logger, ...(this.options.egress ? { egress: this.options.egress } : {}) };
    const [source, destination] = await settleBothSides(
      resolveEndpoint(this.spec.source, 'source', opts),
      resolveEndpoint(this.spec.destination, 'destination', opts),
    );
    return { source, destination };
  }

  private newSlot(control: boolean): WorkerSlot {
    const endpoints = this.endpoints!;
    const slot = new WorkerSlot(endpoints, {
      logger: this.logger,
      signal: this.signal,
      compress: this.spec.performance.compress,
      batchBytes: this.spec.performance.batchBytes,
      throttle: this.throttle,
      onOpen: (side, capabilities) => {
        if (!control || this.connectedSides.has(side)) return;
        this.connectedSides.add(side);
        const resolved: ResolvedEndpoint = endpoints[side];
        this.reporter.emit({ event: 'connected', side, tls: resolved.security, capabilities });
      },
    });
    this.slots.add(slot);
    return slot;
  }

  private summarize(failure: MailsyncError | undefined): Summary {
    const { reporter, spec } = this;
    const c = reporter.counters;
    const verdict = (v: Verdict, reason: keyof typeof EXIT_CODES, exitCode: number, message: string) => ({
      verdict: v,
      reason,
      exitCode,
      message,
    });
    let outcome: ReturnType<typeof verdict>;
    const stopReason = this.stop.reason;
    if (failure) {
      outcome = verdict('failed', failure.reason, failure.exitCode, failure.message);
    } else if (stopReason === 'Aborted' && signalStopReason(this.signal) === 'Interrupted') {
      outcome = verdict(
        'aborted',
        'Interrupted',
        EXIT_CODES.Interrupted,
        `stopped by ${abortSignalName(this.signal)} after copying ${c.messagesTransferred} messages`,
      );
    } else if (stopReason === 'Aborted') {
      outcome = verdict(
        'aborted',
        'Aborted',
        EXIT_CODES.Aborted,
        `aborted by ${abortSignalName(this.signal)} after copying ${c.messagesTransferred} messages; run again to continue`,
      );
    } else if (stopReason === 'QuotaExceeded') {
      outcome = verdict(
        'failed',
        'QuotaExceeded',
        EXIT_CODES.QuotaExceeded,
        `the destination mailbox is over its quota: ${c.messagesTransferred} messages copied, then the server refused ` +
          `${c.messagesFailed} ([OVERQUOTA]) and the run stopped; free space or raise the quota, then run again`,
      );
    } else if (stopReason === 'ErrorBudgetExceeded') {
      outcome = verdict(
        'failed',
        'ErrorBudgetExceeded',
        EXIT_CODES.ErrorBudgetExceeded,
        `stopped after ${c.errors} errors (errorsMax ${spec.errorsMax})`,
      );
    } else if (stopReason === 'ByteCapReached') {
      outcome = verdict(
        'aborted',
        'ByteCapReached',
        EXIT_CODES.ByteCapReached,
        `byte cap of ${spec.throttle.maxBytesPerRun} bytes reached after ${c.bytesTransferred} bytes; run again to continue`,
      );
    } else if (this.unexplainedMissing > 0) {
      outcome = verdict(
        'failed',
        'VerificationFailed',
        EXIT_CODES.VerificationFailed,
        `verification failed: ${this.missingMessages} source messages missing on the destination in ${c.verificationMissing} folders`,
      );
    } else if (c.errors > 0) {
      outcome = verdict(
        'errors',
        'ErrorsPresent',
        EXIT_CODES.ErrorsPresent,
        `${c.messagesFailed} messages failed, ${c.errors} errors; the other messages are on the destination${this.changedByServerNote()}`,
      );
    } else if (c.messagesChangedByServer > 0) {
      // Every message is there once, but not every copy is exact: never reported as a plain success.
      outcome = verdict(
        'errors',
        'ErrorsPresent',
        EXIT_CODES.ErrorsPresent,
        `every source message is on the destination${this.changedByServerNote()}`,
      );
    } else {
      outcome = verdict('success', 'Succeeded', EXIT_CODES.Succeeded, this.successMessage());
    }
    const extra: Partial<Summary> = {};
    if (this.state) extra.state = this.state as unknown as Summary['state'];
    if (spec.mode === 'dryRun') extra.dryRun = this.dryRunTotals;
    if (this.folderSizes) extra.folderSizes = this.folderSizes;
    return reporter.summary({ ...outcome, mode: spec.mode, extra });
  }

  /** The copies the destination server changed, as the end of a summary message ('' when none). */
  private changedByServerNote(): string {
    const n = this.reporter.counters.messagesChangedByServer;
    if (n === 0) return '';
    return (
      `; the destination server changed ${n} of the copies (8-bit header bytes rewritten, e.g. Cyrus munge8bit: ` +
      'see docs/servers.md); a re-run does not copy them again'
    );
  }

  private successMessage(): string {
    if (this.doneMessage) return this.doneMessage;
    const c = this.reporter.counters;
    if (this.spec.mode === 'dryRun') {
      const d = this.dryRunTotals;
      return (
        `dry run, nothing changed: would copy ${d.wouldCopy} messages (${d.wouldCopyBytes} bytes), ` +
        `update flags of ${d.wouldUpdateFlags}, delete ${d.wouldDeleteOnDestination} on the destination, ` +
        `create ${d.wouldCreateFolders} folders`
      );
    }
    const verified = this.spec.verify ? 'verified: every source message is on the destination' : 'not verified';
    // A rewritten copy is never called identical: say how many were changed on their way (spec.messages).
    const changed = c.messagesChanged > 0 ? ` (${c.messagesChanged} of them changed on the way by spec.messages)` : '';
    return `${c.messagesTransferred} messages copied${changed}, ${c.messagesSkipped} already present, ${c.foldersSynced} folders; ${verified}`;
  }
}

function describeEndpoint(endpoint: MailSyncSpec['source']): string {
  return `${endpoint.user}@${endpoint.host}${endpoint.port ? `:${endpoint.port}` : ''}`;
}

/** Both sides in parallel; when both fail, the source's error is the one reported. */
async function settleBothSides<S, D>(source: Promise<S>, destination: Promise<D>): Promise<[S, D]> {
  const [s, d] = await Promise.allSettled([source, destination]);
  if (s.status === 'rejected') throw s.reason;
  if (d.status === 'rejected') throw d.reason;
  return [s.value, d.value];
}
