/**
 * Reconcile is level-based and idempotent: in every state, once reconcile
 * has acted, reconciling again (later, nothing else changed) writes nothing
 * and records no Event. And one MailSync's whole life through the in-memory
 * API, with the check that no Secret value ever shows up in an API call, a
 * status, an Event or a log line.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredObject } from './fake-kube.js';
import {
  folderLine,
  jobNameOf,
  mailSync,
  NS,
  progressLine,
  recordedStatus,
  runJob,
  SECRET_VALUE,
  secret,
  startedStatus,
  summaryLine,
  useFakeClock,
  workerPod,
} from './fixtures.js';
import { condition, World } from './world.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const base = mailSync();
const JOB = jobNameOf(base);
const POD = `${JOB}-abcde`;

function withRun(status = startedStatus(base), pod: Parameters<typeof workerPod>[1] = {}, extra = {}): StoredObject[] {
  const ms = mailSync({ status, ...extra });
  const job = runJob(ms);
  return [ms, secret(), job, workerPod(job, pod)];
}

describe('reconciling twice in a row writes nothing the second time', () => {
  it.each<{ name: string; objects: () => StoredObject[]; phase: string; rounds?: number; staleCache?: boolean }>([
    {
      name: 'new: Job created, not in the cache yet',
      objects: () => [base, secret()],
      phase: 'Pending',
      staleCache: true,
    },
    {
      name: 'Job seen, no pod yet',
      objects: () => {
        const ms = mailSync({ status: startedStatus(base) });
        return [ms, secret(), runJob(ms)];
      },
      phase: 'Pending',
    },
    { name: 'worker running', objects: () => withRun(), phase: 'Running' },
    { name: 'worker running, log read', objects: () => withRun(), phase: 'Running', rounds: 2 },
    {
      name: 'spec change waiting for the next run',
      objects: () => withRun(startedStatus(base, 1), {}, { generation: 2 }),
      phase: 'Running',
    },
    {
      name: 'waiting for the pair',
      objects: () => {
        const ann = mailSync({ name: 'ann' });
        return [base, secret(), ann, runJob(ann), workerPod(runJob(ann))];
      },
      phase: 'Waiting',
    },
    {
      name: 'run recorded as Succeeded',
      objects: () => {
        const ms = mailSync({ status: recordedStatus(base) });
        return [ms, secret(), runJob(ms, { state: 'complete' })];
      },
      phase: 'Succeeded',
    },
    {
      name: 'finished run recorded from its log',
      objects: () => {
        const ms = mailSync({ status: startedStatus(base) });
        const job = runJob(ms, { state: 'failed' });
        return [ms, secret(), job, workerPod(job, { container: 'terminated', exitCode: 14 })];
      },
      phase: 'Failed',
      rounds: 2,
    },
    {
      name: 'invalid spec',
      objects: () => [mailSync({ spec: { folders: { include: ['['] } } }), secret()],
      phase: 'Failed',
    },
    { name: 'Secret missing', objects: () => [base], phase: 'Pending' },
    { name: 'suspended before any run', objects: () => [mailSync({ spec: { suspend: true } })], phase: 'Aborted' },
    {
      name: 'suspended, worker stopping',
      objects: () => withRun(startedStatus(base), {}, { spec: { suspend: true } }),
      phase: 'Running',
    },
    {
      name: 'deleted, worker stopping',
      objects: () => withRun(startedStatus(base), {}, { deleting: '2026-01-01T00:00:00Z' }),
      phase: 'Running',
    },
  ])('$name', async ({ objects, phase, rounds = 1, staleCache }) => {
    const w = new World(objects());
    if (staleCache) w.freezeCaches();
    for (let i = 0; i < rounds; i++) {
      await w.reconcile('joe');
      await w.settle(5000);
    }
    expect(w.status().phase).toBe(phase);
    const before = structuredClone(w.status());
    // Later, with nothing changed: not a single write, not an Event.
    await w.settle(7000);
    const mark = w.mark();
    await w.reconcile('joe');
    await w.settle(5000);
    expect(w.writes(mark)).toEqual([]);
    expect(w.events(mark)).toEqual([]);
    expect(w.status()).toEqual(before);
  });
});

describe('one MailSync from creation to deletion', () => {
  it('runs, reports, runs again after a spec change, and goes away cleanly', async () => {
    const w = new World([mailSync({ finalizer: false }), secret()]);
    const pod = (name: string) => {
      const job = w.job(JOB)!;
      w.kube.put(workerPod(job, { name }));
      return job;
    };

    // Created: finalizer, ConfigMap, Job.
    await w.reconcile('joe');
    expect(w.status().phase).toBe('Pending');
    // The Job controller starts the worker; it logs.
    const job1 = pod(POD);
    w.kube.appendLog(
      NS,
      POD,
      folderLine('2026-01-01T00:00:01Z', 'INBOX', 10),
      progressLine('2026-01-01T00:00:02Z', 4, 10),
    );
    await w.reconcile('joe');
    await w.settle(5000);
    await w.reconcile('joe');
    await w.settle(5000);
    expect(w.status()).toMatchObject({ phase: 'Running', progress: { display: '4/10' } });
    // The worker ends, the Job completes.
    w.kube.appendLog(NS, POD, summaryLine('2026-01-01T00:00:09Z'));
    w.kube.modify('pods', NS, POD, (p) => {
      p.status = workerPod(job1, { container: 'terminated' }).status;
    });
    w.kube.endLogStreams();
    w.kube.modify('jobs', NS, JOB, (j) => {
      j.status = runJob(base, { state: 'complete' }).status;
    });
    await w.settle();
    await w.reconcile('joe');
    expect(w.status()).toMatchObject({ phase: 'Succeeded', summary: { messagesTransferred: 120 } });
    expect(condition(w.status(), 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });

    // A spec change: the old Job is cleared, a new run starts for generation 2.
    w.kube.modify('mailsyncs', NS, 'joe', (ms) => {
      ms.metadata!.generation = 2;
      (ms.spec as { folders?: object }).folders = { exclude: ['^Trash'] };
    });
    w.kube.remove('pods', NS, POD);
    await w.reconcile('joe');
    await w.reconcile('joe');
    expect(w.status()).toMatchObject({ phase: 'Pending', runGeneration: 2, observedGeneration: 2 });
    expect(w.job(JOB)?.spec?.template.spec?.containers[0]?.env?.map((e) => e.name)).toContain('MAILSYNC_STATE_FILE');

    // Deleted while its second run is going on.
    pod(`${POD}2`);
    w.kube.modify('mailsyncs', NS, 'joe', (ms) => {
      ms.metadata!.deletionTimestamp = new Date().toISOString();
    });
    await w.reconcile('joe');
    expect(w.writes()).toContain(`delete pods/${POD}2 grace=30`);
    w.kube.endLogStreams();
    w.kube.remove('pods', NS, `${POD}2`);
    await w.settle();
    await w.reconcile('joe');
    expect(w.mailSync()).toBeUndefined();
    expect(w.job(JOB)).toBeUndefined();
    expect(w.events().map((e) => e.reason)).toEqual([
      'JobCreated',
      'Running',
      'Succeeded',
      'JobCreated',
      'Aborting',
      'Aborted',
    ]);

    // Not one Secret value anywhere.
    const base64 = Buffer.from(SECRET_VALUE).toString('base64');
    for (const text of [JSON.stringify(w.kube.actions), w.logOutput.join('')]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(base64);
    }
  });
});
