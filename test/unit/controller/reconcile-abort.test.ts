/**
 * Reconcile of a MailSync being deleted or suspended: the Job stops making
 * pods, the worker pod is deleted with the grace period (TERM now, KILL at
 * its end), force-deleted when it outstays grace + 30 s, and only when the
 * worker is gone: the Event with the final summary, the Job deleted, then
 * the finalizer removed (delete) or phase Aborted (suspend).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FINALIZER } from '../../../src/api/mailsync.js';
import {
  jobNameOf,
  mailSync,
  NS,
  recordedStatus,
  runJob,
  secret,
  startedStatus,
  summary,
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
const abortedSummary = summary({
  verdict: 'aborted',
  reason: 'Aborted',
  exitCode: 30,
  messagesTransferred: 7,
  message: 'aborted by SIGTERM after 7 messages',
});

/** A MailSync with a running worker, deleted (kubectl delete) or suspended at T0. */
function running(how: 'delete' | 'suspend', gracePeriodSeconds?: number) {
  const ms = mailSync({
    status: startedStatus(base),
    ...(how === 'delete' ? { deleting: '2026-01-01T00:00:00Z' } : { spec: { suspend: true } }),
    ...(gracePeriodSeconds !== undefined
      ? { spec: { gracePeriodSeconds, ...(how === 'suspend' ? { suspend: true } : {}) } }
      : {}),
  });
  const job = runJob(ms);
  const w = new World([ms, secret(), job, workerPod(job)]);
  return { w, job };
}

/** The kubelet has stopped the worker: its last lines (the summary) are in the log, the pod is gone. */
function workerStopped(w: World): void {
  w.kube.appendLog(NS, POD, summaryLine('2026-01-01T00:00:03Z', abortedSummary));
  w.kube.endLogStreams();
  w.kube.remove('pods', NS, POD);
}

describe.each(['delete', 'suspend'] as const)('abort by %s', (how) => {
  it.each([
    { grace: undefined, expected: 30 },
    { grace: 5, expected: 5 },
  ])('stops the Job and sends TERM with the grace period ($expected s)', async ({ grace, expected }) => {
    const { w } = running(how, grace);
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 1000 });
    expect(w.writes()).toEqual([
      `patch jobs/${JOB}`,
      `delete pods/${POD} grace=${expected}`,
      'patch mailsyncs/joe/status',
    ]);
    expect(w.job(JOB)?.spec?.suspend).toBe(true);
    expect(w.kube.object('pods', NS, POD)?.metadata?.deletionTimestamp).toBeDefined();
    const status = w.status();
    expect(status.phase).toBe('Running');
    expect(condition(status, 'Ready')).toMatchObject({
      reason: 'Aborting',
      message: `aborting: TERM sent to the worker; KILL ${expected} s later if it has not stopped`,
    });
    expect(w.events().map((e) => e.reason)).toEqual(['Aborting']);
    expect(w.mailSync()?.metadata.finalizers).toEqual([FINALIZER]);
  });

  it('sends TERM once while the worker stops, and KILL (force delete) after grace + 30 s', async () => {
    const { w } = running(how);
    await w.reconcile('joe');
    await w.settle(20_000);
    let mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 1000 });
    expect(w.writes(mark)).toEqual([]);
    await w.settle(41_000);
    mark = w.mark();
    await w.reconcile('joe');
    expect(w.writes(mark)).toEqual([`delete pods/${POD} grace=0`]);
    expect(w.kube.object('pods', NS, POD)).toBeUndefined();
  });

  it('once the worker is gone: Event with its summary, Job deleted, then the finalizer or phase Aborted', async () => {
    const { w } = running(how);
    await w.reconcile('joe');
    workerStopped(w);
    await w.settle();
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({});
    const why = how === 'delete' ? 'deletion' : 'spec.suspend';
    expect(w.events(mark)).toEqual([
      {
        type: 'Normal',
        reason: 'Aborted',
        message: expect.stringContaining(
          `sync aborted by ${why}: aborted by SIGTERM after 7 messages; transferred 7, skipped 3, failed 0`,
        ),
      },
      ...(how === 'suspend' ? [expect.objectContaining({ reason: 'Suspended' })] : []),
    ]);
    if (how === 'delete') {
      expect(w.writes(mark)).toEqual([`delete jobs/${JOB} propagation=Background`, 'patch mailsyncs/joe']);
      expect(w.mailSync()).toBeUndefined();
    } else {
      // The delta state of the aborted run is kept for the next one.
      expect(w.writes(mark)).toEqual([
        'create configmaps/mailsync-joe',
        `delete jobs/${JOB} propagation=Background`,
        'patch mailsyncs/joe/status',
      ]);
      const status = w.status();
      expect(status).toMatchObject({ phase: 'Aborted', completionTime: '2026-01-01T00:00:00Z' });
      expect(status.abortStartTime).toBeUndefined();
      expect(condition(status, 'Ready')).toMatchObject({ reason: 'Suspended' });
      expect(status.summary).toMatchObject({ reason: 'Aborted', messagesTransferred: 7 });
      expect(w.mailSync()?.metadata.finalizers).toEqual([FINALIZER]);
    }
    expect(w.job(JOB)).toBeUndefined();
  });

  it('waits for the end of the worker log before recording (the summary is the last line)', async () => {
    const { w } = running(how);
    await w.reconcile('joe');
    // The pod is gone, the log stream has not ended yet.
    w.kube.holdLogStreams = true;
    w.kube.remove('pods', NS, POD);
    let mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 500 });
    expect(w.writes(mark)).toEqual([]);
    w.kube.appendLog(NS, POD, summaryLine('2026-01-01T00:00:03Z', abortedSummary));
    w.kube.endLogStreams();
    await w.settle();
    mark = w.mark();
    await w.reconcile('joe');
    expect(w.events(mark)[0]?.message).toContain('aborted by SIGTERM after 7 messages');
  });

  it('when deleting the Job fails, the MailSync keeps its finalizer and the abort is retried', async () => {
    const { w } = running(how);
    await w.reconcile('joe');
    workerStopped(w);
    await w.settle();
    w.kube.fail({ verb: 'delete', resource: 'jobs' }, 500);
    await expect(w.reconcile('joe')).rejects.toThrow('injected 500');
    expect(w.mailSync()?.metadata.finalizers).toEqual([FINALIZER]);
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.job(JOB)).toBeUndefined();
  });
});

