/**
 * spec.startDeadlineSeconds: a run whose worker pod does not run in time
 * (unschedulable, image not pullable, quota...) must not hold its account
 * pair forever. Pure: given the run's Job and the clock, the outcome that
 * ends it, with the scheduler's (or kubelet's) reason, or nothing.
 */

import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { KUBE_DEFAULTS } from '../api/spec-defaults.js';
import type { JobState, Outcome } from './outcome.js';
import { podWaitingReason, workerStarted } from './pods.js';

/** What is read of a run's Job (a JobView of run-plan.ts). */
export interface RunJob {
  job: V1Job;
  name: string;
  state: JobState;
  deleting: boolean;
  /** Oldest first. */
  pods: V1Pod[];
}

export const START_DEADLINE_REASON = 'StartDeadlineExceeded';

const timeOf = (value: Date | string | undefined): number | undefined =>
  value === undefined ? undefined : new Date(value).getTime();

/**
 * The newest worker pod (or the Job, when it has none yet) has waited longer
 * than the deadline without its worker container starting.
 */
export function startDeadlineOutcome(job: RunJob, deadlineSeconds: number | undefined, now: Date): Outcome | undefined {
  if (job.state !== 'active' || job.deleting) return undefined;
  const latest = job.pods[job.pods.length - 1];
  if (latest && workerStarted(latest)) return undefined;
  const since = timeOf(latest?.metadata?.creationTimestamp) ?? timeOf(job.job.metadata?.creationTimestamp);
  const seconds = deadlineSeconds ?? KUBE_DEFAULTS.startDeadlineSeconds;
  if (since === undefined || now.getTime() - since < seconds * 1000) return undefined;
  const why = latest
    ? (podWaitingReason(latest) ?? 'the pod did not start')
    : `no worker pod was created (kubectl describe job ${job.name} shows why)`;
  return {
    phase: 'Failed',
    reason: START_DEADLINE_REASON,
    message: `the worker pod was not running within spec.startDeadlineSeconds (${seconds} s): ${why}`,
    permanent: false,
  };
}

/** When to look again at a run whose pod is not running yet (the deadline may pass without any event). */
export function startDeadlineWake(job: RunJob, deadlineSeconds: number | undefined, now: Date): number | undefined {
  if (job.state !== 'active' || job.deleting) return undefined;
  const latest = job.pods[job.pods.length - 1];
  if (latest && workerStarted(latest)) return undefined;
  const since = timeOf(latest?.metadata?.creationTimestamp) ?? timeOf(job.job.metadata?.creationTimestamp);
  if (since === undefined) return undefined;
  const seconds = deadlineSeconds ?? KUBE_DEFAULTS.startDeadlineSeconds;
  return Math.max(since + seconds * 1000 - now.getTime(), 0) + 500;
}
