import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailSyncStatus } from '../../src/api/status.js';
import { type JobView, jobBusy, planRun, viewJob } from '../../src/controller/run-plan.js';

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

const plan = (
  mailSync: MailSync,
  status: MailSyncStatus,
  ownJobs: JobView[] = [],
  pairJobs: JobView[] = ownJobs,
  ownerDone = true,
) => planRun({ mailSync, status, jobName: 'mailsync-h', ownJobs, pairJobs, ownerDone: () => ownerDone });

const recorded: MailSyncStatus = {
  phase: 'Succeeded',
  runGeneration: 1,
  jobName: 'mailsync-h',
  startTime: 't0',
  completionTime: 't1',
};

describe('run planning', () => {
  it('starts the first run when nothing holds the pair', () => {
    expect(plan(ms(), {}).action).toBe('start');
  });

  it('follows its own running Job', () => {
    const running = job({ podPhase: 'Running' });
    expect(
      plan(ms(), { phase: 'Running', runGeneration: 1, jobName: 'mailsync-h', startTime: 't0' }, [running]),
    ).toMatchObject({ action: 'track', job: running });
  });

  it('waits while another MailSync’s Job holds the account pair, naming it', () => {
    const other = job({ ownerUid: 'uid-b', ownerName: 'b', podPhase: 'Running' });
    expect(plan(ms(), {}, [], [other])).toMatchObject({ action: 'wait', holder: { ownerName: 'b' } });
  });

  it('replaces the other MailSync’s finished Job once its owner has recorded the outcome', () => {
    const other = job({ ownerUid: 'uid-b', ownerName: 'b', condition: 'Complete', podPhase: 'Succeeded' });
    expect(plan(ms(), {}, [], [other], false)).toMatchObject({ action: 'wait' });
    expect(plan(ms(), {}, [], [other], true)).toMatchObject({ action: 'clear', jobs: [other] });
  });

  it('records the outcome of its finished Job once', () => {
    const done = job({ condition: 'Failed', podPhase: 'Failed' });
    const inProgress: MailSyncStatus = { phase: 'Running', runGeneration: 1, jobName: 'mailsync-h', startTime: 't0' };
    expect(plan(ms(), inProgress, [done]).action).toBe('finalize');
    expect(plan(ms(), { ...recorded, phase: 'Failed' }, [done]).action).toBe('idle');
  });

  it('does not retry a failed run until the spec changes; a new generation starts a new run', () => {
    const done = job({ condition: 'Failed', podPhase: 'Failed' });
    const failed = { ...recorded, phase: 'Failed' as const };
    expect(plan(ms(), failed, [done]).action).toBe('idle');
    // generation 2: our own finished Job has the name the new one needs
    expect(plan(ms({ generation: 2 }), failed, [done])).toMatchObject({ action: 'clear', jobs: [done] });
    expect(plan(ms({ generation: 2 }), failed, []).action).toBe('start');
  });

  it('keeps following the running Job when the spec changes meanwhile (applies to the next run)', () => {
    const running = job({ podPhase: 'Running' });
    expect(
      plan(ms({ generation: 2 }), { phase: 'Running', runGeneration: 1, jobName: 'mailsync-h', startTime: 't0' }, [
        running,
      ]).action,
    ).toBe('track');
  });

  it('records a run whose Job vanished', () => {
    expect(plan(ms(), { phase: 'Running', runGeneration: 1, jobName: 'mailsync-h', startTime: 't0' }, []).action).toBe(
      'lost',
    );
  });

  it('aborts on deletion and on suspend', () => {
    expect(plan(ms({ deletionTimestamp: new Date() }), recorded)).toEqual({ action: 'abort', keep: false });
    expect(plan(ms({}, { suspend: true }), recorded)).toEqual({ action: 'abort', keep: true });
  });

  it('treats a suspended Job without live pods as no longer busy', () => {
    expect(jobBusy(job({ suspend: true }))).toBe(false);
    expect(jobBusy(job({ suspend: true, podPhase: 'Running' }))).toBe(true);
    expect(jobBusy(job({ condition: 'Complete', podPhase: 'Succeeded' }))).toBe(false);
    expect(jobBusy(job({ deleting: true }))).toBe(false);
  });

  it('ignores Jobs of the same pair in other namespaces for the name, but still waits for them', () => {
    const elsewhere = job({ namespace: 'other', ownerUid: 'uid-b', ownerName: 'b', condition: 'Complete' });
    expect(plan(ms(), {}, [], [elsewhere]).action).toBe('start');
    const busyElsewhere = job({ namespace: 'other', ownerUid: 'uid-b', ownerName: 'b', podPhase: 'Running' });
    expect(plan(ms(), {}, [], [busyElsewhere]).action).toBe('wait');
  });
});
