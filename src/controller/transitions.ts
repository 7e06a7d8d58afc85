/**
 * Status computation: each function takes the current status and returns the
 * next one for one kind of step (run started, running, waiting, finished,
 * invalid, aborting, aborted). Pure: the clock comes in as `now`.
 *
 * Conditions: Ready (True only after a successful run; its reason says what
 * is going on otherwise), Running (a worker pod exists for this MailSync's
 * run), SpecChangePending (a newer spec waits for the next run).
 */
import type { MailSync } from '../api/mailsync.js';
import { ConditionType, type MailSyncStatus, type Phase } from '../api/status.js';
import { findCondition, removeCondition, setCondition } from '../kube/conditions.js';
import type { Outcome } from './outcome.js';
import type { TriggerDecision } from './run-trigger.js';

export interface StepContext {
  generation: number;
  now: string;
}

function withConditions(
  status: MailSyncStatus,
  ctx: StepContext,
  ready: { status: 'True' | 'False'; reason: string; message: string },
  running?: { status: 'True' | 'False'; reason: string; message: string },
): MailSyncStatus {
  let conditions = setCondition(status.conditions, { type: ConditionType.Ready, ...ready }, ctx.generation, ctx.now);
  if (running) {
    conditions = setCondition(conditions, { type: ConditionType.Running, ...running }, ctx.generation, ctx.now);
  }
  return { ...status, conditions, observedGeneration: ctx.generation };
}

/** Keeps or clears the "spec change applies to the next run" note. */
export function withPendingChange(status: MailSyncStatus, ctx: StepContext): MailSyncStatus {
  const runGeneration = status.runGeneration;
  if (runGeneration !== undefined && ctx.generation > runGeneration) {
    return {
      ...status,
      pendingGeneration: ctx.generation,
      conditions: setCondition(
        status.conditions,
        {
          type: ConditionType.SpecChangePending,
          status: 'True',
          reason: 'AppliesToNextRun',
          message: `spec change (generation ${ctx.generation}) applies to the next run; the running one uses generation ${runGeneration}`,
        },
        ctx.generation,
        ctx.now,
      ),
    };
  }
  const { pendingGeneration: _p, ...rest } = status;
  return { ...rest, conditions: removeCondition(status.conditions, ConditionType.SpecChangePending) };
}

/**
 * A Job was created for a new run (or, `inBatch`, the run joined a packed batch whose Job is made when
 * the batch is full or its window ends): everything about the previous run is cleared.
 */
export function runStarted(
  status: MailSyncStatus,
  ctx: StepContext,
  run: { jobName: string; pairHash: string; trigger?: TriggerDecision; inBatch?: boolean },
): MailSyncStatus {
  const {
    progress: _progress,
    summary: _summary,
    lastError: _lastError,
    logStream: _logStream,
    completionTime: _completionTime,
    waitingFor: _waitingFor,
    abortStartTime: _abortStartTime,
    pendingGeneration: _pendingGeneration,
    attempts: _attempts,
    interruptions: _interruptions,
    lastInterruption: _lastInterruption,
    workerPod: _workerPod,
    nextRetryAt: _nextRetryAt,
    queuePosition: _queuePosition,
    ...rest
  } = status;
  const trigger = run.trigger;
  const retry = trigger?.trigger === 'retry';
  let conditions = removeCondition(status.conditions, ConditionType.SpecChangePending);
  // A retry keeps saying which failure it retries; any other run starts a fresh request.
  if (!retry) conditions = removeCondition(conditions, ConditionType.Retrying);
  const next: MailSyncStatus = {
    ...rest,
    phase: 'Pending',
    runGeneration: ctx.generation,
    jobName: run.jobName,
    pairHash: run.pairHash,
    startTime: ctx.now,
    logTail: [],
    conditions,
    retries: retry ? (status.retries ?? 0) + 1 : 0,
    ...(trigger?.requestedAt !== undefined ? { lastRequestedAt: trigger.requestedAt } : {}),
    ...(trigger?.scheduledAt !== undefined ? { lastScheduledAt: trigger.scheduledAt } : {}),
    ...(trigger?.nextScheduledAt !== undefined ? { nextScheduledAt: trigger.nextScheduledAt } : {}),
  };
  // A batch's Job does not exist yet when its first accounts join: the message says what does.
  const step = run.inBatch ? `joined the batch of Job ${run.jobName}` : `Job ${run.jobName} created`;
  return withConditions(
    next,
    ctx,
    { status: 'False', reason: 'JobCreated', message: `${step}; waiting for the worker pod` },
    { status: 'True', reason: 'JobCreated', message: step },
  );
}

/** The run's Job exists; `pod` says how far its worker got. */
export function runProgressing(
  status: MailSyncStatus,
  ctx: StepContext,
  run: {
    jobName: string;
    pairHash: string;
    runGeneration: number;
    startTime: string;
    podRunning: boolean;
    /** Why the pod is not running yet (ContainerCreating, ErrImagePull, CreateContainerConfigError...). */
    podWaitingReason?: string;
    aborting?: string;
  },
): MailSyncStatus {
  const { waitingFor: _w, completionTime: _c, ...rest } = status;
  const phase: Phase = run.podRunning || run.aborting ? 'Running' : 'Pending';
  const next: MailSyncStatus = {
    ...rest,
    phase,
    jobName: run.jobName,
    pairHash: run.pairHash,
    runGeneration: run.runGeneration,
    startTime: status.startTime ?? run.startTime,
  };
  const ready = run.aborting
    ? { status: 'False' as const, reason: 'Aborting', message: run.aborting }
    : run.podRunning
      ? { status: 'False' as const, reason: 'Running', message: `sync running in Job ${run.jobName}` }
      : {
          status: 'False' as const,
          reason: 'PodPending',
          message: `worker pod of Job ${run.jobName} not running yet${run.podWaitingReason ? `: ${run.podWaitingReason}` : ''}`,
        };
  return withPendingChange(
    withConditions(next, ctx, ready, {
      status: 'True',
      reason: run.podRunning ? 'PodRunning' : 'PodPending',
      message: run.podRunning ? 'worker pod running' : (run.podWaitingReason ?? 'worker pod starting'),
    }),
    ctx,
  );
}

