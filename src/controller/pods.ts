/** Small readings of a worker pod's state. Pure. */
import type { V1Pod } from '@kubernetes/client-node';
import { WORKER_CONTAINER } from '../api/mailsync.js';

const JOB_UID_LABELS = ['batch.kubernetes.io/controller-uid', 'controller-uid'];

/** The UID of the Job that owns a pod. */
export function podJobUid(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.kind === 'Job' && r.controller);
  if (owner?.uid) return owner.uid;
  for (const label of JOB_UID_LABELS) {
    const value = pod.metadata?.labels?.[label];
    if (value) return value;
  }
  return undefined;
}

function workerStatus(pod: V1Pod) {
  return pod.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER);
}

/** The worker container has started (its log can be read). */
export function workerStarted(pod: V1Pod): boolean {
  const state = workerStatus(pod)?.state;
  return Boolean(state?.running || state?.terminated);
}

/** The worker container has ended (its log will not grow). */
export function workerEnded(pod: V1Pod): boolean {
  return Boolean(workerStatus(pod)?.state?.terminated);
}

/** Waiting reasons of a container on its way (any other, such as ErrImagePull, is a failure to start). */
const CREATING = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * The worker may be running although the pod's status does not say so yet: the pod is on a node and
 * its worker container is not known to have started, ended or failed to start. A loaded kubelet
 * reports a container's start to the API server late (tens of seconds, minutes at 500 pods on this
 * project's 2-core cluster) but serves its log at once, so the controller reads the log to see.
 */
export function workerMayRun(pod: V1Pod): boolean {
  if (!pod.spec?.nodeName || pod.metadata?.deletionTimestamp || terminal(pod) || workerStarted(pod)) return false;
  const waiting = workerStatus(pod)?.state?.waiting;
  return waiting === undefined || waiting.reason === undefined || CREATING.has(waiting.reason);
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

function terminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * Oldest first. Creation times have second precision: of two pods created in
 * the same second, the one that has ended came first (a Job replaces a pod
 * only once it has ended).
 */
export function olderFirst(a: V1Pod, b: V1Pod): number {
  const age =
    new Date(a.metadata?.creationTimestamp ?? 0).getTime() - new Date(b.metadata?.creationTimestamp ?? 0).getTime();
  if (age !== 0) return age;
  return Number(terminal(b)) - Number(terminal(a));
}
