/**
 * Abort (kubectl delete, or spec.suspend: true):
 * 1. stop the Job from making new pods (suspend it);
 * 2. delete the worker pod with the grace period: the kubelet sends TERM, and
 *    KILL when the grace period ends; the worker finishes or drops the
 *    message in flight, logs out and prints its summary;
 * 3. keep following the log until the pod is gone (bounded: grace + 30 s,
 *    then the pod is force-deleted);
 * 4. record the final summary in an Event; then remove the finalizer
 *    (delete) or set phase Aborted (suspend).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { summaryTotals } from '../api/event-text.js';
import type { Summary } from '../api/events.js';
import { FINALIZER } from '../api/mailsync.js';
import { KUBE_DEFAULTS } from '../api/spec-defaults.js';
import { isNotFound } from '../kube/kube-client.js';
import type { ReconcileResult } from '../kube/workqueue.js';
import type { StepInput } from './context.js';
import { countCopied } from './copy-counter.js';
import { saveDeltaState } from './delta-state.js';
import { paths } from './paths.js';
import { type JobView, jobBusy, podAlive, runInProgress } from './run-plan.js';
import { trackRun } from './run-track.js';
import { commitStatus } from './status-commit.js';
import { runAborted, stepContext } from './transitions.js';

/** Extra time after the grace period before a pod that is still there is force-deleted. */
const ABORT_SLACK_SECONDS = 30;

function gracePeriod(input: StepInput): number {
  return input.mailSync.spec.gracePeriodSeconds ?? KUBE_DEFAULTS.gracePeriodSeconds;
}

