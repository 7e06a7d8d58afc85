/**
 * Reconcile with the fleet features: a failed run retried with backoff (or
 * not, for permanent reasons), the run-now annotation, a schedule tick, and
 * the run-slot caps (Queued, then started when a slot opens).
 */
import type { V1Job } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import {
  jobNameOf,
  mailSync,
  NS,
  recordedStatus,
  runJob,
  secret,
  startedStatus,
  useFakeClock,
  workerPod,
} from './fixtures.js';
import { condition, World } from './world.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const withAnnotation = (ms: MailSync, value: string): MailSync => ({
  ...ms,
  metadata: { ...ms.metadata, annotations: { 'mailsync.io/requested-at': value } },
});

/** A MailSync whose run for generation 1 failed with this worker exit code (outcome not recorded yet). */
function failedRun(exitCode: number, spec: Partial<MailSync['spec']> = {}) {
  const joe = mailSync({ spec, status: startedStatus(mailSync()) });
  const job = runJob(joe, { state: 'failed' });
  const pod = workerPod(job, { container: 'terminated', exitCode });
  return { joe, job, pod };
}

async function recordOutcome(w: World): Promise<void> {
  await w.reconcile('joe');
  await w.reconcile('joe');
}

describe('retries', () => {
  it('a transient failure is retried after its backoff as a new run (attempt 2)', async () => {
    const { joe, job, pod } = failedRun(11, { retry: { initialBackoffSeconds: 20 } });
    const w = new World([joe, secret(), job, pod], { random: 0.5 });
    await recordOutcome(w);
    const failed = w.status();
    expect(failed).toMatchObject({ phase: 'Failed', nextRetryAt: '2026-01-01T00:00:10Z' });
    expect(condition(failed, 'Retrying')).toMatchObject({
      status: 'True',
      reason: 'ConnectFailed',
      message: 'attempt 1 of 4 failed (ConnectFailed); retry 1 at 2026-01-01T00:00:10Z',
    });
    expect(w.events().at(-1)?.message).toContain('; retry 1 of 3 at 2026-01-01T00:00:10Z');

    // Before the backoff ends: nothing, and a look again when it does.
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 10_100 });
    expect(w.writes(mark)).toEqual([]);

    await w.settle(10_000);
    // The failed Job holds the name: cleared first, then the new run.
    await w.reconcile('joe');
    expect(w.writes(mark)).toEqual([`delete jobs/${jobNameOf(joe)} propagation=Background`]);
    await w.reconcile('joe');
    const newJob = w.job(jobNameOf(joe))!;
    expect(newJob.metadata?.annotations?.['mailsync.io/run-trigger']).toBe('retry');
    expect(w.status()).toMatchObject({ phase: 'Pending', retries: 1 });
    expect(w.status().nextRetryAt).toBeUndefined();
    expect(condition(w.status(), 'Retrying')).toMatchObject({ status: 'True', reason: 'ConnectFailed' });
    expect(w.events().at(-1)?.message).toMatch(/\(retry, attempt 2\)$/);
  });

  it('keeps the two counts apart: worker pods of the run in attempts, controller retries in retries', async () => {
    const joe = mailSync({ status: { ...startedStatus(mailSync()), retries: 1 } });
    const job = runJob(joe, { state: 'failed' });
    const first = workerPod(job, {
      name: 'pod-1',
      container: 'terminated',
      exitCode: 11,
      created: '2026-01-01T00:00:01Z',
    });
    const second = workerPod(job, {
      name: 'pod-2',
      container: 'terminated',
      exitCode: 11,
      created: '2026-01-01T00:00:20Z',
    });
    const w = new World([joe, secret(), job, first, second]);
    await recordOutcome(w);
    expect(w.status()).toMatchObject({ phase: 'Failed', attempts: 2, retries: 1 });
    expect(condition(w.status(), 'Retrying')?.message).toMatch(/^attempt 2 of 4 failed \(ConnectFailed\); retry 2 at /);
  });

  it('the last allowed attempt failing ends the retries', async () => {
    const { joe, job, pod } = failedRun(11, { retry: { limit: 1 } });
    const w = new World([{ ...joe, status: { ...joe.status, retries: 1 } }, secret(), job, pod]);
    await recordOutcome(w);
    expect(w.status().nextRetryAt).toBeUndefined();
    expect(condition(w.status(), 'Retrying')).toMatchObject({ status: 'False', reason: 'RetriesExhausted' });
    expect(await w.reconcile('joe')).toEqual({});
  });

  it.each([
    [14, 'AuthenticationFailed'],
    [13, 'TLSFailed'],
    [22, 'ByteCapReached'],
  ])('exit code %i (%s) is not retried', async (exitCode, reason) => {
    const { joe, job, pod } = failedRun(exitCode);
    const w = new World([joe, secret(), job, pod]);
    await recordOutcome(w);
    expect(w.status().nextRetryAt).toBeUndefined();
    expect(condition(w.status(), 'Retrying')).toMatchObject({ status: 'False', reason: 'NotRetriable' });
    expect(condition(w.status(), 'Retrying')?.message).toContain(`${reason} is not retried`);
    await w.settle(3_600_000);
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes(mark)).toEqual([]);
  });
});

