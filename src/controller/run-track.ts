/**
 * A run of this MailSync is going on: follow its worker pod's log and show
 * the Job's progress in status (Pending until the pod runs, then Running).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { LABEL_PAIR } from '../api/mailsync.js';
import type { MailSyncStatus } from '../api/status.js';
import type { ReconcileResult } from '../kube/workqueue.js';
import type { StepInput } from './context.js';
import { countAttempts, replacementEvent } from './interruption.js';
import { podFailureRules } from './job-builder.js';
import { podWaitingReason, workerEnded, workerMayRun, workerRunning, workerStarted } from './pods.js';
import type { RunLog } from './run-log.js';
import type { JobView } from './run-plan.js';
import { jobRunGeneration } from './run-plan.js';
import { startDeadlineWake } from './start-deadline.js';
import { commitStatus } from './status-commit.js';
import { runProgressing, stepContext } from './transitions.js';

/**
 * Follow the newest started pod of the Job, or the newest pod on a node whose start the API may not
 * know of yet (its log is read to see: a probe); resume from status when it describes this run.
 */
export function followRun(input: StepInput, job: JobView): RunLog | undefined {
  const { ctx, status } = input;
  const pod = [...job.pods].reverse().find((p) => workerStarted(p) || workerMayRun(p));
  const sameRun = status.jobName === job.name && status.runGeneration === jobRunGeneration(job);
  if (job.batch) return followBatch(input, job, pod?.metadata?.name ? pod : undefined);
  if (!pod) return ctx.streams.get(job.uid);
  return ctx.streams.track({
    jobUid: job.uid,
    namespace: job.namespace,
    pod: pod.metadata!.name!,
    ended: workerEnded(pod),
    probe: !workerStarted(pod),
    resume: sameRun
      ? { logTail: status.logTail, progress: status.progress, summary: status.summary, position: status.logStream }
      : undefined,
  });
}

/**
 * A batch pod's log is read once for all its accounts (batch-run-log.ts);
 * each member resumes from what its own status shows of this run.
 */
function followBatch(input: StepInput, job: JobView, pod: V1Pod | undefined): RunLog | undefined {
  const { ctx } = input;
  const batch = job.batch!;
  if (!pod) return ctx.streams.member(job.uid, batch.member.name);
  // The member list (with each one's resume point) is only read when the batch's log is first followed.
  const known = ctx.streams.getBatch(job.uid) !== undefined;
  const members = (known ? [] : batch.members).map((m) => {
    const ms = ctx.view.mailSync(job.namespace, m.name);
    const status = ms && ms.metadata.uid === m.uid ? ctx.status.current(ms) : undefined;
    const sameRun = status?.jobName === job.name && status.runGeneration === m.generation;
    return {
      id: m.name,
      ...(sameRun
        ? {
            resume: {
              logTail: status.logTail,
              progress: status.progress,
              summary: status.summary,
              position: status.logStream,
            },
          }
        : {}),
    };
  });
  return ctx.streams
    .trackBatch({
      jobUid: job.uid,
      namespace: job.namespace,
      pod: pod.metadata!.name!,
      ended: workerEnded(pod),
      probe: !workerStarted(pod),
      members,
    })
    .member(batch.member.name);
}

/**
 * Count the run's worker pods (status.attempts, interruptions) and record an
 * Event for each pod replaced since the last count: Resumed (interrupted:
 * drained, evicted, deleted...; the new pod continues the run) or Retried (a
 * failure counted against backoffLimit).
 */
export function countRunAttempts(input: StepInput, job: JobView, status: MailSyncStatus): MailSyncStatus {
  const { ctx, mailSync, log } = input;
  const sameRun = status.jobName === job.name && status.runGeneration === jobRunGeneration(job);
  const { attempts: _a, interruptions: _i, lastInterruption: _l, workerPod: _w, ...fresh } = status;
  const base = sameRun ? status : fresh;
  const counted = countAttempts({
    status: base,
    pods: ctx.view.workerPodsOfRun(job),
    rules: podFailureRules(),
    now: stepContext(mailSync, ctx.now()).now,
  });
  if (!counted) return base;
  for (const replaced of counted.replaced) {
    const event = replacementEvent(replaced);
    ctx.events.record(mailSync, replaced.end.kind === 'failed' ? 'Warning' : 'Normal', event.reason, event.message);
    log.info({ pod: replaced.pod, next: replaced.next, cause: replaced.end.reason }, event.message);
  }
  return { ...base, ...counted.status };
}

export async function trackRun(input: StepInput, job: JobView, aborting?: string): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key } = input;
  const deadline = mailSync.spec.startDeadlineSeconds;
  ctx.currentJob.set(key, job.uid);
  ctx.mirrors.delete(key);
  ctx.claims.release(input.pairHash, key);
  const runLog = followRun(input, job);
  const latest = job.pods[job.pods.length - 1];
  const step = stepContext(mailSync, ctx.now());
  const counted = countRunAttempts(input, job, status);
  let next = runProgressing(counted, step, {
    jobName: job.name,
    pairHash: job.batch ? job.batch.member.pair : (job.job.metadata?.labels?.[LABEL_PAIR] ?? input.pairHash),
    runGeneration: jobRunGeneration(job) ?? status.runGeneration ?? step.generation,
    startTime: job.job.metadata?.creationTimestamp
      ? new Date(job.job.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z')
      : step.now,
    // The log shows the worker at work before a loaded kubelet has told the API server.
    podRunning:
      latest !== undefined &&
      (workerRunning(latest) || workerStarted(latest) || runLog?.hasLinesOf(latest.metadata!.name!) === true),
    podWaitingReason: podWaitingReason(latest),
    aborting,
  });
  if (runLog) next = { ...next, ...runLog.snapshot() };
  // A new pod took over from an earlier one: written at once, so that a restarted controller does not
  // count it again. The run's first pod needs no hurry (counted again, it is still the first).
  const replaced = (counted.attempts ?? 0) > 1 && counted.workerPod !== status.workerPod;
  await commitStatus(input, next, { flush: replaced });
  // The start deadline may pass without any event: look again then.
  const wake = aborting ? undefined : startDeadlineWake(job, deadline, ctx.now());
  return wake === undefined ? {} : { requeueAfter: wake };
}
