/** Small readings of a worker pod's state. Pure. */
import type { V1Pod } from '@kubernetes/client-node';
import { WORKER_CONTAINER } from '../api/mailsync.js';

function workerStatus(pod: V1Pod) {
  return pod.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER);
}

/** The worker container has started (its log can be read). */
export function workerStarted(pod: V1Pod): boolean {
  const state = workerStatus(pod)?.state;
  return Boolean(state?.running || state?.terminated);
}

export function workerRunning(pod: V1Pod): boolean {
  return Boolean(workerStatus(pod)?.state?.running) && !pod.metadata?.deletionTimestamp;
}

/** Why the pod is not running yet: container waiting reason, or an unschedulable pod. */
export function podWaitingReason(pod: V1Pod | undefined): string | undefined {
  if (!pod) return undefined;
  const waiting = workerStatus(pod)?.state?.waiting;
  if (waiting?.reason) return waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (scheduled) return `${scheduled.reason ?? 'Unschedulable'}${scheduled.message ? `: ${scheduled.message}` : ''}`;
  return pod.status?.phase;
}
