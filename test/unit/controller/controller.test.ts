/**
 * The running controller on the in-memory API: informers (list + watch)
 * feed the work queue, workers reconcile, log lines reach status between
 * reconciles, and a MailSync waiting for its account pair is woken by the
 * holder's Job going away, not by the periodic resync. Fake time.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import { Controller } from '../../../src/controller/controller.js';
import type { KubeClientOptions } from '../../../src/kube/kube-client.js';
import { ControllerMetrics } from '../../../src/metrics/controller-metrics.js';
import { FakeKube, type StoredObject } from './fake-kube.js';
import {
  baseSpec,
  jobNameOf,
  logLine,
  mailSync,
  NS,
  progressLine,
  runJob,
  secret,
  summary,
  summaryLine,
  useFakeClock,
  WORKER,
  workerPod,
} from './fixtures.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const RESYNC_MS = 10 * 60_000;
const JOB = jobNameOf(mailSync());
const POD = `${JOB}-abcde`;

async function running(objects: StoredObject[], clientOptions: KubeClientOptions = {}) {
  const kube = new FakeKube(objects, clientOptions);
  const log = pino({ level: 'info' }, { write: () => {} });
  const controller = new Controller(kube, log, new ControllerMetrics({ defaultMetrics: false }), {
    namespaces: [],
    concurrency: 2,
    worker: WORKER,
    resyncMs: RESYNC_MS,
    informerRestartMs: RESYNC_MS,
    statusIntervalMs: 5000,
  });
  await controller.start();
  const status = (name = 'joe') => kube.object<MailSync>('mailsyncs', NS, name)?.status ?? {};
  /** Let the controller work for `ms` of fake time. */
  const run = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  return { kube, controller, status, run };
}

