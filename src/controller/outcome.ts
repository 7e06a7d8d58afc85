/**
 * How a finished run ended: phase and reason from the worker's summary (the
 * most precise), else the kubelet's OOMKilled verdict on the worker
 * container (OutOfMemory), else its exit code, else the Job's own failure
 * condition. Pure.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { PERMANENT_REASONS, reasonForExitCode } from '../api/exit-codes.js';
import { WORKER_CONTAINER } from '../api/mailsync.js';
import { isRetriable } from '../api/retry-policy.js';
import type { Phase, StatusProgress, StatusSummary } from '../api/status.js';

export interface Outcome {
  phase: Extract<Phase, 'Succeeded' | 'Failed' | 'Aborted'>;
  reason: string;
  message: string;
  exitCode?: number;
  /** A retry cannot help (credentials, TLS, configuration). */
  permanent: boolean;
}

export type JobState = 'active' | 'succeeded' | 'failed';

/**
 * Finished per the Job's terminal conditions. Complete and Failed are only
 * set once every pod has terminated (the FailureTarget/SuccessCriteriaMet
 * conditions of Kubernetes >= 1.31 come earlier, while a pod may still be
 * stopping: the run counts as active until then).
 */
export function jobState(job: V1Job): JobState {
  for (const condition of job.status?.conditions ?? []) {
    if (condition.status !== 'True') continue;
    if (condition.type === 'Complete') return 'succeeded';
    if (condition.type === 'Failed') return 'failed';
  }
  return 'active';
}

export function jobFailureCondition(job: V1Job): { reason?: string; message?: string } | undefined {
  const condition = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return condition ? { reason: condition.reason, message: condition.message } : undefined;
}

/** The worker container's exit code, if it terminated. */
export function workerExitCode(pod: V1Pod | undefined): number | undefined {
  const status = pod?.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER);
  return status?.state?.terminated?.exitCode ?? status?.lastState?.terminated?.exitCode;
}

/** Whether the kubelet killed the worker container for going over its memory limit. */
export function workerOomKilled(pod: V1Pod | undefined): boolean {
  const status = pod?.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER);
  const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
  return terminated?.reason === 'OOMKilled';
}

/** The worker container's memory limit as written in the pod (e.g. "512Mi"). */
function workerMemoryLimit(pod: V1Pod | undefined): string | undefined {
  const container = pod?.spec?.containers?.find((c) => c.name === WORKER_CONTAINER);
  const limit = container?.resources?.limits?.memory;
  return limit === undefined ? undefined : String(limit);
}

function outOfMemory(pod: V1Pod | undefined, progress: StatusProgress | undefined, exitCode?: number): Outcome {
  const limit = workerMemoryLimit(pod);
  const total = progress?.messagesTotal;
  const mailbox =
    total !== undefined && total > 0
      ? `a mailbox of ${total.toLocaleString('en-US')} messages`
      : 'a mailbox whose size was not known yet';
  return {
    phase: 'Failed',
    reason: 'OutOfMemory',
    message:
      `the worker ran out of memory (OOMKilled at its limit of ${limit ?? 'unknown'}) syncing ${mailbox}; ` +
      'raise spec.resources.limits.memory',
    ...(exitCode !== undefined ? { exitCode } : {}),
    permanent: !isRetriable('OutOfMemory'),
  };
}

function phaseForReason(reason: string): Outcome['phase'] {
  if (reason === 'Succeeded') return 'Succeeded';
  if (reason === 'Aborted') return 'Aborted';
  return 'Failed';
}

export function computeOutcome(input: {
  job: V1Job;
  /** The run's last pod (the one whose log gave the summary). */
  pod?: V1Pod;
  summary?: StatusSummary;
  /** The run's last progress (its messagesTotal: the mailbox's size, for an OutOfMemory message). */
  progress?: StatusProgress;
}): Outcome {
  const { job, pod, summary, progress } = input;
  const exitCode = workerExitCode(pod) ?? summary?.exitCode;
  const state = jobState(job);

  // The Job's activeDeadlineSeconds stopped the worker: whatever it said on the way out, that is why it ended.
  const failure = jobFailureCondition(job);
  if (state === 'failed' && failure?.reason === 'DeadlineExceeded') {
    const limit = job.spec?.activeDeadlineSeconds;
    return {
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: `the run went on longer than spec.activeDeadlineSeconds${limit !== undefined ? ` (${limit} s)` : ''} and was stopped`,
      ...(exitCode !== undefined ? { exitCode } : {}),
      permanent: false,
    };
  }

  if (summary?.reason && (state !== 'succeeded' || summary.exitCode === 0)) {
    const reason = summary.reason;
    return {
      phase: phaseForReason(reason),
      reason,
      message: summary.message ?? reason,
      ...(exitCode !== undefined ? { exitCode } : {}),
      permanent: PERMANENT_REASONS.has(reason),
    };
  }
  if (state === 'succeeded') {
    return {
      phase: 'Succeeded',
      reason: 'Succeeded',
      message: 'the worker finished successfully',
      exitCode: 0,
      permanent: false,
    };
  }
  if (workerOomKilled(pod)) return outOfMemory(pod, progress, exitCode);
  if (exitCode !== undefined) {
    const { reason, side } = reasonForExitCode(exitCode);
    const message =
      reason === 'Killed'
        ? 'the worker was killed (SIGKILL: out of memory, or it did not stop within the grace period)'
        : `the worker exited with code ${exitCode} (${reason}${side ? `, ${side}` : ''})`;
    return { phase: phaseForReason(reason), reason, message, exitCode, permanent: PERMANENT_REASONS.has(reason) };
  }
  return {
    phase: 'Failed',
    reason: failure?.reason || 'JobFailed',
    message: failure?.message || 'the Job failed without a worker exit code',
    permanent: false,
  };
}