describe('deletion', () => {
  it('a reconcile on the cache from before the finalizer went records no second Aborted Event', async () => {
    const { w } = running('delete');
    await w.reconcile('joe');
    workerStopped(w);
    await w.settle();
    w.freezeCaches();
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.mailSync()).toBeUndefined();
    // the informer has not seen the deletion yet: the same MailSync, still with its finalizer
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.events(mark).map((e) => [e.reason, e.message])).toEqual([
      ['Aborted', expect.stringContaining('sync aborted by deletion: aborted by SIGTERM after 7 messages')],
    ]);
  });

  it.each([
    {
      name: 'after a recorded run: the finalizer goes at once, no Event (the finished Job goes with the owner)',
      objects: () => {
        const ms = mailSync({ deleting: '2026-01-01T00:00:00Z', status: recordedStatus(base) });
        const job = runJob(ms, { state: 'complete' });
        return [ms, job, workerPod(job, { container: 'terminated' })];
      },
    },
    {
      name: 'of a MailSync that never ran (invalid spec): the finalizer goes at once',
      objects: () => [mailSync({ deleting: '2026-01-01T00:00:00Z', status: { phase: 'Failed' as const } })],
    },
    {
      name: 'of a MailSync waiting for the pair: the finalizer goes, the holder is untouched',
      objects: () => {
        const ann = mailSync({ name: 'ann' });
        const job = runJob(ann);
        return [
          mailSync({ deleting: '2026-01-01T00:00:00Z', status: { phase: 'Waiting' as const } }),
          ann,
          job,
          workerPod(job),
        ];
      },
    },
  ])('$name', async ({ objects }) => {
    const w = new World(objects());
    w.ctx.mirrors.set(`${NS}/joe`, 'uid-job-ann-g1');
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes()).toEqual(['patch mailsyncs/joe']);
    expect(w.events()).toEqual([]);
    expect(w.mailSync()).toBeUndefined();
    expect(w.ctx.mirrors.has(`${NS}/joe`)).toBe(false);
    // Gone from the cache: what was kept for it is forgotten.
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.ctx.currentJob.has(`${NS}/joe`)).toBe(false);
  });

  it('of a MailSync without our finalizer: nothing to remove, nothing written', async () => {
    const w = new World([mailSync({ deleting: '2026-01-01T00:00:00Z', finalizer: false })]);
    w.kube.modify('mailsyncs', NS, 'joe', (o) => {
      o.metadata!.finalizers = ['someone.else/keep'];
    });
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes()).toEqual([]);
  });
});

describe('suspend', () => {
  it('of a MailSync that has not run: phase Aborted, no Job', async () => {
    const w = new World([mailSync({ spec: { suspend: true } }), secret()]);
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes()).toEqual(['patch mailsyncs/joe/status']);
    expect(w.status().phase).toBe('Aborted');
    expect(condition(w.status(), 'Ready')).toMatchObject({ reason: 'Suspended', message: 'suspended (spec.suspend)' });
  });

  it.each(['Succeeded', 'Failed', 'Aborted'] as const)(
    'after a run that ended %s: the status stays as it ended, observedGeneration follows the suspend',
    async (phase) => {
      // Setting spec.suspend made generation 2; the run was for generation 1.
      const ms = mailSync({ generation: 2, spec: { suspend: true }, status: recordedStatus(base, phase, 1) });
      const job = runJob(ms, { generation: 1, state: phase === 'Succeeded' ? 'complete' : 'failed' });
      const w = new World([ms, secret(), job]);
      expect(await w.reconcile('joe')).toEqual({});
      expect(w.statusPatches()).toEqual([{ observedGeneration: 2 }]);
      expect(w.writes()).toEqual(['patch mailsyncs/joe/status']);
      expect(w.events()).toEqual([]);
      expect(w.status().phase).toBe(phase);
      // And that is all: the next look writes nothing.
      const mark = w.mark();
      await w.reconcile('joe');
      expect(w.writes(mark)).toEqual([]);
    },
  );

  it('records when the abort began (abortStartTime) and counts grace from then', async () => {
    const { w } = running('suspend');
    await w.reconcile('joe');
    await w.settle(5000);
    expect(w.status().abortStartTime).toBe('2026-01-01T00:00:00Z');
    await w.settle(50_000);
    let mark = w.mark();
    await w.reconcile('joe');
    expect(w.writes(mark)).toEqual([]);
    await w.settle(6000);
    mark = w.mark();
    await w.reconcile('joe');
    expect(w.writes(mark)).toEqual([`delete pods/${POD} grace=0`]);
  });

  it('resumed (suspend: false, a new generation): a new run starts', async () => {
    const ms = mailSync({ generation: 2, status: { ...recordedStatus(base, 'Aborted', 1) } });
    const w = new World([ms, secret()]);
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes()).toContain(`create jobs/${JOB}`);
    expect(w.status()).toMatchObject({ phase: 'Pending', runGeneration: 2 });
  });
});