describe('the controller on the in-memory API', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('takes a MailSync from creation to Succeeded, with live progress from the worker log', async () => {
    const { kube, controller, status, run } = await running([mailSync({ finalizer: false }), secret()]);
    stop = () => controller.stop();
    await run(1000);
    expect(kube.object('jobs', NS, JOB)).toBeDefined();
    expect(status().phase).toBe('Pending');

    // The Job controller starts the worker; it reports progress.
    const job = runJob(mailSync());
    kube.put(workerPod(kube.object('jobs', NS, JOB) as typeof job));
    kube.appendLog(NS, POD, progressLine('2026-01-01T00:00:02Z', 30, 100));
    await run(1000);
    expect(status().phase).toBe('Running');
    kube.appendLog(NS, POD, progressLine('2026-01-01T00:00:04Z', 60, 100));
    await run(6000);
    // No reconcile in between was needed: the log hook updated status.
    expect(status().progress?.display).toBe('60/100');

    // The worker ends and the Job completes.
    kube.appendLog(NS, POD, summaryLine('2026-01-01T00:00:09Z'));
    kube.modify('pods', NS, POD, (p) => {
      p.status = workerPod(job, { container: 'terminated' }).status;
    });
    kube.endLogStreams();
    kube.modify('jobs', NS, JOB, (j) => {
      j.status = runJob(mailSync(), { state: 'complete' }).status;
    });
    await run(5000);
    expect(status()).toMatchObject({ phase: 'Succeeded', summary: { messagesTransferred: 120 } });
  });

  it('shows Running from the first log lines of a pod the API does not show started yet, without waiting for a pod change', async () => {
    const { kube, controller, status, run } = await running([mailSync({ finalizer: false }), secret()]);
    stop = () => controller.stop();
    await run(1000);
    const job = kube.object('jobs', NS, JOB) as ReturnType<typeof runJob>;
    // A loaded kubelet: the pod is on a node, its container still "ContainerCreating" in the API.
    kube.put(workerPod(job, { container: 'waiting', node: 'node-1' }));
    await run(1000);
    expect(status().phase).toBe('Pending');
    kube.appendLog(NS, POD, progressLine('2026-01-01T00:00:02Z', 30, 100));
    // The probe reads the log within the refresh interval (5 s here); the lines alone make it Running.
    await run(6000);
    expect(status()).toMatchObject({ phase: 'Running', progress: { display: '30/100' } });
    expect((kube.object('pods', NS, POD) as ReturnType<typeof workerPod>).status?.phase).toBe('Pending');
    // Straight to a reconcile, ahead of the queue: the progress goes out with the phase in one write, not first
    // on its own (whose watch event, queued behind every other MailSync at a mass start, brought Running late).
    const firstWithProgress = kube.actions.find(
      (a) => a.verb === 'patch' && (a.body as { status?: { progress?: unknown } }).status?.progress,
    );
    expect(firstWithProgress).toMatchObject({ lane: 'urgent', body: { status: { phase: 'Running' } } });
  });

  it('puts the MailSync of a pod on a node ahead of the queue, and of a pod not on a node behind it', async () => {
    const joe = mailSync({ finalizer: false });
    const joeJob = runJob(joe);
    const others = ['ann', 'bob', 'cy', 'dee', 'eve'].map((name) =>
      mailSync({ name, finalizer: false, spec: { source: { ...baseSpec().source, user: name } } }),
    );
    const { kube, controller, run } = await running([joe, joeJob, ...others, secret()]);
    // A mass start: the two workers wait on Job creations, the other MailSyncs wait in the queue.
    const release = kube.hold({ verb: 'create', resource: 'jobs' });
    stop = async () => {
      release();
      await controller.stop();
    };
    await run(1000);
    expect(controller.queue.length).toBeGreaterThanOrEqual(3);
    expect(controller.queue.urgentLength).toBe(0);
    kube.put(workerPod(joeJob, { container: 'waiting' }));
    await run(0);
    expect(controller.queue.urgentLength).toBe(0);
    kube.modify('pods', NS, POD, (p) => (p.spec = { nodeName: 'node-1', containers: [] }));
    await run(0);
    expect(controller.queue.urgentLength).toBe(1);
  });

  it('paces progress writes to the client rate limit (refresh-pace.ts): a phase change still goes at once', async () => {
    // 0.1 requests/s, 90 % for refreshes: one running MailSync is refreshed every 11.2 s, not every 5 s.
    const { kube, controller, status, run } = await running([mailSync({ finalizer: false }), secret()], { qps: 0.1 });
    stop = () => controller.stop();
    await run(1000);
    kube.put(workerPod(kube.object('jobs', NS, JOB) as ReturnType<typeof runJob>));
    kube.appendLog(NS, POD, progressLine('2026-01-01T00:00:02Z', 30, 100));
    await run(1000);
    // The phase change at once, with the progress it had.
    expect(status()).toMatchObject({ phase: 'Running', progress: { display: '30/100' } });
    kube.appendLog(NS, POD, progressLine('2026-01-01T00:00:04Z', 60, 100));
    // 6 s later: past the 5 s window, not past the paced 11.2 s.
    await run(6000);
    expect(status().progress?.display).toBe('30/100');
    await run(6000);
    expect(status().progress?.display).toBe('60/100');
  });

  it('starts a waiting MailSync as soon as the holder is deleted, well before the resync', async () => {
    const ann = mailSync({ name: 'ann' });
    const annJob = runJob(ann);
    const annPod = workerPod(annJob, { name: 'ann-pod' });
    const { kube, controller, status, run } = await running([ann, annJob, annPod, mailSync(), secret()]);
    stop = () => controller.stop();
    await run(1000);
    expect(status('joe')).toMatchObject({ phase: 'Waiting', waitingFor: `${NS}/ann` });
    expect(status('ann').phase).toBe('Running');

    // kubectl delete ms ann: TERM to its worker, which stops; the pod goes.
    await kube.delete(`/apis/mailsync.io/v1alpha1/namespaces/${NS}/mailsyncs/ann`);
    await run(1000);
    expect(kube.object('pods', NS, 'ann-pod')?.metadata?.deletionTimestamp).toBeDefined();
    kube.remove('pods', NS, 'ann-pod');
    await run(15_000);
    expect(kube.object('mailsyncs', NS, 'ann')).toBeUndefined();
    const job = kube.object('jobs', NS, JOB);
    expect(job?.metadata?.uid).not.toBe(annJob.metadata?.uid);
    expect((job?.metadata as { ownerReferences?: { name: string }[] })?.ownerReferences?.[0]?.name).toBe('joe');
    expect(status('joe').phase).toBe('Pending');
  });

  it('a packed member: no Event for its steps, one for its outcome; nothing written once its outcome is in', async () => {
    const migration = {
      apiVersion: 'mailsync.io/v1alpha1',
      kind: 'MailMigration',
      metadata: { name: 'acme', namespace: NS, uid: 'uid-acme' },
      spec: { accountsPerWorker: 2 },
    };
    const child = (name: string) => {
      const ms = mailSync({ name, spec: { source: { ...baseSpec().source, user: name } } });
      ms.metadata.uid = `uid-ms-${name}`;
      ms.metadata.labels = { 'mailsync.io/migration': 'acme' };
      ms.metadata.ownerReferences = [
        { apiVersion: 'mailsync.io/v1alpha1', kind: 'MailMigration', name: 'acme', uid: 'uid-acme', controller: true },
      ];
      return ms;
    };
    const { kube, controller, status, run } = await running([
      migration as StoredObject,
      child('ann'),
      child('bob'),
      secret(),
    ]);
    stop = () => controller.stop();
    await run(2000);
    const batchName = status('ann').jobName!;
    const job = kube.object('jobs', NS, batchName) as ReturnType<typeof runJob>;
    expect(job).toBeDefined();
    expect(status('bob').jobName).toBe(batchName);
    const pod = workerPod(job, { name: 'acme-b-pod' });
    kube.put(pod);
    const t = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000000000Z`;
    kube.appendLog(
      NS,
      'acme-b-pod',
      progressLine(t(2), 3, 10).replace('{', '{"account":"ann",'),
      progressLine(t(3), 7, 20).replace('{', '{"account":"bob",'),
      logLine(t(4), { account: 'ann', event: 'summary', summary: summary({ messagesTransferred: 10 }) }),
    );
    await run(6000);
    expect(status('ann')).toMatchObject({ phase: 'Succeeded', summary: { messagesTransferred: 10 } });
    expect(status('bob').phase).toBe('Running');
    const writesOf = (name: string) =>
      kube.actions.filter((a) => a.verb === 'patch' && a.resource === 'mailsyncs' && a.name === name).length;
    const annWrites = writesOf('ann');
    // The pod goes on with bob and ends; its log is read to the end. ann's status has its outcome: no more writes.
    kube.appendLog(NS, 'acme-b-pod', logLine(t(6), { account: 'bob', event: 'summary', summary: summary() }));
    kube.modify('pods', NS, 'acme-b-pod', (p) => {
      Object.assign(p, { status: workerPod(job, { name: 'acme-b-pod', container: 'terminated' }).status });
    });
    kube.endLogStreams(NS, 'acme-b-pod');
    await run(15_000);
    expect(status('bob').phase).toBe('Succeeded');
    expect(writesOf('ann')).toBe(annWrites);
    const events = kube.actions
      .filter((a) => a.verb === 'create' && a.resource === 'events')
      .map((a) => a.body as { reason: string; involvedObject: { name: string } })
      .map((e) => `${e.involvedObject.name} ${e.reason}`);
    expect(events.sort()).toEqual(['ann Succeeded', 'bob Succeeded']);
  });

  it.each([
    ['stops on SIGTERM: the coalesced progress still pending is written', true, '45/100'],
    ['lost the Lease: nothing more is written (the new leader owns status)', false, '30/100'],
  ])('%s', async (_case, flush, shown) => {
    const { kube, controller, status, run } = await running([mailSync({ finalizer: false }), secret()]);
    stop = undefined;
    await run(1000);
    const job = runJob(mailSync());
    kube.put(workerPod(kube.object('jobs', NS, JOB) as typeof job));
    kube.appendLog(NS, POD, progressLine('2026-01-01T00:00:02Z', 30, 100));
    await run(1000);
    expect(status()).toMatchObject({ phase: 'Running', progress: { display: '30/100' } });
    // A progress line within the 5 s window: its status write waits for the window to end.
    kube.appendLog(NS, POD, progressLine('2026-01-01T00:00:03Z', 45, 100));
    await run(500);
    expect(status().progress?.display).toBe('30/100');
    const stopped = controller.stop({ drainMs: 1000, flushMs: 1000, flush });
    await run(2000);
    await stopped;
    expect(status().progress?.display).toBe(shown);
    // nothing is written after stop, whatever the timers do
    await run(10_000);
    expect(status().progress?.display).toBe(shown);
  });
});
