/**
 * A run of this MailSync is going on: follow its worker pod's log and show
 * the Job's progress in status (Pending until the pod runs, then Running).
 */

import type { ReconcileResult } from '../kube/workqueue.js';
import type { StepInput } from './context.js';
import { podWaitingReason, workerRunning, workerStarted } from './pods.js';
import type { RunLog } from './run-log.js';
import type { JobView } from './run-plan.js';
import { jobRunGeneration } from './run-plan.js';
import { commitStatus } from './status-commit.js';
import { runProgressing, stepContext } from './transitions.js';

/** Follow the newest started pod of the Job; resume from status when it describes this run. */
export function followRun(input: StepInput, job: JobView): RunLog | undefined {
  const { ctx, status } = input;
  const pod = [...job.pods].reverse().find(workerStarted);
  const sameRun = status.jobName === job.name && status.runGeneration === jobRunGeneration(job);
  if (!pod) return ctx.streams.get(job.uid);
  return ctx.streams.track({
    jobUid: job.uid,
    namespace: job.namespace,
    pod: pod.metadata!.name!,
    resume: sameRun
      ? { logTail: status.logTail, progress: status.progress, summary: status.summary, position: status.logStream }
      : undefined,
  });
}

export async function trackRun(input: StepInput, job: JobView, aborting?: string): Promise<ReconcileResult> {
  const { ctx, mailSync, status, key } = input;
  ctx.currentJob.set(key, job.uid);
  ctx.mirrors.delete(key);
  ctx.claims.release(input.pairHash, key);
  const runLog = followRun(input, job);
  const latest = job.pods[job.pods.length - 1];
  const step = stepContext(mailSync, ctx.now());
  let next = runProgressing(status, step, {
    jobName: job.name,
    pairHash: job.job.metadata?.labels?.['mailsync.io/pair'] ?? input.pairHash,
    runGeneration: jobRunGeneration(job) ?? status.runGeneration ?? step.generation,
    startTime: job.job.metadata?.creationTimestamp
      ? new Date(job.job.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z')
      : step.now,
    podRunning: latest !== undefined && (workerRunning(latest) || workerStarted(latest)),
    podWaitingReason: podWaitingReason(latest),
    aborting,
  });
  if (runLog) next = { ...next, ...runLog.snapshot() };
  await commitStatus(input, next);
  return {};
}
