/**
 * Reconcile one MailSync (level-based, idempotent): look at the caches, plan
 * the next step (run-plan.ts), carry it out (run-*.ts). Every log line
 * carries namespace and name.
 */
import { FINALIZER, type MailSync, splitKey } from '../api/mailsync.js';
import type { ReconcileResult } from '../kube/workqueue.js';
import type { ControllerContext, StepInput } from './context.js';
import { jobNameForPair, pairHash } from './pair-hash.js';
import { paths } from './paths.js';
import { abortRun } from './run-abort.js';
import { endUnstartedRun, finishRun, recordLostRun } from './run-finish.js';
import { type JobView, planRun, runInProgress } from './run-plan.js';
import { deleteJobs, startRun } from './run-start.js';
import { trackRun } from './run-track.js';
import { waitForPair } from './run-wait.js';
import { commitStatus } from './status-commit.js';

/** Add our finalizer (optimistic concurrency: a stale copy gets a conflict and is retried). */
async function ensureFinalizer(ctx: ControllerContext, mailSync: MailSync): Promise<MailSync> {
  const finalizers = mailSync.metadata.finalizers ?? [];
  const uid = mailSync.metadata.uid!;
  if (finalizers.includes(FINALIZER) || mailSync.metadata.deletionTimestamp || ctx.finalizerAdded.has(uid)) {
    return mailSync;
  }
  const updated = await ctx.client.mergePatch<MailSync>(
    paths.mailSync(mailSync.metadata.namespace!, mailSync.metadata.name!),
    { metadata: { finalizers: [...finalizers, FINALIZER], resourceVersion: mailSync.metadata.resourceVersion } },
  );
  ctx.finalizerAdded.add(uid);
  return updated;
}

/** For a finished Job of another MailSync: has its owner recorded the outcome (or is it gone)? */
function ownerDone(ctx: ControllerContext, job: JobView): boolean {
  if (!job.ownerName) return true;
  const owner = ctx.view.mailSync(job.namespace, job.ownerName);
  if (!owner || owner.metadata.uid !== job.ownerUid) return true;
  const status = ctx.status.current(owner);
  return !(runInProgress(status) && status.jobName === job.name);
}

/** Delay until `at` (a retry or a schedule tick); long waits are re-checked daily (timers have limits, clocks drift). */
export function wakeDelay(at: Date, now: Date): number {
  return Math.min(Math.max(at.getTime() - now.getTime(), 0) + 100, 24 * 3600_000);
}

export async function reconcile(ctx: ControllerContext, key: string): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const cached = ctx.view.mailSync(namespace, name);
  if (!cached) {
    // Gone (our finalizer was removed, or it never had one): forget what we kept for it.
    const jobUid = ctx.currentJob.get(key);
    if (jobUid) ctx.streams.forget(jobUid);
    ctx.currentJob.delete(key);
    ctx.mirrors.delete(key);
    ctx.admission.forget(key);
    ctx.status.forget(key);
    return {};
  }
  if (cached.metadata.deletionTimestamp) ctx.finalizerAdded.delete(cached.metadata.uid!);
  const log = ctx.log.child({ namespace, name });
  const mailSync = await ensureFinalizer(ctx, cached);
  const hash = pairHash(mailSync.spec);
  const input: StepInput = {
    ctx,
    key,
    mailSync,
    status: ctx.status.current(mailSync),
    pairHash: hash,
    jobName: jobNameForPair(hash),
    log,
  };
  const uid = mailSync.metadata.uid!;
  const plan = planRun({
    mailSync,
    status: input.status,
    jobName: input.jobName,
    ownJobs: ctx.view.jobsOfMailSync(uid),
    pairJobs: ctx.view.jobsOfPair(hash),
    ownerDone: (job) => ownerDone(ctx, job),
    batchPending: (jobName) => ctx.packer.pending(namespace, jobName),
    memberEnded: (job) =>
      job.batch !== undefined && ctx.streams.member(job.uid, job.batch.member.name)?.summary !== undefined,
    now: ctx.now(),
  });
  log.debug({ action: plan.action }, 'reconcile');

  // A new run waiting behind another MailSync is not "waiting" once its path is clear.
  if (plan.action !== 'wait') ctx.mirrors.delete(key);
  // Only a run about to start waits for a run slot.
  if (plan.action !== 'start' && plan.action !== 'clear') ctx.admission.forget(key);

  switch (plan.action) {
    case 'abort':
      return abortRun(input, plan.keep);
    case 'track':
      return trackRun(input, plan.job);
    case 'expire':
      return endUnstartedRun(input, plan.job, plan.outcome);
    case 'finalize':
      return finishRun(input, plan.job);
    case 'lost':
      return recordLostRun(input);
    case 'joining':
      // The packer enqueues it when the Job is made (or could not be); a look now and then all the same.
      return { requeueAfter: 5000 };
    case 'wait':
      return waitForPair(input, plan.holder);
    case 'clear':
      await deleteJobs(input, plan.jobs);
      return { requeueAfter: 1000 };
    case 'start':
      return startRun(input, plan.cleanup, plan.next);
    case 'idle': {
      const generation = mailSync.metadata.generation ?? 0;
      const { nextScheduledAt } = plan.next;
      if (input.status.observedGeneration !== generation || input.status.nextScheduledAt !== nextScheduledAt) {
        const { nextScheduledAt: _n, ...rest } = input.status;
        await commitStatus(input, {
          ...rest,
          observedGeneration: generation,
          ...(nextScheduledAt ? { nextScheduledAt } : {}),
        });
      }
      return plan.next.wakeAt ? { requeueAfter: wakeDelay(plan.next.wakeAt, ctx.now()) } : {};
    }
  }
}
