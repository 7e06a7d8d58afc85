/**
 * The run's Job has finished: wait (bounded) for the end of its log so the
 * worker's final summary is in, then record the outcome: status, Event,
 * delta state for the next run, metrics.
 */
import type { V1Job } from '@kubernetes/client-node';
import { summaryTotals } from '../api/event-text.js';
import type { MailSyncStatus } from '../api/status.js';
import { isNotFound } from '../kube/kube-client.js';
import type { ReconcileResult } from '../kube/workqueue.js';
import { ControllerMetrics } from '../metrics/controller-metrics.js';
import { type BatchMember, batchMembers } from './batch-job.js';
import type { ControllerContext, StepInput } from './context.js';
import { countCopied } from './copy-counter.js';
import { saveDeltaState } from './delta-state.js';
import { computeOutcome, type Outcome } from './outcome.js';
import { paths } from './paths.js';
import { decideRetry, retrySettings, withRetryVerdict } from './retry.js';
import { type JobView, runInProgress } from './run-plan.js';
import { deleteJobs } from './run-start.js';
import { countRunAttempts, followRun } from './run-track.js';
import { commitStatus } from './status-commit.js';
import { runFinished, stepContext } from './transitions.js';

/** How long to wait for the log's end after the Job finished before recording without it. */
const LOG_DRAIN_TIMEOUT_MS = 60_000;

function finishedAt(job: JobView): number | undefined {
  const condition = job.job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const time = condition?.lastTransitionTime ?? job.job.status?.completionTime;
  return time ? new Date(time).getTime() : undefined;
}

/** Duration and failure reason; copied messages and bytes were counted as the log came in (copy-counter.ts). */
function recordMetrics(input: StepInput, outcome: Outcome, startTime?: string): void {
  const { metrics } = input.ctx;
  const started = startTime ? new Date(startTime).getTime() : undefined;
  if (started) metrics.syncDuration.observe(Math.max(0, (input.ctx.now().getTime() - started) / 1000));
  if (outcome.phase === 'Failed') metrics.failures.inc({ reason: ControllerMetrics.failureLabel(outcome.reason) });
}

/** The retry verdict on a finished run (spec.retry), and a note for the Event. */
function withRetry(
  input: StepInput,
  finished: MailSyncStatus,
  outcome: Outcome,
): { next: MailSyncStatus; note: string } {
  const { ctx, mailSync, status } = input;
  const settings = retrySettings(mailSync.spec.retry);
  const verdict = decideRetry({
    outcome,
    attempts: (status.retries ?? 0) + 1,
    settings,
    now: ctx.now(),
    random: ctx.random,
  });
  const next = withRetryVerdict(finished, stepContext(mailSync, ctx.now()), outcome, verdict, settings);
  const note = verdict.retry
    ? `; retry ${verdict.retryNumber} of ${settings.limit} at ${next.nextRetryAt}`
    : verdict.why === 'RetriesExhausted'
      ? `; no retry left (spec.retry.limit ${settings.limit})`
      : '';
  return { next, note };
}

export async function finishRun(input: StepInput, job: JobView): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key, log } = input;
  ctx.currentJob.set(key, job.uid);
  const runLog = followRun(input, job);
  const latest = job.pods[job.pods.length - 1];
  const ended = finishedAt(job) ?? ctx.now().getTime();
  // In a batch, an account's summary is its end (the pod goes on with the others).
  const memberDone = job.batch !== undefined && runLog?.summary !== undefined;
  if (runLog && !runLog.done && !memberDone && latest && ctx.now().getTime() - ended < LOG_DRAIN_TIMEOUT_MS) {
    // The summary is the last line: wait for the follower to read to the end (it enqueues us when done).
    return { requeueAfter: 2000 };
  }
  const live = runLog?.snapshot() ?? {
    logTail: status.logTail ?? [],
    progress: status.progress,
    summary: status.summary,
    logStream: status.logStream,
  };
  // A batch pod's exit code is the first failing account's: a member with its own summary goes by that.
  const pod = memberDone ? undefined : latest;
  const outcome = computeOutcome({ job: job.job, pod, summary: live.summary, progress: live.progress });
  const fullSummary = runLog?.fullSummary;
  if (fullSummary?.state) {
    const saved = await saveDeltaState(ctx.client, mailSync, input.pairHash, fullSummary.state, ctx.checkedConfigMaps);
    if (!saved.saved) log.warn(saved.why);
  }
  // Counted before the status says the run ended: whoever reads both sees the counters complete.
  countCopied(ctx.metrics, runLog?.copied);
  const step = stepContext(mailSync, ctx.now());
  const finished = runFinished(countRunAttempts(input, job, status), step, outcome, live);
  const { next, note } = withRetry(input, finished, outcome);
  await commitStatus(input, next, {
    flush: true,
    eventMessage: `${outcome.reason}: ${outcome.message} (${summaryTotals(live.summary)})${note}`,
  });
  recordMetrics(input, outcome, status.startTime);
  log.info({ phase: outcome.phase, reason: outcome.reason, job: job.name }, 'run finished');
  // Its account has ended in the batch: its run slot is free while the pod goes on with the others.
  if (job.batch) ctx.admission.memberEnded(job.uid, mailSync.metadata.uid!);
  // A batch's log is read on for its other accounts until all have ended and recorded it.
  if (!job.batch || batchSettled(ctx, { ...job, members: job.batch.members })) ctx.streams.forget(job.uid);
  // MailSyncs waiting for this account pair may go now.
  for (const [waiter, uid] of ctx.mirrors) if (uid === job.uid) ctx.enqueue(waiter);
  // A newer generation may be waiting for its run.
  return { requeueAfter: 500 };
}

