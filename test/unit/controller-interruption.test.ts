import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/api/exit-codes.js';
import type { MailSyncStatus } from '../../src/api/status.js';
import { DeletedPods } from '../../src/controller/deleted-pods.js';
import {
  classifyPodEnd,
  countAttempts,
  matchPodFailureRule,
  type PodEnd,
  replacementEvent,
} from '../../src/controller/interruption.js';
import { podFailureRules } from '../../src/controller/job-builder.js';
import { olderFirst } from '../../src/controller/pods.js';

const rules = podFailureRules();
const NOW = '2026-12-02T18:00:00Z';

interface PodShape {
  name?: string;
  exitCode?: number;
  /** DisruptionTarget condition reason (status True). */
  disruption?: string;
  /** A DisruptionTarget condition with status False. */
  disruptionFalse?: boolean;
  deleted?: boolean;
  created?: string;
  phase?: string;
  container?: string;
}

function pod(shape: PodShape): V1Pod {
  const conditions = [
    ...(shape.disruption
      ? [{ type: 'DisruptionTarget', status: 'True', reason: shape.disruption, message: 'Eviction API: evicting' }]
      : []),
    ...(shape.disruptionFalse ? [{ type: 'DisruptionTarget', status: 'False' }] : []),
  ];
  return {
    metadata: {
      name: shape.name ?? 'w-1',
      uid: `uid-${shape.name ?? 'w-1'}`,
      creationTimestamp: (shape.created ?? '2026-12-02T17:00:00Z') as never,
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'job', uid: 'job-uid', controller: true }],
      ...(shape.deleted ? { deletionTimestamp: '2026-12-02T17:30:00Z' as never } : {}),
    },
    status: {
      phase: shape.phase ?? (shape.exitCode === undefined ? 'Running' : shape.exitCode === 0 ? 'Succeeded' : 'Failed'),
      conditions: conditions as never,
      containerStatuses: [
        {
          name: shape.container ?? 'worker',
          state: shape.exitCode === undefined ? { running: {} } : { terminated: { exitCode: shape.exitCode } },
        } as never,
      ],
    },
  };
}

describe('which podFailurePolicy rule the Job applies to a worker pod', () => {
  it.each([
    ['evicted, worker exited Interrupted', { disruption: 'EvictionByEvictionAPI', exitCode: 31 }, 'Ignore'],
    ['evicted, worker KILLed at grace end', { disruption: 'EvictionByEvictionAPI', exitCode: 137 }, 'Ignore'],
    ['preempted, exit code of an abort (old image)', { disruption: 'PreemptionByScheduler', exitCode: 30 }, 'Ignore'],
    ['kubectl delete pod: SIGTERM, Interrupted', { deleted: true, exitCode: 31 }, 'Ignore'],
    ['SIGTERM from elsewhere', { exitCode: 31 }, 'Ignore'],
    ['wrong password', { exitCode: EXIT_CODES.AuthenticationFailed.destination }, 'FailJob'],
    ['TLS', { exitCode: EXIT_CODES.TLSFailed.source }, 'FailJob'],
    ['byte cap', { exitCode: EXIT_CODES.ByteCapReached }, 'FailJob'],
    ['busy server: handed back to the controller', { exitCode: EXIT_CODES.ServerBusy.source }, 'FailJob'],
    ['connect failure: counted retry', { exitCode: EXIT_CODES.ConnectFailed.source }, undefined],
    // SIGKILL: the kubelet's OOM kill (the same limit would be killed again: found by the fault matrix, the
    // Job ran a second pod into the same limit) or the end of a grace period; the controller decides.
    ['OOMKilled (exit 137): handed back to the controller', { exitCode: 137 }, 'FailJob'],
    ['deleted, KILLed at grace end: handed back to the controller', { deleted: true, exitCode: 137 }, 'FailJob'],
    ['DisruptionTarget False does not count as disrupted', { disruptionFalse: true, exitCode: 10 }, undefined],
    ['exit 31 of another container', { container: 'sidecar', exitCode: 31 }, undefined],
  ] as const)('%s', (_name, shape: PodShape, action) => {
    expect(matchPodFailureRule(rules, pod(shape))).toBe(action);
  });
});

