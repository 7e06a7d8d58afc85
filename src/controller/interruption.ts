/**
 * Interrupted or failed: why a worker pod of a run ended before the run did,
 * and the run's count of worker pods (attempts). Pure.
 *
 * A pod is interrupted when the Job's podFailurePolicy ignores its end (a
 * new pod continues the run, not counted against backoffLimit): it was
 * disrupted (DisruptionTarget: evicted, drained, preempted, its node lost) or
 * its worker stopped on a SIGTERM the controller did not send (exit code
 * Interrupted: e.g. `kubectl delete pod`). The rules are read from
 * job-builder.ts, so what is counted here is what the Job did.
 */
import type { V1Pod, V1PodFailurePolicyRule } from '@kubernetes/client-node';
import { EXIT_CODES, reasonForExitCode } from '../api/exit-codes.js';
import type { Interruption, MailSyncStatus } from '../api/status.js';

export type PodEndKind = 'interrupted' | 'failed' | 'unknown';

export interface PodEnd {
  kind: PodEndKind;
  /** CamelCase cause: the DisruptionTarget reason (EvictionByEvictionAPI...), PodDeleted, or a failure reason. */
  reason: string;
  message: string;
}

/** What the DisruptionTarget reasons of Kubernetes mean, for people. */
const DISRUPTIONS: Record<string, string> = {
  EvictionByEvictionAPI: 'evicted through the Eviction API (kubectl drain, or an eviction)',
  PreemptionByScheduler: 'preempted by a higher-priority pod',
  DeletionByTaintManager: 'deleted by the taint manager (its node is not ready, unreachable or tainted NoExecute)',
  DeletionByPodGC: 'deleted by the pod garbage collector (its node is gone)',
  TerminationByKubelet: 'stopped by the kubelet (node pressure or node shutdown)',
};

function exitCodes(pod: V1Pod, containerName?: string): number[] {
  return (pod.status?.containerStatuses ?? [])
    .filter((c) => containerName === undefined || c.name === containerName)
    .map((c) => c.state?.terminated?.exitCode)
    .filter((code): code is number => code !== undefined);
}

/**
 * The action of the first matching podFailurePolicy rule, if any: Kubernetes'
 * matchPodFailurePolicy (pkg/controller/job/pod_failure_policy.go).
 */
export function matchPodFailureRule(
  rules: readonly V1PodFailurePolicyRule[],
  pod: V1Pod,
): V1PodFailurePolicyRule['action'] | undefined {
  for (const rule of rules) {
    if (rule.onExitCodes) {
      const { containerName, operator, values } = rule.onExitCodes;
      // Exit code 0 never matches (a container that succeeded did not fail the pod).
      const codes = exitCodes(pod, containerName).filter((code) => code !== 0);
      const hit =
        operator === 'In' ? codes.some((code) => values.includes(code)) : codes.some((code) => !values.includes(code));
      if (hit) return rule.action;
    }
    if (rule.onPodConditions?.length) {
      const conditions = pod.status?.conditions ?? [];
      const hit = rule.onPodConditions.some((want) =>
        conditions.some((c) => c.type === want.type && c.status === (want.status ?? 'True')),
      );
      if (hit) return rule.action;
    }
  }
  return undefined;
}

function disruption(pod: V1Pod): { reason: string; message: string } | undefined {
  const condition = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (!condition) return undefined;
  const reason = condition.reason || 'DisruptionTarget';
  const what = DISRUPTIONS[reason] ?? 'disrupted';
  return { reason, message: condition.message ? `${what}: ${condition.message}` : what };
}

/**
 * Why a worker pod that was replaced ended. `pod` is its last known state
 * (undefined when the controller never saw it end); `exitCode` is what its
 * own log said (the summary), for when the object is gone.
 */
export function classifyPodEnd(
  rules: readonly V1PodFailurePolicyRule[],
  pod: V1Pod | undefined,
  exitCode?: number,
): PodEnd {
  if (!pod) {
    if (exitCode === EXIT_CODES.Interrupted) {
      return { kind: 'interrupted', reason: 'WorkerTerminated', message: 'the worker was stopped by SIGTERM' };
    }
    if (exitCode !== undefined) return failed(exitCode);
    return { kind: 'unknown', reason: 'Unknown', message: 'it ended while the controller was not watching' };
  }
  const action = matchPodFailureRule(rules, pod);
  const code = exitCodes(pod, undefined)[0];
  if (action === 'Ignore') {
    const disrupted = disruption(pod);
    if (disrupted) return { kind: 'interrupted', ...disrupted };
    if (pod.metadata?.deletionTimestamp) {
      return { kind: 'interrupted', reason: 'PodDeleted', message: 'the pod was deleted (SIGTERM to the worker)' };
    }
    return { kind: 'interrupted', reason: 'WorkerTerminated', message: 'the worker was stopped by SIGTERM' };
  }
  if (code !== undefined) return failed(code);
  const reason = pod.status?.reason;
  return {
    kind: 'failed',
    reason: reason || 'PodFailed',
    message:
      pod.status?.message || (pod.metadata?.deletionTimestamp ? 'deleted before its worker ran' : 'the pod failed'),
  };
}

