/**
 * The MailSync `status`: written only by the controller, through the status
 * subresource. Plain types and constants (what the controller computes and
 * imports at run time); the CRD's OpenAPI schema for them is in
 * status-schema.ts (TypeBox, only loaded to generate the CRD).
 */
import type { Summary } from './events.js';

export const PHASES = ['Pending', 'Queued', 'Waiting', 'Running', 'Succeeded', 'Failed', 'Aborted'] as const;
export type Phase = (typeof PHASES)[number];
export const TERMINAL_PHASES: ReadonlySet<Phase> = new Set(['Succeeded', 'Failed', 'Aborted']);

/** Limits of status.logTail (the "tail -f" of the worker). */
export const LOG_TAIL_MAX_LINES = 50;
export const LOG_TAIL_MAX_BYTES = 8 * 1024;
/** A single readable line longer than this is cut (one huge line must not evict the whole tail). */
export const LOG_LINE_MAX_BYTES = 1024;

/** Condition types the controller sets. */
export const ConditionType = {
  /** True once the last run succeeded; False says why not (reason), e.g. Running, AccountPairBusy, SecretNotFound. */
  Ready: 'Ready',
  /** True while a worker pod for this MailSync's run exists (pending or running). */
  Running: 'Running',
  /** True while a spec change waits for the next run (the running one keeps its spec). */
  SpecChangePending: 'SpecChangePending',
  /** After a failed run: True while a retry is scheduled (reason: the failure), False when none will come (RetriesExhausted, NotRetriable). */
  Retrying: 'Retrying',
} as const;

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** Live progress of the current (or last) run, parsed from the worker log. */
export interface StatusProgress {
  foldersDone?: number;
  foldersTotal?: number;
  messagesCopied?: number;
  messagesSkipped?: number;
  messagesFailed?: number;
  messagesTotal?: number;
  bytesCopied?: number;
  messagesPerSecond?: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  /** Messages done (copied+skipped+failed) / total, e.g. "120/500" (printer column). */
  display?: string;
  /** Human rate, e.g. "35.2 msg/s" (printer column). */
  rate?: string;
}

/** The worker's final Summary without the delta state (kept in a ConfigMap) and per-folder lists. */
export type StatusSummary = Partial<Omit<Summary, 'state' | 'folderSizes'>> & Record<string, unknown>;

export interface LastError {
  reason: string;
  message: string;
}

/**
 * Where the log stream of the run's pod stopped being applied to this status:
 * after a controller restart streaming resumes at this line (sinceTime plus a
 * skip of the lines already seen), so logTail gets no duplicates and the final
 * summary is not lost.
 */
export interface LogStreamPosition {
  pod: string;
  /** Kubelet timestamp (RFC 3339, nanoseconds) of the last line applied. */
  timestamp: string;
  /** Lines carrying exactly that timestamp applied so far. */
  linesAtTimestamp: number;
  /** The container ended and its whole log was applied. */
  done?: boolean;
}

/** A worker pod stopped by something other than an abort; the run went on in a new pod. */
export interface Interruption {
  pod: string;
  /** DisruptionTarget reason (EvictionByEvictionAPI, PreemptionByScheduler...), PodDeleted or WorkerTerminated. */
  reason: string;
  message: string;
  /** When the controller saw the new pod take over. */
  time: string;
}

export interface MailSyncStatus {
  phase?: Phase;
  conditions?: Condition[];
  observedGeneration?: number;
  /** The metadata.generation the current (or last) run was started for. */
  runGeneration?: number;
  /** A newer spec generation that applies to the next run. */
  pendingGeneration?: number;
  jobName?: string;
  pairHash?: string;
  /** namespace/name of the MailSync holding the account pair. */
  waitingFor?: string;
  startTime?: string;
  completionTime?: string;
  progress?: StatusProgress;
  logTail?: string[];
  logStream?: LogStreamPosition;
  summary?: StatusSummary;
  lastError?: LastError;
  /** When the controller began aborting the run (suspend). */
  abortStartTime?: string;
  /** Worker pods the run has had: 1, plus one per retry (backoffLimit) and per interruption. */
  attempts?: number;
  /** Times the run's worker was interrupted (drain, eviction, deleted pod...) and a new pod continued it. */
  interruptions?: number;
  lastInterruption?: Interruption;
  /** The newest worker pod counted in attempts. */
  workerPod?: string;
  /** The value of the run-now annotation (mailsync.io/requested-at) the last run was started for. */
  lastRequestedAt?: string;
  /** Controller retries of the current run request (spec.retry): 0 for its first run, +1 per retry. */
  retries?: number;
  /** When the next retry of a failed run starts (absent: no retry scheduled). */
  nextRetryAt?: string;
  /** Place in the queue for a run slot (phase Queued): 1 starts next. */
  queuePosition?: number;
  /** The spec.schedule tick the last scheduled run was started for. */
  lastScheduledAt?: string;
  /** The next spec.schedule tick. */
  nextScheduledAt?: string;
}
