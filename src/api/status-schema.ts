/**
 * The OpenAPI schema of the MailSync `status` (TypeBox), for the CRD (crd.ts).
 * The types the controller uses are in status.ts; the check at the end keeps
 * the two in step.
 */
import { type Static, Type } from '@sinclair/typebox';
import { LOG_TAIL_MAX_BYTES, LOG_TAIL_MAX_LINES, type MailSyncStatus, PHASES } from './status.js';

const literalUnion = <T extends readonly string[]>(values: T, description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

export const ConditionSchema = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 316 }),
  status: literalUnion(['True', 'False', 'Unknown'] as const, 'True, False or Unknown.'),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.String({ format: 'date-time', description: 'When status last changed.' }),
  reason: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
  message: Type.String({ maxLength: 32768 }),
});

export const StatusProgressSchema = Type.Object(
  {
    foldersDone: Type.Optional(Type.Integer({ minimum: 0 })),
    foldersTotal: Type.Optional(Type.Integer({ minimum: 0 })),
    messagesCopied: Type.Optional(Type.Integer({ minimum: 0 })),
    messagesSkipped: Type.Optional(Type.Integer({ minimum: 0 })),
    messagesFailed: Type.Optional(Type.Integer({ minimum: 0 })),
    messagesTotal: Type.Optional(Type.Integer({ minimum: 0 })),
    bytesCopied: Type.Optional(Type.Integer({ minimum: 0 })),
    messagesPerSecond: Type.Optional(Type.Number({ minimum: 0 })),
    bytesPerSecond: Type.Optional(Type.Number({ minimum: 0 })),
    etaSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    display: Type.Optional(
      Type.String({ description: 'Messages done (copied+skipped+failed) / total, e.g. "120/500" (printer column).' }),
    ),
    rate: Type.Optional(Type.String({ description: 'Human rate, e.g. "35.2 msg/s" (printer column).' })),
  },
  { description: 'Live progress of the current (or last) run, parsed from the worker log.' },
);

/** The worker's final Summary (events.ts) without the delta state (kept in a ConfigMap) and per-folder lists. */
export const StatusSummarySchema = Type.Object(
  {
    verdict: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    exitCode: Type.Optional(Type.Integer()),
    message: Type.Optional(Type.String()),
    mode: Type.Optional(Type.String()),
    startTime: Type.Optional(Type.String()),
    endTime: Type.Optional(Type.String()),
    durationSeconds: Type.Optional(Type.Number()),
    foldersSynced: Type.Optional(Type.Integer()),
    foldersCreated: Type.Optional(Type.Integer()),
    messagesTransferred: Type.Optional(Type.Integer()),
    messagesChanged: Type.Optional(
      Type.Integer({ description: 'Copies rewritten on their way (spec.messages): not byte-identical on purpose.' }),
    ),
    messagesChangedByServer: Type.Optional(
      Type.Integer({
        description:
          'Copies the destination server itself changed (8-bit header bytes rewritten, Cyrus munge8bit): recognised by re-runs, not byte-identical.',
      }),
    ),
    messagesSkipped: Type.Optional(Type.Integer()),
    duplicatesSkipped: Type.Optional(Type.Integer()),
    crossDuplicatesSkipped: Type.Optional(Type.Integer()),
    messagesFailed: Type.Optional(Type.Integer()),
    messagesDeletedOnSource: Type.Optional(Type.Integer()),
    messagesDeletedOnDestination: Type.Optional(Type.Integer()),
    flagsUpdated: Type.Optional(Type.Integer()),
    bytesTransferred: Type.Optional(Type.Integer()),
    messagesPerSecond: Type.Optional(Type.Number()),
    bytesPerSecond: Type.Optional(Type.Number()),
    errors: Type.Optional(Type.Integer()),
    reconnects: Type.Optional(Type.Integer()),
    biggestMessageBytes: Type.Optional(Type.Integer()),
    verificationMissing: Type.Optional(Type.Integer()),
    peakMemoryBytes: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: "The worker's peak resident memory in bytes (compare with its memory limit).",
      }),
    ),
  },
  {
    description: "The worker's final statistics and verdict.",
    // Newer workers may add counters; keep them rather than prune them.
    'x-kubernetes-preserve-unknown-fields': true,
  },
);

export const LastErrorSchema = Type.Object({
  reason: Type.String(),
  message: Type.String(),
});