/**
 * Another MailSync holds the account pair. `holder` is unset when it is in
 * another namespace: the waiter is told only that the pair is busy there.
 */
export function runWaiting(
  status: MailSyncStatus,
  ctx: StepContext,
  wait: { holder?: string; holderJob?: string; pairHash: string; logTail?: string[] },
): MailSyncStatus {
  const { waitingFor: _w, ...rest } = status;
  const next: MailSyncStatus = {
    ...rest,
    phase: 'Waiting',
    ...(wait.holder ? { waitingFor: wait.holder } : {}),
    pairHash: wait.pairHash,
    ...(wait.logTail ? { logTail: wait.logTail } : {}),
  };
  const message = wait.holder
    ? `the account pair is being synced by MailSync ${wait.holder} (Job ${wait.holderJob}); this one runs when it ends`
    : 'the account pair is busy in another namespace; this one runs when that sync ends';
  return withConditions(
    next,
    ctx,
    { status: 'False', reason: 'AccountPairBusy', message },
    { status: 'False', reason: 'AccountPairBusy', message: 'waiting for the account pair' },
  );
}

/** Over a cap: the run waits for a slot (phase Queued, its place in line). */
export function runQueued(
  status: MailSyncStatus,
  ctx: StepContext,
  queue: { position: number; why: string; pairHash: string },
): MailSyncStatus {
  const { waitingFor: _w, ...rest } = status;
  const next: MailSyncStatus = { ...rest, phase: 'Queued', queuePosition: queue.position, pairHash: queue.pairHash };
  // The position is left out of the messages: it changes often, a condition change is written at once.
  return withConditions(
    next,
    ctx,
    { status: 'False', reason: 'Queued', message: `waiting for a run slot: ${queue.why}` },
    { status: 'False', reason: 'Queued', message: 'waiting for a run slot' },
  );
}

/** The run ended: phase and reason from the outcome; the summary and last log lines stay. */
export function runFinished(
  status: MailSyncStatus,
  ctx: StepContext,
  outcome: Outcome,
  live: Pick<MailSyncStatus, 'summary' | 'progress' | 'logTail' | 'logStream'>,
): MailSyncStatus {
  const { waitingFor: _w, abortStartTime: _a, lastError: _e, ...rest } = status;
  const next: MailSyncStatus = {
    ...rest,
    ...live,
    phase: outcome.phase,
    completionTime: ctx.now,
    ...(outcome.phase === 'Succeeded' ? {} : { lastError: { reason: outcome.reason, message: outcome.message } }),
  };
  const ready =
    outcome.phase === 'Succeeded'
      ? { status: 'True' as const, reason: 'Succeeded', message: outcome.message }
      : { status: 'False' as const, reason: outcome.reason, message: outcome.message };
  return withPendingChange(
    withConditions(next, ctx, ready, {
      status: 'False',
      reason: outcome.phase,
      message: outcome.permanent ? `${outcome.reason}: not retried until the spec changes` : outcome.message,
    }),
    ctx,
  );
}

/** The spec cannot run as it is (bad regex, missing Secret). Failed when retrying cannot help, else Pending. */
export function runBlocked(
  status: MailSyncStatus,
  ctx: StepContext,
  problem: { reason: string; message: string; retry: boolean },
  pairHash: string,
): MailSyncStatus {
  const { waitingFor: _w, ...rest } = status;
  const next: MailSyncStatus = {
    ...rest,
    phase: problem.retry ? 'Pending' : 'Failed',
    pairHash,
    lastError: { reason: problem.reason, message: problem.message },
  };
  return withConditions(
    next,
    ctx,
    { status: 'False', reason: problem.reason, message: problem.message },
    { status: 'False', reason: problem.reason, message: 'no Job created' },
  );
}

/** Aborted on request (spec.suspend): the MailSync stays with phase Aborted. */
export function runAborted(
  status: MailSyncStatus,
  ctx: StepContext,
  live: Pick<MailSyncStatus, 'summary' | 'progress' | 'logTail' | 'logStream'>,
  message: string,
): MailSyncStatus {
  const { waitingFor: _w, abortStartTime: _a, ...rest } = status;
  const next: MailSyncStatus = {
    ...rest,
    ...live,
    phase: 'Aborted',
    ...(status.startTime && !status.completionTime ? { completionTime: ctx.now } : {}),
  };
  return withConditions(
    next,
    ctx,
    { status: 'False', reason: 'Suspended', message },
    { status: 'False', reason: 'Suspended', message: 'spec.suspend is true' },
  );
}

/** The Ready reason, for change detection (Events are recorded on transitions). */
export function readyReason(status: MailSyncStatus): string | undefined {
  return findCondition(status.conditions, ConditionType.Ready)?.reason;
}

export function stepContext(mailSync: MailSync, now: Date): StepContext {
  return { generation: mailSync.metadata.generation ?? 0, now: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}
