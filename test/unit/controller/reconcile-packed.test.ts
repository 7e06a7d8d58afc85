/**
 * Packed runs (MailMigration spec.accountsPerWorker > 1): admitted children
 * join a batch whose one Job runs them all; each child follows its own lines
 * of the batch pod's log and records its own outcome; a batch is never
 * deleted for one member's sake.
 */
import type { V1Job } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import { ANNOTATION_BATCH_MEMBERS, batchMembers, buildBatchJob } from '../../../src/controller/batch-job.js';
import { configMapName, pairHash } from '../../../src/controller/pair-hash.js';
import { logLine, mailSync, NS, progressLine, secret, summary, useFakeClock, WORKER, workerPod } from './fixtures.js';
import { condition, World } from './world.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const MIGRATION_UID = 'uid-acme';
const GROUP = `${NS}/acme`;

function child(name: string): MailSync {
  const base = mailSync({ name, spec: { source: { ...mailSync().spec.source, user: name } } });
  return {
    ...base,
    metadata: {
      ...base.metadata,
      uid: `uid-ms-${name}`,
      labels: { 'mailsync.io/migration': 'acme' },
      ownerReferences: [
        {
          apiVersion: 'mailsync.io/v1alpha1',
          kind: 'MailMigration',
          name: 'acme',
          uid: MIGRATION_UID,
          controller: true,
        },
      ],
    },
  };
}

const packedWorld = (objects: ConstructorParameters<typeof World>[0], perWorker = 2) =>
  new World(objects, { accountsPerWorker: { [GROUP]: perWorker }, migrations: { [GROUP]: MIGRATION_UID } });

const jobs = (w: World) => w.kube.list('jobs') as V1Job[];

describe('packed runs: joining a batch', () => {
  it('admitted children join one batch; its Job is made once it is full and lists them both', async () => {
    const w = packedWorld([child('ann'), child('bob'), secret()]);
    await w.reconcile('ann');
    const name = w.status('ann').jobName!;
    expect(w.status('ann')).toMatchObject({ phase: 'Pending', runGeneration: 1 });
    expect(name).toMatch(/^acme-b-[0-9a-f]{10}$/);
    expect(jobs(w)).toEqual([]);
    // Its Job does not exist yet, and the status does not say it does.
    expect(w.status('ann').conditions?.find((c) => c.type === 'Ready')?.message).toBe(
      `joined the batch of Job ${name}; waiting for the worker pod`,
    );

    // Still waiting for its Job: not a lost run, nothing written.
    const mark = w.mark();
    expect(await w.reconcile('ann')).toEqual({ requeueAfter: 5000 });
    expect(w.writes(mark)).toEqual([]);

    await w.reconcile('bob');
    expect(w.status('bob').jobName).toBe(name);
    const [job] = jobs(w);
    expect(job?.metadata?.name).toBe(name);
    expect(job?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'MailMigration', uid: MIGRATION_UID }),
    ]);
    expect(batchMembers(job!).map((m) => [m.name, m.uid, m.pair])).toEqual([
      ['ann', 'uid-ms-ann', pairHash(child('ann').spec)],
      ['bob', 'uid-ms-bob', pairHash(child('bob').spec)],
    ]);
    const container = job!.spec!.template.spec!.containers[0]!;
    const batchEnv = JSON.parse(container.env!.find((e) => e.name === 'MAILSYNC_BATCH')!.value!) as { id: string }[];
    expect(batchEnv.map((a) => a.id)).toEqual(['ann', 'bob']);
    // Each member's spec and Secret keys under its own directory, and nothing of anyone else.
    const sources = job!.spec!.template.spec!.volumes!.find((v) => v.name === 'batch')!.projected!.sources!;
    expect(sources).toContainEqual({
      configMap: { name: configMapName('ann'), items: [{ key: 'spec.json', path: 'ann/spec.json' }] },
    });
    expect(sources.flatMap((s) => s.secret?.items?.map((i) => i.path) ?? [])).toEqual([
      'ann/secrets/source/password',
      'ann/secrets/destination/password',
      'bob/secrets/source/password',
      'bob/secrets/destination/password',
    ]);
    expect(JSON.stringify(job)).not.toContain('hunter2');
  });

  it('a batch that does not fill up gets its Job when its window has passed', async () => {
    const w = packedWorld([child('ann'), secret()], 5);
    await w.reconcile('ann');
    expect(jobs(w)).toEqual([]);
    await w.settle(1000);
    expect(jobs(w).map((j) => j.metadata?.name)).toEqual([w.status('ann').jobName]);
  });

  it('a batch Job just made that the cache does not show yet: its members wait for the cache, no API read', async () => {
    const w = packedWorld([child('ann'), child('bob'), secret()]);
    w.freezeCaches();
    await w.reconcile('ann');
    await w.reconcile('bob');
    await w.settle(0);
    expect(jobs(w)).toHaveLength(1);
    const mark = w.mark();
    expect(await w.reconcile('ann')).toEqual({ requeueAfter: 5000 });
    expect(w.kube.actions.slice(mark)).toEqual([]);
    // Not shown for 30 s (a cache far behind): the member asks the API whether its Job is there.
    await w.settle(30_000);
    expect(await w.reconcile('ann')).toEqual({ requeueAfter: 1000 });
    expect(w.kube.actions.slice(mark).map((a) => `${a.verb} ${a.resource}`)).toEqual(['get jobs']);
    w.thawCaches();
    await w.reconcile('ann');
    expect(w.ctx.status.current(w.mailSync('ann')!).lastError).toBeUndefined();
  });

  it('a member deleted before its batch Job is made leaves the batch', async () => {
    const w = packedWorld([child('ann'), child('bob'), secret()], 5);
    await w.reconcile('ann');
    await w.reconcile('bob');
    await w.reconcile('ann'); // the finalizer is on: a deletion now waits for it
    w.kube.modify('mailsyncs', NS, 'ann', (o) => {
      o.metadata!.deletionTimestamp = new Date().toISOString() as unknown as Date;
    });
    await w.reconcile('ann');
    await w.settle(1000);
    expect(jobs(w).flatMap((j) => batchMembers(j).map((m) => m.name))).toEqual(['bob']);
  });

  it('a standalone MailSync (no migration) keeps a Job of its own', async () => {
    const w = packedWorld([mailSync(), secret()]);
    await w.reconcile('joe');
    expect(jobs(w).map((j) => j.metadata?.annotations?.[ANNOTATION_BATCH_MEMBERS])).toEqual([undefined]);
  });
});