describe('run now and schedule', () => {
  it('a new run-now annotation value starts a delta run and is recorded; the same value does nothing more', async () => {
    const done = mailSync({ status: { ...recordedStatus(mailSync()), lastRequestedAt: 'one' } });
    const job = runJob(done, { state: 'complete' });
    const w = new World([withAnnotation(done, 'one'), secret(), job]);
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes(mark)).toEqual([]);

    w.kube.put(withAnnotation({ ...done, status: w.status() }, 'two'));
    await w.reconcile('joe');
    await w.reconcile('joe');
    expect(w.job(jobNameOf(done))?.metadata?.annotations?.['mailsync.io/run-trigger']).toBe('requested');
    expect(w.status()).toMatchObject({ phase: 'Pending', lastRequestedAt: 'two', retries: 0, runGeneration: 1 });
    expect(w.events().at(-1)?.message).toContain('run-now request');
  });

  it('a schedule tick starts a run, records the tick and the next one, and wakes up for it', async () => {
    const spec = { schedule: '*/10 * * * *' };
    const done = mailSync({ spec, status: recordedStatus(mailSync()) });
    const w = new World([done, secret(), runJob(done, { state: 'complete' })]);
    // 00:00:00: the run of generation 1 took care of everything so far.
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 600_100 });
    expect(w.status().nextScheduledAt).toBe('2026-01-01T00:10:00Z');
    await w.settle(600_000);
    await w.reconcile('joe');
    await w.reconcile('joe');
    expect(w.job(jobNameOf(done))?.metadata?.annotations?.['mailsync.io/run-trigger']).toBe('schedule');
    expect(w.status()).toMatchObject({
      phase: 'Pending',
      lastScheduledAt: '2026-01-01T00:10:00Z',
      nextScheduledAt: '2026-01-01T00:20:00Z',
    });
  });

  it('an invalid schedule fails the run with the reason, without a Job', async () => {
    const w = new World([mailSync({ spec: { schedule: '0 0 * * * *' } }), secret()]);
    await w.reconcile('joe');
    expect(w.status()).toMatchObject({ phase: 'Failed', lastError: { reason: 'InvalidConfiguration' } });
    expect(w.status().lastError?.message).toMatch(/has 6 fields/);
    expect(w.kube.list('jobs')).toEqual([]);
  });
});

describe('run-slot caps', () => {
  const ann = mailSync({ name: 'ann', spec: { source: { ...mailSync().spec.source, user: 'ann' } } });
  const bob = mailSync({ name: 'bob', spec: { source: { ...mailSync().spec.source, user: 'bob' } } });

  it('over --max-running-per-host: Queued with its position, no Job; starts once the slot opens', async () => {
    const w = new World([ann, bob, secret()], { caps: { maxRunningPerHost: 1 } });
    await w.reconcile('ann');
    expect(w.status('ann').phase).toBe('Pending');
    const mark = w.mark();
    await w.reconcile('bob');
    expect(w.writes(mark)).toEqual(['patch mailsyncs/bob/status']);
    const queued = w.status('bob');
    expect(queued).toMatchObject({ phase: 'Queued', queuePosition: 1 });
    expect(condition(queued, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Queued',
      message:
        "waiting for a run slot: 1 syncs are running against imap.old.example, the controller's --max-running-per-host",
    });
    expect(w.events().at(-1)).toMatchObject({ reason: 'Queued', type: 'Normal' });

    // ann's Job ends: the gate wakes bob up, whose reconcile starts his run.
    const annJob = w.kube.list<V1Job>('jobs')[0]!;
    w.kube.modify('jobs', NS, annJob.metadata!.name!, (j) => {
      (j as V1Job).status = { conditions: [{ type: 'Complete', status: 'True' }] };
    });
    w.ctx.admission.poke();
    await w.settle(500);
    expect(w.enqueued).toContain(`${NS}/bob`);
    await w.reconcile('bob');
    expect(w.status('bob')).toMatchObject({ phase: 'Pending' });
    expect(w.status('bob').queuePosition).toBeUndefined();
    expect(w.kube.list('jobs')).toHaveLength(2);
  });

  it('a child whose MailMigration is gone starts no run, even once its caps are gone with it', async () => {
    const child = (name: string): MailSync => {
      const base = mailSync({ name, spec: { source: { ...mailSync().spec.source, user: name } } });
      return {
        ...base,
        metadata: {
          ...base.metadata,
          labels: { 'mailsync.io/migration': 'acme' },
          ownerReferences: [
            {
              apiVersion: 'mailsync.io/v1alpha1',
              kind: 'MailMigration',
              name: 'acme',
              uid: 'uid-acme',
              controller: true,
            },
          ],
        },
      };
    };
    const group = `${NS}/acme`;
    // The migration exists with a total of 1: ann runs, bob is Queued.
    const live = new World([child('ann'), child('bob'), secret()], {
      groupCaps: { [group]: { total: 1 } },
      migrations: { [group]: 'uid-acme' },
    });
    await live.reconcile('ann');
    await live.reconcile('bob');
    expect(live.kube.list('jobs')).toHaveLength(1);
    expect(live.status('bob').phase).toBe('Queued');

    // Deleted (or deleted and made again: another UID): no caps any more, and still no run.
    for (const migrations of [{}, { [group]: 'uid-acme-2' }] as Record<string, string>[]) {
      const w = new World([child('ann'), child('bob'), secret()], { migrations });
      const mark = w.mark();
      expect(await w.reconcile('bob')).toEqual({ requeueAfter: 5000 });
      expect(w.writes(mark)).toEqual([]);
      expect(w.kube.list('jobs')).toEqual([]);
      expect(w.ctx.admission.waiting).toBe(0);
    }
  });

  it('a deleted queued MailSync leaves the queue', async () => {
    const w = new World([ann, bob, secret()], { caps: { maxRunning: 1 } });
    await w.reconcile('ann');
    await w.reconcile('bob');
    expect(w.ctx.admission.waiting).toBe(1);
    w.kube.remove('mailsyncs', NS, 'bob');
    await w.reconcile('bob');
    expect(w.ctx.admission.waiting).toBe(0);
  });
});