describe('why a replaced worker pod ended', () => {
  it.each<[string, V1Pod | undefined, number | undefined, Partial<PodEnd>]>([
    [
      'drained / evicted',
      pod({ disruption: 'EvictionByEvictionAPI', exitCode: 31, deleted: true }),
      undefined,
      { kind: 'interrupted', reason: 'EvictionByEvictionAPI' },
    ],
    [
      'preempted',
      pod({ disruption: 'PreemptionByScheduler', exitCode: 137 }),
      undefined,
      { kind: 'interrupted', reason: 'PreemptionByScheduler' },
    ],
    [
      'node lost',
      pod({ disruption: 'DeletionByTaintManager', phase: 'Failed' }),
      undefined,
      { kind: 'interrupted', reason: 'DeletionByTaintManager' },
    ],
    [
      'kubectl delete pod',
      pod({ deleted: true, exitCode: 31 }),
      undefined,
      { kind: 'interrupted', reason: 'PodDeleted' },
    ],
    ['SIGTERM, pod not deleted', pod({ exitCode: 31 }), undefined, { kind: 'interrupted', reason: 'WorkerTerminated' }],
    ['connect failure', pod({ exitCode: 10 }), undefined, { kind: 'failed', reason: 'ConnectFailed' }],
    ['KILLed after a delete', pod({ deleted: true, exitCode: 137 }), undefined, { kind: 'failed', reason: 'Killed' }],
    [
      'deleted before it started',
      pod({ deleted: true, phase: 'Failed' }),
      undefined,
      { kind: 'failed', reason: 'PodFailed' },
    ],
    ['gone, its log said Interrupted', undefined, 31, { kind: 'interrupted', reason: 'WorkerTerminated' }],
    ['gone, its log said ConnectFailed', undefined, 11, { kind: 'failed', reason: 'ConnectFailed' }],
    ['gone, nothing known', undefined, undefined, { kind: 'unknown' }],
  ])('%s', (_name, object, exitCode, expected) => {
    expect(classifyPodEnd(rules, object, exitCode)).toMatchObject(expected);
  });

  it('describes a disruption with the Kubernetes reason and message', () => {
    const end = classifyPodEnd(rules, pod({ disruption: 'EvictionByEvictionAPI', exitCode: 31 }));
    expect(end.message).toBe(
      'evicted through the Eviction API (kubectl drain, or an eviction): Eviction API: evicting',
    );
  });
});

type Counted = Pick<MailSyncStatus, 'workerPod' | 'attempts' | 'interruptions' | 'lastInterruption'>;

