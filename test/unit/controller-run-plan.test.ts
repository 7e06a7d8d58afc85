import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailSyncStatus } from '../../src/api/status.js';
import { type JobView, jobBusy, type Plan, planRun, viewJob } from '../../src/controller/run-plan.js';

const ms = (over: Partial<MailSync['metadata']> = {}, spec: Partial<MailSync['spec']> = {}): MailSync => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: { name: 'a', namespace: 'ns', uid: 'uid-a', generation: 1, ...over },
  spec: { source: { host: 's', user: 'u' }, destination: { host: 'd', user: 'u' }, ...spec },
});

const job = (opts: {
  name?: string;
  namespace?: string;
  ownerUid?: string;
  ownerName?: string;
  condition?: 'Complete' | 'Failed';
  generation?: number;
  podPhase?: string;
  deleting?: boolean;
  suspend?: boolean;
}): JobView => {
  const j: V1Job = {
    metadata: {
      name: opts.name ?? 'mailsync-h',
      namespace: opts.namespace ?? 'ns',
      uid: `job-${opts.ownerUid ?? 'uid-a'}-${opts.generation ?? 1}`,
      annotations: { 'mailsync.io/run-generation': String(opts.generation ?? 1) },
      ownerReferences: [
        {
          apiVersion: 'mailsync.io/v1alpha1',
          kind: 'MailSync',
          name: opts.ownerName ?? 'a',
          uid: opts.ownerUid ?? 'uid-a',
          controller: true,
        },
      ],
      ...(opts.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: { template: {}, ...(opts.suspend ? { suspend: true } : {}) },
    status: opts.condition ? { conditions: [{ type: opts.condition, status: 'True' }] } : {},
  };
  const pods: V1Pod[] = opts.podPhase ? [{ metadata: { name: 'p' }, status: { phase: opts.podPhase } }] : [];
  return viewJob(j, pods);
};

const recorded: MailSyncStatus = {
  phase: 'Succeeded',
  runGeneration: 1,
  jobName: 'mailsync-h',
  startTime: 't0',
  completionTime: 't1',
};
const failed: MailSyncStatus = { ...recorded, phase: 'Failed' };
const NOW = new Date('2026-01-01T12:00:00Z');
const runNow = (value: string) => ms({ annotations: { 'mailsync.io/requested-at': value } });
const retryAt = (iso: string): MailSyncStatus => ({ ...failed, nextRetryAt: iso });
const inProgress: MailSyncStatus = { phase: 'Running', runGeneration: 1, jobName: 'mailsync-h', startTime: 't0' };

const running = job({ podPhase: 'Running' });
const finishedFailed = job({ condition: 'Failed', podPhase: 'Failed' });
const oldPairFinished = job({ name: 'mailsync-old', condition: 'Complete', podPhase: 'Succeeded' });
const othersRunning = job({ ownerUid: 'uid-b', ownerName: 'b', podPhase: 'Running' });
const othersFinished = job({ ownerUid: 'uid-b', ownerName: 'b', condition: 'Complete', podPhase: 'Succeeded' });
const othersFinishedElsewhere = job({ namespace: 'other', ownerUid: 'uid-b', ownerName: 'b', condition: 'Complete' });
const othersRunningElsewhere = job({ namespace: 'other', ownerUid: 'uid-b', ownerName: 'b', podPhase: 'Running' });

/** Its own run created an hour before NOW whose pod never got scheduled. */
const neverScheduled = (() => {
  const view = job({ podPhase: 'Pending' });
  view.job.metadata!.creationTimestamp = new Date(NOW.getTime() - 3600_000);
  view.pods[0]!.metadata!.creationTimestamp = new Date(NOW.getTime() - 3600_000);
  view.pods[0]!.status!.conditions = [
    { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' },
  ];
  return view;
})();
const startDeadlineOutcome = (seconds: number) => ({
  phase: 'Failed' as const,
  reason: 'StartDeadlineExceeded',
  message: `the worker pod was not running within spec.startDeadlineSeconds (${seconds} s): Unschedulable: 0/1 nodes are available`,
  permanent: false,
});

interface Case {
  mailSync?: MailSync;
  status?: MailSyncStatus;
  ownJobs?: JobView[];
  /** Default: the own Jobs. */
  pairJobs?: JobView[];
  /** Has the owner of another's finished Job recorded its outcome? Default: yes. */
  ownerDone?: boolean;
}

describe('run planning: given the MailSync, its status and the Jobs, the next step', () => {
  it.each<[string, Case, Plan]>([
    [
      'the first run, when nothing holds the pair',
      {},
      { action: 'start', cleanup: [], next: { trigger: 'generation' } },
    ],
    [
      'the first run of a new account pair removes the finished Jobs of the old one',
      { ownJobs: [oldPairFinished], status: recorded, mailSync: ms({ generation: 2 }) },
      { action: 'start', cleanup: [oldPairFinished], next: { trigger: 'generation' } },
    ],
    ['its own running Job: follow it', { status: inProgress, ownJobs: [running] }, { action: 'track', job: running }],
    [
      'its own run not scheduled after spec.startDeadlineSeconds (default 600 s): expire it',
      { status: inProgress, ownJobs: [neverScheduled] },
      { action: 'expire', job: neverScheduled, outcome: startDeadlineOutcome(600) },
    ],
    [
      'its own run not scheduled within a longer spec.startDeadlineSeconds: keep following it',
      { mailSync: ms({}, { startDeadlineSeconds: 7200 }), status: inProgress, ownJobs: [neverScheduled] },
      { action: 'track', job: neverScheduled },
    ],
    [
      'its own run expired and recorded, the Job still active (delete failed or not cached): delete it',
      { status: failed, ownJobs: [neverScheduled] },
      { action: 'clear', jobs: [neverScheduled] },
    ],
    [
      'a recorded run whose Job is already being deleted: not followed again (the status stays as recorded)',
      { status: failed, ownJobs: [job({ podPhase: 'Pending', deleting: true })] },
      { action: 'idle', next: {} },
    ],
    [
      'another MailSync’s running Job holds the account pair: wait, naming it',
      { pairJobs: [othersRunning] },
      { action: 'wait', holder: othersRunning },
    ],
    [
      'another MailSync’s finished Job has the name, its outcome not recorded by its owner yet: wait',
      { pairJobs: [othersFinished], ownerDone: false },
      { action: 'wait', holder: othersFinished },
    ],
    [
      'another MailSync’s finished Job has the name, its outcome recorded: clear it',
      { pairJobs: [othersFinished], ownerDone: true },
      { action: 'clear', jobs: [othersFinished] },
    ],
    [
      'its own finished Job, outcome not recorded: record it',
      { status: inProgress, ownJobs: [finishedFailed] },
      { action: 'finalize', job: finishedFailed },
    ],
    [
      'its own finished Job, outcome recorded: nothing to do',
      { status: failed, ownJobs: [finishedFailed] },
      { action: 'idle', next: {} },
    ],
    [
      'a failed run is not retried while the spec stays the same',
      { status: failed, ownJobs: [finishedFailed], pairJobs: [finishedFailed] },
      { action: 'idle', next: {} },
    ],
    [
      'a new generation: its own finished Job has the name the new one needs, clear it',
      { mailSync: ms({ generation: 2 }), status: failed, ownJobs: [finishedFailed] },
      { action: 'clear', jobs: [finishedFailed] },
    ],
    [
      'a new generation with nothing in the way: start',
      { mailSync: ms({ generation: 2 }), status: failed },
      { action: 'start', cleanup: [], next: { trigger: 'generation' } },
    ],
    [
      'the spec changes during a run: keep following it (applies to the next run)',
      { mailSync: ms({ generation: 2 }), status: inProgress, ownJobs: [running] },
      { action: 'track', job: running },
    ],
    ['status says running but the Job vanished: record it as lost', { status: inProgress }, { action: 'lost' }],
    [
      'deleted: abort, and let the MailSync go',
      { mailSync: ms({ deletionTimestamp: new Date() }), status: recorded },
      { action: 'abort', keep: false },
    ],
    [
      'suspended: abort, and keep the MailSync',
      { mailSync: ms({}, { suspend: true }), status: recorded },
      { action: 'abort', keep: true },
    ],
    [
      'a finished Job of the same pair in another namespace is not in the way',
      { pairJobs: [othersFinishedElsewhere] },
      { action: 'start', cleanup: [], next: { trigger: 'generation' } },
    ],
    [
      'a running Job of the same pair in another namespace still holds the pair',
      { pairJobs: [othersRunningElsewhere] },
      { action: 'wait', holder: othersRunningElsewhere },
    ],
    [
      'a retry whose backoff is over: its own finished Job has the name, clear it',
      { status: retryAt('2026-01-01T11:59:59Z'), ownJobs: [finishedFailed] },
      { action: 'clear', jobs: [finishedFailed] },
    ],
    [
      'a retry whose backoff is over, nothing in the way: start (trigger retry)',
      { status: retryAt('2026-01-01T12:00:00Z') },
      { action: 'start', cleanup: [], next: { trigger: 'retry' } },
    ],
    [
      'a retry still in backoff: idle until it ends',
      { status: retryAt('2026-01-01T12:00:30Z'), ownJobs: [finishedFailed] },
      { action: 'idle', next: { wakeAt: new Date('2026-01-01T12:00:30Z') } },
    ],
    [
      'a run-now request not answered yet: start (trigger requested)',
      { mailSync: runNow('b'), status: { ...recorded, lastRequestedAt: 'a' } },
      { action: 'start', cleanup: [], next: { trigger: 'requested', requestedAt: 'b' } },
    ],
    [
      'a run-now request already answered: nothing to do',
      { mailSync: runNow('a'), status: { ...recorded, lastRequestedAt: 'a' } },
      { action: 'idle', next: { requestedAt: 'a' } },
    ],
    [
      'a run-now request during a run: keep following it (answered by the next run)',
      { mailSync: runNow('b'), status: { ...inProgress, lastRequestedAt: 'a' }, ownJobs: [running] },
      { action: 'track', job: running },
    ],
  ])('%s', (_name, c, expected) => {
    const ownJobs = c.ownJobs ?? [];
    const plan = planRun({
      mailSync: c.mailSync ?? ms(),
      status: c.status ?? {},
      jobName: 'mailsync-h',
      ownJobs,
      pairJobs: c.pairJobs ?? ownJobs,
      ownerDone: () => c.ownerDone ?? true,
      now: NOW,
    });
    expect(plan).toEqual(expected);
  });
});

describe('a Job is busy while it has, or may still get, a running worker', () => {
  it.each<[string, JobView, boolean]>([
    ['suspended, without live pods', job({ suspend: true }), false],
    ['suspended, with a running pod', job({ suspend: true, podPhase: 'Running' }), true],
    ['complete', job({ condition: 'Complete', podPhase: 'Succeeded' }), false],
    ['being deleted', job({ deleting: true }), false],
    ['active', job({}), true],
  ])('%s: %s', (_name, view, busy) => {
    expect(jobBusy(view)).toBe(busy);
  });
});
