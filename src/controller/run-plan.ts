/**
 * The decision at the heart of reconcile, as a pure function of what the
 * caches show: given a MailSync, its (controller-known) status and the Jobs
 * of its account pair, what is the next step? Reconcile executes the step.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_RUN_GENERATION, type MailSync } from '../api/mailsync.js';
import type { MailSyncStatus } from '../api/status.js';
import type { BatchOf } from './batch-job.js';
import { type JobState, jobState, type Outcome } from './outcome.js';
import { olderFirst } from './pods.js';
import { decideTrigger, type TriggerDecision } from './run-trigger.js';
import { startDeadlineOutcome } from './start-deadline.js';

export interface JobView {
  job: V1Job;
  namespace: string;
  name: string;
  uid: string;
  ownerUid?: string;
  ownerName?: string;
  state: JobState;
  deleting: boolean;
  /** The Job's pods, oldest first. */
  pods: V1Pod[];
  /** A batch Job (several MailSyncs in one pod, batch-job.ts) as seen by one of its members. */
  batch?: BatchOf;
}

export function podAlive(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** The Job still has (or may still get) a running worker. A suspended Job makes no new pods. */
export function jobBusy(view: JobView): boolean {
  return (view.state === 'active' && !view.deleting && !view.job.spec?.suspend) || view.pods.some(podAlive);
}

export function viewJob(job: V1Job, pods: V1Pod[]): JobView {
  const owner = job.metadata?.ownerReferences?.find((r) => r.controller);
  const sorted = [...pods].sort(olderFirst);
  return {
    job,
    namespace: job.metadata?.namespace ?? '',
    name: job.metadata?.name ?? '',
    uid: job.metadata?.uid ?? '',
    ownerUid: owner?.uid,
    ownerName: owner?.name,
    state: jobState(job),
    deleting: job.metadata?.deletionTimestamp !== undefined,
    pods: sorted,
  };
}

export type Plan =
  /** Deleted or suspended: stop the run (keep = the MailSync stays, phase Aborted). */
  | { action: 'abort'; keep: boolean }
  /** This MailSync's run is going on: follow it. */
  | { action: 'track'; job: JobView }
  /** This MailSync's run did not start within spec.startDeadlineSeconds: record the outcome, delete the Job. */
  | { action: 'expire'; job: JobView; outcome: Outcome }
  /** This MailSync's Job has finished and the outcome is not recorded yet. */
  | { action: 'finalize'; job: JobView }
  /** Status says a run is going on, but its Job is gone (deleted behind our back, or TTL before we looked). */
  | { action: 'lost' }
  /** This MailSync's run is in a batch whose Job is still to be created (batch-packer.ts). */
  | { action: 'joining' }
  /** Up to date: nothing to do (until `next.wakeAt`, if set). */
  | { action: 'idle'; next: TriggerDecision }
  /** Another MailSync is syncing the same account pair. */
  | { action: 'wait'; holder: JobView }
  /** Finished Jobs stand where the new one must go (same name): delete them first. */
  | { action: 'clear'; jobs: JobView[] }
  /** Start a new run (`next.trigger` says why). */
  | { action: 'start'; cleanup: JobView[]; next: TriggerDecision };

export interface PlanInput {
  mailSync: MailSync;
  status: MailSyncStatus;
  jobName: string;
  /** Jobs this MailSync owns (any account pair: the pair may have changed). */
  ownJobs: JobView[];
  /** Jobs of this MailSync's account pair, whoever owns them, in every watched namespace. */
  pairJobs: JobView[];
  /** For a finished Job of another MailSync: has its owner recorded the outcome (or is it gone)? */
  ownerDone(job: JobView): boolean;
  /** A batch Job of this name is still to be created (packed runs); absent: none are. */
  batchPending?(jobName: string): boolean;
  /** For a batch Job: the log shows this MailSync's own summary (its account is done, the others may run on). */
  memberEnded?(job: JobView): boolean;
  now: Date;
}

/** The MailSync generation a Job was started for (its annotation). */
export function jobRunGeneration(view: JobView): number | undefined {
  const value = view.job.metadata?.annotations?.[ANNOTATION_RUN_GENERATION];
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(n) ? n : undefined;
}

/** A run was started and its outcome is not recorded yet. */
export function runInProgress(status: MailSyncStatus): boolean {
  return status.runGeneration !== undefined && status.startTime !== undefined && status.completionTime === undefined;
}

/** The status holds this Job's outcome (same run, completion recorded). */
function recordedRun(view: JobView, status: MailSyncStatus): boolean {
  return (
    status.completionTime !== undefined &&
    status.jobName === view.name &&
    status.runGeneration !== undefined &&
    jobRunGeneration(view) === status.runGeneration
  );
}

/** The status describes this Job's run (recorded or not). */
function sameRun(view: JobView, status: MailSyncStatus): boolean {
  return status.jobName === view.name && status.runGeneration === jobRunGeneration(view);
}

/** A finished Job of ours whose outcome the status does not hold yet. */
function unrecorded(view: JobView, status: MailSyncStatus): boolean {
  const generation = jobRunGeneration(view);
  if (generation === undefined || view.deleting) return false;
  if (status.runGeneration === undefined || generation > status.runGeneration) return true;
  return generation === status.runGeneration && status.jobName === view.name && status.completionTime === undefined;
}

export function planRun(input: PlanInput): Plan {
  const { mailSync, status, ownJobs, pairJobs, jobName } = input;
  if (mailSync.metadata.deletionTimestamp) return { action: 'abort', keep: false };
  if (mailSync.spec.suspend) return { action: 'abort', keep: true };

  // A run whose outcome is recorded while its Job is still active (it did not start in time, and deleting
  // the Job failed or is not in the cache yet): delete it, it must not hold the pair. Never a batch: the
  // other accounts in it are still syncing.
  const endedEarly = ownJobs.filter((j) => j.state === 'active' && !j.deleting && !j.batch && recordedRun(j, status));
  if (endedEarly.length > 0) return { action: 'clear', jobs: endedEarly };

  // A run of ours still going on: follow it (the newest, should there be several). A recorded run is not
  // followed again (its pod may still be stopping): that would write it back as Running. In a batch, an
  // account whose summary is in has ended, whatever the other accounts do.
  const memberEnded = (j: JobView) => j.batch !== undefined && input.memberEnded?.(j) === true;
  // A batch still running with other accounts is not this MailSync's any more once it has a later run.
  const laterRun = (j: JobView) => j.batch !== undefined && runInProgress(status) && !sameRun(j, status);
  const busyOwn = ownJobs.filter((j) => jobBusy(j) && !recordedRun(j, status) && !memberEnded(j) && !laterRun(j));
  if (busyOwn.length > 0) {
    const job = busyOwn[busyOwn.length - 1]!;
    // A batch is not deleted for one member's start deadline (its kubelet may be slow for all of them).
    const late = job.batch ? undefined : startDeadlineOutcome(job, mailSync.spec.startDeadlineSeconds, input.now);
    return late ? { action: 'expire', job, outcome: late } : { action: 'track', job };
  }

  const finished = ownJobs
    .filter((j) => unrecorded(j, status) || (memberEnded(j) && !recordedRun(j, status) && sameRun(j, status)))
    .sort((a, b) => (jobRunGeneration(a) ?? 0) - (jobRunGeneration(b) ?? 0));
  if (finished.length > 0) return { action: 'finalize', job: finished[finished.length - 1]! };
  if (runInProgress(status) && !ownJobs.some((j) => j.name === status.jobName && !j.deleting)) {
    return status.jobName && input.batchPending?.(status.jobName) ? { action: 'joining' } : { action: 'lost' };
  }

  const next = decideTrigger(mailSync, status, input.now);
  if (!next.trigger) return { action: 'idle', next };

  const namespace = mailSync.metadata.namespace;
  const uid = mailSync.metadata.uid;
  const holder = pairJobs.find((j) => j.ownerUid !== uid && jobBusy(j) && !memberEnded(j));
  if (holder) return { action: 'wait', holder };

  // Jobs with the name the new Job needs (same namespace): ours from an earlier run, or another's finished one.
  const inTheWay = [...ownJobs, ...pairJobs].filter(
    (j, i, all) => j.name === jobName && j.namespace === namespace && all.findIndex((k) => k.uid === j.uid) === i,
  );
  if (inTheWay.length > 0) {
    const notYet = inTheWay.find((j) => j.ownerUid !== uid && !input.ownerDone(j));
    if (notYet) return { action: 'wait', holder: notYet };
    return { action: 'clear', jobs: inTheWay.filter((j) => !j.deleting) };
  }
  // Our finished Jobs of an earlier account pair are history: remove them with the new start. A batch
  // Job is its migration's (other members may not have read their end yet); its TTL removes it.
  const cleanup = ownJobs.filter((j) => j.name !== jobName && !j.deleting && !j.batch);
  return { action: 'start', cleanup, next };
}