/**
 * Where the log stream of the run's pod stopped being applied to this status:
 * after a controller restart streaming resumes at this line (sinceTime plus a
 * skip of the lines already seen), so logTail gets no duplicates and the final
 * summary is not lost.
 */
export const LogStreamPositionSchema = Type.Object({
  pod: Type.String({ description: 'Worker pod whose log this position refers to.' }),
  timestamp: Type.String({ description: 'Kubelet timestamp (RFC 3339, nanoseconds) of the last line applied.' }),
  linesAtTimestamp: Type.Integer({ minimum: 0, description: 'Lines carrying exactly that timestamp applied so far.' }),
  done: Type.Optional(Type.Boolean({ description: 'The container ended and its whole log was applied.' })),
});

export const InterruptionSchema = Type.Object(
  {
    pod: Type.String(),
    reason: Type.String({
      description:
        'DisruptionTarget reason (EvictionByEvictionAPI, PreemptionByScheduler...), PodDeleted or WorkerTerminated.',
    }),
    message: Type.String(),
    time: Type.String({ format: 'date-time', description: 'When the controller saw the new pod take over.' }),
  },
  { description: 'A worker pod stopped by something other than an abort; the run went on in a new pod.' },
);

export const MailSyncStatusSchema = Type.Object({
  phase: Type.Optional(literalUnion(PHASES, 'Pending, Queued, Waiting, Running, Succeeded, Failed or Aborted.')),
  conditions: Type.Optional(
    Type.Array(ConditionSchema, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      maxItems: 16,
    }),
  ),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  runGeneration: Type.Optional(
    Type.Integer({ minimum: 0, description: 'The metadata.generation the current (or last) run was started for.' }),
  ),
  pendingGeneration: Type.Optional(
    Type.Integer({ minimum: 0, description: 'A newer spec generation that applies to the next run.' }),
  ),
  jobName: Type.Optional(Type.String()),
  pairHash: Type.Optional(Type.String({ description: 'Hash of the normalised source and destination accounts.' })),
  waitingFor: Type.Optional(Type.String({ description: 'namespace/name of the MailSync holding the account pair.' })),
  startTime: Type.Optional(Type.String({ format: 'date-time' })),
  completionTime: Type.Optional(Type.String({ format: 'date-time' })),
  progress: Type.Optional(StatusProgressSchema),
  logTail: Type.Optional(
    Type.Array(Type.String(), {
      maxItems: LOG_TAIL_MAX_LINES,
      description: `Last lines of the worker log (at most ${LOG_TAIL_MAX_LINES} lines and ${LOG_TAIL_MAX_BYTES} bytes).`,
    }),
  ),
  logStream: Type.Optional(LogStreamPositionSchema),
  summary: Type.Optional(StatusSummarySchema),
  lastError: Type.Optional(LastErrorSchema),
  abortStartTime: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the controller began aborting the run (suspend).' }),
  ),
  attempts: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Worker pods the run has had: 1, plus one per retry (backoffLimit) and per interruption.',
    }),
  ),
  interruptions: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "Times the run's worker was interrupted (drain, eviction, deleted pod...) and a new pod continued it.",
    }),
  ),
  lastInterruption: Type.Optional(InterruptionSchema),
  workerPod: Type.Optional(Type.String({ description: 'The newest worker pod counted in attempts.' })),
  lastRequestedAt: Type.Optional(
    Type.String({
      maxLength: 256,
      description: 'The value of the run-now annotation (mailsync.io/requested-at) the last run was started for.',
    }),
  ),
  retries: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Controller retries of the current run request (spec.retry): 0 for its first run, +1 per retry.',
    }),
  ),
  nextRetryAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the next retry of a failed run starts.' }),
  ),
  queuePosition: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'Place in the queue for a run slot (phase Queued): 1 starts next. Rewritten every 30 s near the head of the line, less often further back (2 s per place, at most 5 min).',
    }),
  ),
  lastScheduledAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'The spec.schedule tick the last scheduled run was started for.' }),
  ),
  nextScheduledAt: Type.Optional(Type.String({ format: 'date-time', description: 'The next spec.schedule tick.' })),
});

/** Compile-time: what the schema allows is what the controller's type says (both ways, for the fields). */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SchemaKeys = keyof Static<typeof MailSyncStatusSchema>;
const _sameFields: Equal<SchemaKeys, keyof MailSyncStatus> = true;
void _sameFields;
