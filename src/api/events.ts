/**
 * The worker's log: one JSON object per line on stdout (pino), the contract
 * between the sync engine and the controller's log parser. Documented in
 * docs/events.md. Bump EVENT_SCHEMA_VERSION on any incompatible change.
 *
 * Every line carries `schema` and `event`; pino adds `level`, `time`, `msg`.
 * Lines without `event` are plain log lines (shown in logTail, not parsed).
 */
export const EVENT_SCHEMA_VERSION = 1;

export interface Progress {
  foldersDone: number;
  foldersTotal: number;
  messagesCopied: number;
  messagesSkipped: number;
  messagesFailed: number;
  /** Messages selected on the source (after filters), known once folders are listed. */
  messagesTotal: number;
  bytesCopied: number;
  /** Messages per second since the start. */
  messagesPerSecond: number;
  bytesPerSecond: number;
  /** Estimated seconds left, absent while unknown. */
  etaSeconds?: number;
}

/** Per-folder delta state (see src/sync/state.ts); opaque to the controller. */
export type DeltaState = Record<string, unknown>;

export type Verdict = 'success' | 'errors' | 'aborted' | 'failed';

export interface Summary {
  verdict: Verdict;
  /** A reason from api/exit-codes.ts. */
  reason: string;
  exitCode: number;
  mode: string;
  startTime: string;
  endTime: string;
  durationSeconds: number;
  foldersSynced: number;
  foldersCreated: number;
  messagesTransferred: number;
  /**
   * Of messagesTransferred, the copies rewritten on their way (spec.messages: rewrite rules, line wrap,
   * disarmed read receipts): their bytes differ from the source's on purpose.
   */
  messagesChanged?: number;
  /**
   * Source messages whose copy on the destination the destination server itself changed (8-bit header
   * bytes rewritten, Cyrus's munge8bit): recognised, never copied again, but not byte-identical.
   * Counted by the verification; a run with such copies ends `errors` / `ErrorsPresent`.
   */
  messagesChangedByServer?: number;
  messagesSkipped: number;
  /** Source copies of an identity already present the same number of times. */
  duplicatesSkipped: number;
  messagesFailed: number;
  messagesDeletedOnSource: number;
  messagesDeletedOnDestination: number;
  flagsUpdated: number;
  bytesTransferred: number;
  messagesPerSecond: number;
  bytesPerSecond: number;
  errors: number;
  reconnects: number;
  biggestMessageBytes: number;
  /** Folders whose verification found source messages missing on the destination. */
  verificationMissing: number;
  /** Peak resident memory of the process (getrusage maxRSS, bytes): compare it with the worker pod's memory limit. */
  peakMemoryBytes?: number;
  /** Delta state to keep for the next run (controller stores it in a ConfigMap). */
  state?: DeltaState;
  /** One-line human verdict, e.g. "all 1234 messages present on the destination". */
  message: string;
  /** Folders skipped because the delta state showed no change on either side. */
  foldersUnchanged?: number;
  /** Source messages left out by the size/age filters. */
  messagesFilteredOut?: number;
  /** skipCrossDuplicates: source messages not copied because another destination folder holds them (part of messagesSkipped). */
  crossDuplicatesSkipped?: number;
  /** Dry run only: what a real run would have done. */
  dryRun?: DryRunTotals;
  /** folderSizesOnly only: message counts and sizes per folder on both sides. */
  folderSizes?: FolderSize[];
}

export interface DryRunTotals {
  wouldCopy: number;
  wouldCopyBytes: number;
  wouldUpdateFlags: number;
  wouldDeleteOnDestination: number;
  wouldCreateFolders: number;
}

export interface FolderSize {
  folder: string;
  destinationFolder: string;
  source: { messages: number; bytes: number };
  /** Absent when the destination folder does not exist yet. */
  destination?: { messages: number; bytes: number };
}

/** What the engine decided for one folder (emitted in every mode; in a dry run it is all that happens). */
export interface FolderPlanEvent {
  folder: string;
  destinationFolder: string;
  copy: number;
  copyBytes: number;
  flagUpdates: number;
  deleteOnDestination: number;
  alreadyPresent: number;
  duplicates: number;
  filteredOut: number;
  /** skipCrossDuplicates only: source messages left out because another destination folder holds them. */
  crossDuplicates?: number;
  dryRun: boolean;
}

interface Base {
  schema: typeof EVENT_SCHEMA_VERSION;
}

export type SyncEvent =
  | (Base & { event: 'start'; mode: string; source: string; destination: string })
  | (Base & { event: 'connected'; side: 'source' | 'destination'; tls: string; capabilities: string[] })
  | (Base & { event: 'folders'; total: number; messagesTotal?: number })
  | (Base & { event: 'folder.begin'; folder: string; destinationFolder: string; messages: number })
  | (Base & {
      event: 'folder.end';
      folder: string;
      copied: number;
      skipped: number;
      failed: number;
      /** Delta state: nothing changed on either side, the folder was not listed. */
      unchanged?: boolean;
      /** Verification: source messages missing on the destination (0 = verified). */
      missing?: number;
      flagsUpdated?: number;
      deletedOnDestination?: number;
      deletedOnSource?: number;
    })
  | (Base & { event: 'folder.plan' } & FolderPlanEvent)
  | (Base & { event: 'folder.create'; folder: string; dryRun: boolean })
  | (Base & { event: 'folder.size' } & FolderSize)
  | (Base & { event: 'progress'; progress: Progress })
  | (Base & { event: 'message.error'; folder: string; uid?: number; reason: string; error: string })
  | (Base & { event: 'error'; reason: string; side?: string; error: string })
  | (Base & { event: 'reconnect'; side: string; attempt: number })
  | (Base & { event: 'abort'; signal: string })
  | (Base & { event: 'summary'; summary: Summary });

export type SyncEventName = SyncEvent['event'];