function failed(code: number): PodEnd {
  const { reason, side } = reasonForExitCode(code);
  return {
    kind: 'failed',
    reason,
    message: `the worker exited with code ${code} (${reason}${side ? `, ${side}` : ''})`,
  };
}

/** A worker pod that ended and the pod that took over the run (its attempt number). */
export interface Replacement {
  pod: string;
  next: string;
  attempt: number;
  end: PodEnd;
}

export interface AttemptsInput {
  status: Pick<
    MailSyncStatus,
    'workerPod' | 'attempts' | 'interruptions' | 'lastInterruption' | 'summary' | 'logStream'
  >;
  /** The Job's pods, live and recently deleted, oldest first. */
  pods: readonly V1Pod[];
  rules: readonly V1PodFailurePolicyRule[];
  now: string;
}

export interface Attempts {
  status: Pick<MailSyncStatus, 'workerPod' | 'attempts' | 'interruptions' | 'lastInterruption'>;
  /** The pods replaced since the status last counted, oldest first. */
  replaced: Replacement[];
}

/**
 * Count the run's worker pods up to the newest one. Undefined when the
 * status already counts it. The status names the newest pod it counted
 * (workerPod), so each pod is counted once whatever the number of reconciles.
 */
export function countAttempts(input: AttemptsInput): Attempts | undefined {
  const { status, pods, rules } = input;
  const newest = pods[pods.length - 1]?.metadata?.name;
  if (!newest || status.workerPod === newest) return undefined;
  const names = pods.map((p) => p.metadata?.name ?? '');
  const counted = status.workerPod === undefined ? -1 : names.indexOf(status.workerPod);
  // Pods not counted yet: those after the counted one (all when it is unknown here: the controller restarted).
  const fresh = names.slice(counted + 1);
  const ended = [...(status.workerPod !== undefined ? [status.workerPod] : []), ...fresh.slice(0, -1)];
  const attempts = (status.attempts ?? (status.workerPod !== undefined ? 1 : 0)) + fresh.length;
  const replaced = ended.map((pod, i): Replacement => {
    const object = pods.find((p) => p.metadata?.name === pod);
    const summaryCode = status.logStream?.pod === pod ? status.summary?.exitCode : undefined;
    return {
      pod,
      next: ended[i + 1] ?? newest,
      attempt: attempts - (ended.length - 1 - i),
      end: classifyPodEnd(rules, object, summaryCode),
    };
  });
  let interruptions = status.interruptions ?? 0;
  let lastInterruption: Interruption | undefined = status.lastInterruption;
  for (const r of replaced) {
    if (r.end.kind !== 'interrupted') continue;
    interruptions++;
    lastInterruption = { pod: r.pod, reason: r.end.reason, message: r.end.message, time: input.now };
  }
  return {
    status: {
      workerPod: newest,
      attempts,
      ...(interruptions > 0 ? { interruptions } : {}),
      ...(lastInterruption ? { lastInterruption } : {}),
    },
    replaced,
  };
}

/** The Event for a replaced pod: reason and message. */
export function replacementEvent(r: Replacement): { reason: string; message: string } {
  const attempt = r.attempt;
  if (r.end.kind === 'failed') {
    return {
      reason: 'Retried',
      message: `worker pod ${r.pod} failed: ${r.end.message}; the Job retries in pod ${r.next} (attempt ${attempt}, counted against backoffLimit)`,
    };
  }
  const cause = r.end.kind === 'unknown' ? r.end.message : `${r.end.message} [${r.end.reason}]`;
  return {
    reason: 'Resumed',
    message: `worker pod ${r.pod} stopped: ${cause}; the run continues in pod ${r.next} from what the destination already has (attempt ${attempt}${r.end.kind === 'interrupted' ? ', not counted against backoffLimit' : ''})`,
  };
}