describe('packed runs: one log, one outcome per account', () => {
  /** A running batch of ann and bob, each with status saying so. */
  function runningBatch() {
    const ann = child('ann');
    const bob = child('bob');
    const entries = [ann, bob].map((ms) => ({
      mailSync: ms,
      pairHash: pairHash(ms.spec),
      configMapName: configMapName(ms.metadata.name!),
    }));
    const built = buildBatchJob({
      jobName: 'acme-b-0123456789',
      entries,
      owner: child('ann').metadata.ownerReferences![0]!,
      worker: WORKER,
    });
    const job: V1Job = {
      ...built,
      metadata: { ...built.metadata, uid: 'uid-batch', creationTimestamp: new Date() },
      status: { active: 1 },
    };
    const pod = workerPod(job, { name: 'acme-b-pod' });
    const started = (ms: MailSync): MailSync => ({
      ...ms,
      status: {
        phase: 'Pending',
        runGeneration: 1,
        jobName: 'acme-b-0123456789',
        pairHash: pairHash(ms.spec),
        startTime: '2026-01-01T00:00:00Z',
      },
    });
    return { objects: [started(ann), started(bob), secret(), job, pod], job, pod };
  }

  it("each member shows its own lines; one's summary ends its run while the other runs on; the Job stays", async () => {
    const { objects } = runningBatch();
    const w = packedWorld(objects);
    const t = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000000000Z`;
    w.kube.appendLog(
      NS,
      'acme-b-pod',
      logLine(t(1), { msg: 'batch of 2 accounts' }),
      progressLine(t(2), 3, 10).replace('{', '{"account":"ann",'),
      progressLine(t(3), 7, 20).replace('{', '{"account":"bob",'),
      logLine(t(4), { account: 'ann', event: 'summary', summary: summary({ messagesTransferred: 10 }) }),
    );
    await w.reconcile('ann');
    await w.reconcile('bob');
    await w.settle(6000);
    await w.reconcile('ann');
    await w.settle(6000);
    expect(w.status('ann')).toMatchObject({ phase: 'Succeeded', summary: { messagesTransferred: 10 } });
    expect(w.status('bob')).toMatchObject({ phase: 'Running', progress: { messagesCopied: 7, messagesTotal: 20 } });
    // Recorded while its batch runs on: a look again leaves the batch alone (bob is still syncing in it).
    await w.reconcile('ann');
    expect(w.writes().filter((x) => x.startsWith('delete jobs') || x.startsWith('patch jobs'))).toEqual([]);
    expect(jobs(w)).toHaveLength(1);
  });

  it('a member already in a later run does not go back to its earlier batch, which runs on with the others', async () => {
    const { objects } = runningBatch();
    const w = packedWorld(objects);
    // ann's account ended in the batch, and ann joined a newer batch (its Job not made here: a lost run).
    w.kube.modify('mailsyncs', NS, 'ann', (o) => {
      (o as MailSync).status = {
        ...(o as MailSync).status,
        jobName: 'acme-b-newer',
        startTime: '2026-01-01T00:01:00Z',
      };
    });
    await w.reconcile('ann');
    expect(w.status('ann').jobName).toBe('acme-b-newer');
    expect(w.status('ann').phase).not.toBe('Running');
  });

  it('deleting one member suspends the batch Job: the Job controller stops its pod (TERM), for every member', async () => {
    const { objects } = runningBatch();
    const w = packedWorld(objects);
    await w.reconcile('ann');
    w.kube.modify('mailsyncs', NS, 'ann', (o) => {
      o.metadata!.finalizers = ['mailsync.io/abort'];
      o.metadata!.deletionTimestamp = new Date().toISOString() as unknown as Date;
    });
    const mark = w.mark();
    await w.reconcile('ann');
    expect(w.writes(mark)).toContain('patch jobs/acme-b-0123456789');
    expect(w.job('acme-b-0123456789')?.spec?.suspend).toBe(true);

    // The pod stops on TERM: bob's account says so in its summary, and bob's run is retried later.
    await w.reconcile('bob');
    w.kube.appendLog(
      NS,
      'acme-b-pod',
      logLine('2026-01-01T00:00:05.000000000Z', {
        account: 'bob',
        event: 'summary',
        summary: summary({ verdict: 'aborted', reason: 'Interrupted', exitCode: 31, message: 'stopped by SIGTERM' }),
      }),
    );
    await w.settle(6000);
    await w.reconcile('bob');
    expect(w.status('bob')).toMatchObject({ phase: 'Failed', nextRetryAt: '2026-01-01T00:00:11Z' });
    expect(condition(w.status('bob'), 'Ready')).toMatchObject({ reason: 'Interrupted', message: 'stopped by SIGTERM' });
  });
});