describe('counting the worker pods of a run', () => {
  const a = (shape: PodShape = {}) => pod({ name: 'a', created: '2026-12-02T17:00:00Z', ...shape });
  const b = (shape: PodShape = {}) => pod({ name: 'b', created: '2026-12-02T17:05:00Z', ...shape });
  const c = (shape: PodShape = {}) => pod({ name: 'c', created: '2026-12-02T17:09:00Z', ...shape });

  it.each<[string, MailSyncStatus, V1Pod[], Counted | undefined, [string, string, number][]]>([
    ['no pod yet', {}, [], undefined, []],
    ['the first pod', {}, [a()], { workerPod: 'a', attempts: 1 }, []],
    ['the same pod again: nothing to count', { workerPod: 'a', attempts: 1 }, [a()], undefined, []],
    [
      'deleted pod, then its replacement',
      { workerPod: 'a', attempts: 1 },
      [a({ deleted: true, exitCode: 31 }), b()],
      {
        workerPod: 'b',
        attempts: 2,
        interruptions: 1,
        lastInterruption: { pod: 'a', reason: 'PodDeleted', message: expect.any(String), time: NOW },
      },
      [['a', 'Resumed', 2]],
    ],
    [
      'evicted pod (drain)',
      { workerPod: 'a', attempts: 1 },
      [a({ disruption: 'EvictionByEvictionAPI', deleted: true, exitCode: 31 }), b()],
      {
        workerPod: 'b',
        attempts: 2,
        interruptions: 1,
        lastInterruption: { pod: 'a', reason: 'EvictionByEvictionAPI', message: expect.any(String), time: NOW },
      },
      [['a', 'Resumed', 2]],
    ],
    [
      'a failure is a retry, not an interruption',
      { workerPod: 'a', attempts: 1 },
      [a({ exitCode: 10 }), b()],
      { workerPod: 'b', attempts: 2 },
      [['a', 'Retried', 2]],
    ],
    [
      'interruptions add up over the run',
      {
        workerPod: 'b',
        attempts: 2,
        interruptions: 1,
        lastInterruption: { pod: 'a', reason: 'PodDeleted', message: 'm', time: '2026-12-02T17:05:00Z' },
      },
      [b({ disruption: 'PreemptionByScheduler', exitCode: 137 }), c()],
      {
        workerPod: 'c',
        attempts: 3,
        interruptions: 2,
        lastInterruption: { pod: 'b', reason: 'PreemptionByScheduler', message: expect.any(String), time: NOW },
      },
      [['b', 'Resumed', 3]],
    ],
    [
      'two replacements seen at once',
      { workerPod: 'a', attempts: 1 },
      [a({ disruption: 'EvictionByEvictionAPI', exitCode: 31 }), b({ exitCode: 10 }), c()],
      {
        workerPod: 'c',
        attempts: 3,
        interruptions: 1,
        lastInterruption: { pod: 'a', reason: 'EvictionByEvictionAPI', message: expect.any(String), time: NOW },
      },
      [
        ['a', 'Resumed', 2],
        ['b', 'Retried', 3],
      ],
    ],
    [
      'controller restarted: the counted pod is gone, its log said Interrupted',
      {
        workerPod: 'a',
        attempts: 1,
        logStream: { pod: 'a', timestamp: 't', linesAtTimestamp: 1, done: true },
        summary: { reason: 'Interrupted', exitCode: 31 },
      },
      [b()],
      {
        workerPod: 'b',
        attempts: 2,
        interruptions: 1,
        lastInterruption: { pod: 'a', reason: 'WorkerTerminated', message: expect.any(String), time: NOW },
      },
      [['a', 'Resumed', 2]],
    ],
    [
      'controller restarted: nothing known of the pod that went',
      { workerPod: 'a', attempts: 1 },
      [b()],
      { workerPod: 'b', attempts: 2 },
      [['a', 'Resumed', 2]],
    ],
    [
      'first look after an interruption (no pod counted yet)',
      {},
      [a({ deleted: true, exitCode: 31 }), b()],
      { workerPod: 'b', attempts: 2, interruptions: 1, lastInterruption: expect.objectContaining({ pod: 'a' }) },
      [['a', 'Resumed', 2]],
    ],
  ])('%s', (_name, status, pods, expected, events) => {
    const counted = countAttempts({ status, pods, rules, now: NOW });
    expect(counted?.status).toEqual(expected);
    expect(
      (counted?.replaced ?? []).map((r) => [r.pod, replacementEvent(r).reason, r.attempt] as [string, string, number]),
    ).toEqual(events);
    if (counted) {
      // Counted once: the same pods with the new status give nothing more.
      expect(countAttempts({ status: { ...status, ...counted.status }, pods, rules, now: NOW })).toBeUndefined();
    }
  });

  it('says in the Resumed event what stopped the pod and where the run goes on', () => {
    const counted = countAttempts({
      status: { workerPod: 'a', attempts: 1 },
      pods: [a({ disruption: 'EvictionByEvictionAPI', deleted: true, exitCode: 31 }), b()],
      rules,
      now: NOW,
    })!;
    expect(replacementEvent(counted.replaced[0]!)).toEqual({
      reason: 'Resumed',
      message:
        'worker pod a stopped: evicted through the Eviction API (kubectl drain, or an eviction): Eviction API: evicting ' +
        '[EvictionByEvictionAPI]; the run continues in pod b from what the destination already has ' +
        '(attempt 2, not counted against backoffLimit)',
    });
  });
});

describe('pod order and deleted pods', () => {
  it('orders pods by creation; in the same second, the ended one first', () => {
    const ended = pod({ name: 'old', created: '2026-12-02T17:00:00Z', exitCode: 31 });
    const next = pod({ name: 'new', created: '2026-12-02T17:00:00Z' });
    const later = pod({ name: 'later', created: '2026-12-02T17:00:01Z' });
    expect([later, next, ended].sort(olderFirst).map((p) => p.metadata?.name)).toEqual(['old', 'new', 'later']);
  });

  it('remembers deleted pods per Job for a while', () => {
    let now = 0;
    const deleted = new DeletedPods(() => now);
    deleted.remember(pod({ name: 'a', exitCode: 31 }));
    expect(deleted.ofJob('job-uid').map((p) => p.metadata?.name)).toEqual(['a']);
    expect(deleted.ofJob('other')).toEqual([]);
    now += 16 * 60_000;
    expect(deleted.ofJob('job-uid')).toEqual([]);
  });
});