/**
 * Every member of a batch has recorded its outcome (or is gone), and the
 * batch pod's log was read to its end: nobody needs the batch's log any more.
 */
export function batchSettled(
  ctx: ControllerContext,
  job: { uid: string; namespace: string; name: string; members: readonly BatchMember[] },
): boolean {
  if (ctx.streams.getBatch(job.uid)?.done === false) return false;
  return job.members.every((m) => {
    const ms = ctx.view.mailSync(job.namespace, m.name);
    if (!ms || ms.metadata.uid !== m.uid) return true;
    const status = ctx.status.current(ms);
    return !(status.jobName === job.name && status.runGeneration === m.generation && runInProgress(status));
  });
}

/**
 * The Job cache can lag behind: the status write of a run just started may
 * come back (and reconcile again) before the new Job does. Ask the API
 * before calling the run lost: our Job, not being deleted, is still there.
 */
async function jobStillThere(input: StepInput): Promise<boolean> {
  const { ctx, mailSync, status } = input;
  if (!status.jobName) return false;
  try {
    const job = await ctx.client.get<V1Job>(paths.job(mailSync.metadata.namespace!, status.jobName));
    const ours =
      job.metadata?.ownerReferences?.some((r) => r.controller && r.uid === mailSync.metadata.uid) ||
      batchMembers(job).some((m) => m.uid === mailSync.metadata.uid);
    return ours === true && !job.metadata?.deletionTimestamp;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Status says a run is going on but its Job is gone: record it as failed, keeping what the log told. */
export async function recordLostRun(input: StepInput): Promise<ReconcileResult> {
  const { ctx, mailSync, status, log } = input;
  if (await jobStillThere(input)) {
    log.debug({ job: status.jobName }, 'Job not in the cache yet');
    return { requeueAfter: 1000 };
  }
  const summary = status.summary;
  const outcome: Outcome = summary?.reason
    ? {
        phase: summary.reason === 'Succeeded' ? 'Succeeded' : summary.reason === 'Aborted' ? 'Aborted' : 'Failed',
        reason: summary.reason,
        message: summary.message ?? summary.reason,
        permanent: false,
      }
    : {
        phase: 'Failed',
        reason: 'JobDeleted',
        message:
          (status.jobName && ctx.packer.failure(mailSync.metadata.namespace!, status.jobName)) ??
          `Job ${status.jobName} disappeared before its outcome was recorded`,
        permanent: false,
      };
  const finished = runFinished(status, stepContext(mailSync, ctx.now()), outcome, {
    summary: status.summary,
    progress: status.progress,
    logTail: status.logTail,
    logStream: status.logStream,
  });
  const { next, note } = withRetry(input, finished, outcome);
  await commitStatus(input, next, { flush: true, eventMessage: `${outcome.reason}: ${outcome.message}${note}` });
  recordMetrics(input, outcome, status.startTime);
  log.warn({ job: status.jobName }, 'run lost its Job');
  return { requeueAfter: 500 };
}

/**
 * The run's pod never ran within spec.startDeadlineSeconds: record the
 * outcome first (the reason survives a failed delete), then delete the Job so
 * that the account pair is free. A recorded run whose Job is still active is
 * deleted again by the next reconcile (run-plan.ts: clear).
 */
export async function endUnstartedRun(input: StepInput, job: JobView, outcome: Outcome): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key, log } = input;
  const live = {
    logTail: status.logTail,
    progress: status.progress,
    summary: status.summary,
    logStream: status.logStream,
  };
  const finished = runFinished(countRunAttempts(input, job, status), stepContext(mailSync, ctx.now()), outcome, live);
  const { next, note } = withRetry(input, finished, outcome);
  await commitStatus(input, next, { flush: true, eventMessage: `${outcome.reason}: ${outcome.message}${note}` });
  recordMetrics(input, outcome, status.startTime);
  log.warn({ job: job.name, reason: outcome.reason }, 'run did not start in time; deleting its Job');
  await deleteJobs(input, [job]);
  ctx.streams.forget(job.uid);
  ctx.currentJob.delete(key);
  for (const [waiter, uid] of ctx.mirrors) if (uid === job.uid) ctx.enqueue(waiter);
  return { requeueAfter: 1000 };
}