async function deletePod(input: StepInput, pod: V1Pod, gracePeriodSeconds: number): Promise<void> {
  try {
    await input.ctx.client.delete(paths.pod(pod.metadata!.namespace!, pod.metadata!.name!), { gracePeriodSeconds });
    input.log.info({ pod: pod.metadata?.name, gracePeriodSeconds }, 'deleted worker pod (TERM now, KILL at grace end)');
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

async function suspendJob(input: StepInput, job: JobView): Promise<void> {
  if (job.job.spec?.suspend || job.deleting || job.state !== 'active') return;
  try {
    await input.ctx.client.mergePatch(paths.job(job.namespace, job.name), { spec: { suspend: true } });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * Takes our finalizer off (a merge patch on the very version seen). False when there was none to
 * take, or the MailSync is gone already: a reconcile on a cache that has not seen the deletion yet
 * finds it so.
 */
export async function removeFinalizer(input: StepInput): Promise<boolean> {
  const { mailSync, ctx } = input;
  const finalizers = mailSync.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return false;
  try {
    await ctx.client.mergePatch(paths.mailSync(mailSync.metadata.namespace!, mailSync.metadata.name!), {
      metadata: {
        finalizers: finalizers.filter((f) => f !== FINALIZER),
        resourceVersion: mailSync.metadata.resourceVersion,
      },
    });
    return true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return false;
  }
}

export async function abortRun(input: StepInput, keep: boolean): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key, log } = input;
  const uid = mailSync.metadata.uid!;
  const ownJobs = ctx.view.jobsOfMailSync(uid);
  const pods = ctx.view.podsOfMailSync(uid);
  const busyJobs = ownJobs.filter(jobBusy);
  const remaining = pods.filter((p) => podAlive(p) || p.metadata?.deletionTimestamp);
  const now = ctx.now();
  ctx.mirrors.delete(key);
  // Still waiting in an open batch: out of it (its Job must not run this account).
  ctx.packer.leave(key);

  if (busyJobs.length > 0 || remaining.length > 0) {
    // When the abort began: the deletion timestamp, or (suspend) the first time we saw it.
    let startedAt = mailSync.metadata.deletionTimestamp
      ? new Date(mailSync.metadata.deletionTimestamp).getTime()
      : status.abortStartTime
        ? new Date(status.abortStartTime).getTime()
        : now.getTime();
    if (Number.isNaN(startedAt)) startedAt = now.getTime();
    const grace = gracePeriod(input);
    for (const job of busyJobs) await suspendJob(input, job);
    const overdue = now.getTime() > startedAt + (grace + ABORT_SLACK_SECONDS) * 1000;
    for (const pod of remaining) {
      if (overdue) {
        log.warn({ pod: pod.metadata?.name }, 'pod still there after the grace period: force-deleting it');
        await deletePod(input, pod, 0);
      } else if (!pod.metadata?.deletionTimestamp) {
        await deletePod(input, pod, grace);
      }
    }
    const job = busyJobs[busyJobs.length - 1] ?? ownJobs.find((j) => j.name === status.jobName);
    const message = `aborting: TERM sent to the worker; KILL ${grace} s later if it has not stopped`;
    if (job) {
      await trackRun(input, job, message);
    }
    if (keep && !status.abortStartTime) {
      ctx.status.update(mailSync, (s) => {
        s.abortStartTime = new Date(startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
      });
    }
    return { requeueAfter: 1000 };
  }

  // Pods are gone. Wait briefly for the follower to read the end of the log (the summary).
  const jobUid = ctx.currentJob.get(key) ?? ownJobs.find((j) => j.name === status.jobName)?.uid;
  const runLog = jobUid ? (ctx.streams.get(jobUid) ?? ctx.streams.member(jobUid, mailSync.metadata.name!)) : undefined;
  if (jobUid && ctx.streams.isFollowing(jobUid)) return { requeueAfter: 500 };

  const wasRunning = runInProgress(status);
  const live = runLog?.snapshot();
  const summary = (live?.summary ?? status.summary) as Summary | undefined;
  const summaryText = summary?.message ? `${summary.message}; ${summaryTotals(summary)}` : summaryTotals(summary);
  const recordAborted = () => {
    const why = keep ? 'spec.suspend' : 'deletion';
    ctx.events.record(mailSync, 'Normal', 'Aborted', `sync aborted by ${why}: ${summaryText}`);
    log.info({ why }, 'run aborted: %s', summaryText);
  };
  // A deletion is recorded once its finalizer is off (below): a second look at the same
  // MailSync, from a cache behind the deletion, would record it again without the summary.
  if (wasRunning && keep) {
    recordAborted();
    if (runLog?.fullSummary?.state) {
      const saved = await saveDeltaState(
        ctx.client,
        mailSync,
        input.pairHash,
        runLog.fullSummary.state,
        ctx.checkedConfigMaps,
      );
      if (!saved.saved) log.warn(saved.why);
    }
  }
  // The aborted Jobs are removed: they hold the account pair's name and would block the next run.
  for (const job of ownJobs.filter((j) => j.state === 'active' && !j.deleting)) {
    try {
      await ctx.client.delete(paths.job(job.namespace, job.name), { propagationPolicy: 'Background' });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (jobUid) {
    countCopied(ctx.metrics, runLog?.copied);
    ctx.streams.forget(jobUid);
  }
  ctx.currentJob.delete(key);
  ctx.claims.release(input.pairHash, key);

  if (keep) {
    // A finished run stays as it ended; suspend only stops what runs (and keeps new runs from starting).
    // Setting suspend made a new generation: observedGeneration says it was seen (kstatus, kubectl wait).
    if (!wasRunning && status.phase && ['Succeeded', 'Failed', 'Aborted'].includes(status.phase)) {
      const generation = mailSync.metadata.generation ?? 0;
      if (status.observedGeneration !== generation) {
        await commitStatus(input, { ...status, observedGeneration: generation }, { flush: true });
      }
      return {};
    }
    const message = wasRunning ? `aborted (spec.suspend): ${summaryTotals(summary)}` : 'suspended (spec.suspend)';
    const next = runAborted(status, stepContext(mailSync, now), live ?? {}, message);
    await commitStatus(input, next, { flush: true });
    return {};
  }
  if ((await removeFinalizer(input)) && wasRunning) recordAborted();
  ctx.status.forget(key);
  return {};
}
