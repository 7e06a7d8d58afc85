/**
 * Reconcile of a MailSync that has no run going on: finalizer, checks before
 * a run (spec, Secrets), creating the ConfigMap and the Job named by the
 * account pair, waiting behind another MailSync of the same pair, and a new
 * run after a spec change. Given these objects, expect these API calls and
 * this status.
 */
import type { V1ConfigMap, V1Job, V1OwnerReference } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ANNOTATION_STATE_DIGEST, contentDigest } from '../../../src/api/content-digest.js';
import { ANNOTATION_RUN_GENERATION, FINALIZER, LABEL_MAILSYNC_UID, LABEL_PAIR } from '../../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../../src/api/spec.js';
import { ownerReference, workerSpecJson } from '../../../src/controller/job-builder.js';
import { parseResourceMaximums } from '../../../src/controller/resource-maximums.js';
import { SecretKeys } from '../../../src/controller/validate.js';
import { KubeApiError } from '../../../src/kube/kube-client.js';
import { parseLabelSelector } from '../../../src/kube/label-selector.js';
import type { StoredObject } from './fake-kube.js';
import {
  configMapOf,
  folderLine,
  hashOf,
  jobNameOf,
  mailSync,
  NS,
  recordedStatus,
  runJob,
  SECRET_VALUE,
  secret,
  startedStatus,
  useFakeClock,
  workerPod,
} from './fixtures.js';
import { condition, describeAction, World } from './world.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const joe = mailSync();
const JOB = jobNameOf(joe);
const CM = configMapOf(joe);

describe('a new MailSync', () => {
  it.each<{
    name: string;
    objects: StoredObject[];
    writes: string[];
    phase: string;
    reason: string;
    message: string;
    event: 'Normal' | 'Warning';
    result: object;
  }>([
    {
      name: 'gets the finalizer first, then its ConfigMap and Job',
      objects: [mailSync({ finalizer: false }), secret()],
      writes: [`patch mailsyncs/joe`, `create configmaps/${CM}`, `create jobs/${JOB}`, 'patch mailsyncs/joe/status'],
      phase: 'Pending',
      reason: 'JobCreated',
      message: `Job ${JOB} created; waiting for the worker pod`,
      event: 'Normal',
      result: {},
    },
    {
      name: 'with the finalizer already there: ConfigMap and Job',
      objects: [joe, secret()],
      writes: [`create configmaps/${CM}`, `create jobs/${JOB}`, 'patch mailsyncs/joe/status'],
      phase: 'Pending',
      reason: 'JobCreated',
      message: `Job ${JOB} created; waiting for the worker pod`,
      event: 'Normal',
      result: {},
    },
    {
      name: 'with an invalid exclude regex: Failed, not retried',
      objects: [mailSync({ spec: { folders: { exclude: ['^Junk', '(unclosed'] } } }), secret()],
      writes: ['patch mailsyncs/joe/status'],
      phase: 'Failed',
      reason: 'InvalidConfiguration',
      message: 'spec.folders.exclude[1]: invalid regular expression: /(unclosed/: Unterminated group',
      event: 'Warning',
      result: {},
    },
    {
      name: 'with an invalid rename flag: Failed, not retried',
      objects: [mailSync({ spec: { folders: { rename: [{ from: 'a', to: 'b', flags: 'q' }] } } }), secret()],
      writes: ['patch mailsyncs/joe/status'],
      phase: 'Failed',
      reason: 'InvalidConfiguration',
      message: 'spec.folders.rename[0].flags: may only hold the regular expression flags g, i, m, s, u and y',
      event: 'Warning',
      result: {},
    },
    {
      name: 'without any credential reference: Failed',
      objects: [mailSync({ spec: { source: { host: 'imap.old.example', user: 'joe' } } }), secret()],
      writes: ['patch mailsyncs/joe/status'],
      phase: 'Failed',
      reason: 'InvalidConfiguration',
      message: 'spec.source: no credential: set passwordSecretRef, oauth2TokenSecretRef or oauth2RefreshSecretRef',
      event: 'Warning',
      result: {},
    },
    {
      name: 'whose Secret does not exist yet: Pending, retried',
      objects: [joe],
      writes: ['patch mailsyncs/joe/status'],
      phase: 'Pending',
      reason: 'SecretNotFound',
      message: `spec.source.passwordSecretRef: Secret ${NS}/joe-passwords not found`,
      event: 'Warning',
      result: { requeue: true },
    },
    {
      name: 'whose Secret lacks a key: Pending, retried',
      objects: [joe, secret({ keys: ['old'] })],
      writes: ['patch mailsyncs/joe/status'],
      phase: 'Pending',
      reason: 'SecretKeyNotFound',
      message: `spec.destination.passwordSecretRef: Secret ${NS}/joe-passwords has no key "new"`,
      event: 'Warning',
      result: { requeue: true },
    },
  ])('$name', async ({ objects, writes, phase, reason, message, event, result }) => {
    const w = new World(objects);
    expect(await w.reconcile('joe')).toEqual(result);
    expect(w.writes()).toEqual(writes);
    const status = w.status();
    expect(status.phase).toBe(phase);
    expect(status.observedGeneration).toBe(1);
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason, observedGeneration: 1 });
    expect(condition(status, 'Ready')?.message).toContain(message);
    expect(w.events()).toEqual([expect.objectContaining({ type: event, reason })]);
    expect(w.mailSync()?.metadata.finalizers).toEqual([FINALIZER]);
    if (reason !== 'JobCreated')
      expect(status.lastError).toEqual({ reason, message: condition(status, 'Ready')?.message });
  });

  it('creates the Job the way the worker needs it: pair labels, run generation, owner, Secrets by reference', async () => {
    const w = new World([mailSync({ generation: 3 }), secret()]);
    await w.reconcile('joe');
    const job = w.job(JOB)!;
    expect(job.metadata?.labels).toMatchObject({ [LABEL_PAIR]: hashOf(joe), [LABEL_MAILSYNC_UID]: 'uid-joe' });
    expect(job.metadata?.annotations?.[ANNOTATION_RUN_GENERATION]).toBe('3');
    expect(job.metadata?.ownerReferences).toEqual([expect.objectContaining({ uid: 'uid-joe', controller: true })]);
    expect(JSON.stringify(job)).toContain('joe-passwords');
    expect(JSON.stringify(w.kube.actions)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(w.kube.actions)).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
    expect(w.status()).toMatchObject({
      runGeneration: 3,
      jobName: JOB,
      pairHash: hashOf(joe),
      startTime: '2026-01-01T00:00:00Z',
    });
  });

  it.each([
    ['upper-case host with a trailing dot', { host: 'IMAP.Old.Example.' }],
    ['the default port written out', { port: 993 }],
    ['tls auto written out', { tls: 'auto' as const }],
  ])('names the Job by the account pair, normalised: %s', async (_, change) => {
    const variant = mailSync({ name: 'joe2', spec: { source: { ...joe.spec.source, ...change } } });
    const w = new World([variant, secret()]);
    await w.reconcile('joe2');
    expect(JOB).toMatch(/^mailsync-[0-9a-f]{16}$/);
    expect(w.writes()).toContain(`create jobs/${JOB}`);
  });

  /** The ConfigMap of an earlier run: this MailSync's, its state with the digest written with it. */
  const earlierConfigMap = (change: (cm: V1ConfigMap) => void = () => {}): StoredObject => {
    const cm: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: CM,
        namespace: NS,
        ownerReferences: [ownerReference(joe)],
        annotations: { [ANNOTATION_STATE_DIGEST]: contentDigest('{"INBOX":{}}') },
      },
      data: { 'spec.json': '{"old":true}', 'state.json': '{"INBOX":{}}' },
    };
    change(cm);
    return cm as StoredObject;
  };

  it('keeps the delta state of an earlier run: the ConfigMap gets the new spec and the Job mounts the state', async () => {
    const w = new World([joe, secret(), earlierConfigMap()]);
    await w.reconcile('joe');
    expect(w.writes()).toEqual([
      `create configmaps/${CM}`,
      `patch configmaps/${CM}`,
      `create jobs/${JOB}`,
      'patch mailsyncs/joe/status',
    ]);
    const cm = w.kube.object<V1ConfigMap>('configmaps', NS, CM)!;
    expect(JSON.parse(cm.data!['spec.json']!)).toEqual(joe.spec);
    expect(cm.data!['state.json']).toBe('{"INBOX":{}}');
    const env = w.job(JOB)?.spec?.template.spec?.containers[0]?.env;
    expect(env).toContainEqual(expect.objectContaining({ name: 'MAILSYNC_STATE_FILE' }));
    // The worker uses the mounted file only if it is the state checked here.
    expect(env).toContainEqual({ name: 'MAILSYNC_STATE_DIGEST', value: contentDigest('{"INBOX":{}}') });
    expect(w.events()[0]?.message).toContain('(delta pass)');
  });

  it('a later run (a no-change pass) reads its ConfigMap first: no create refused as AlreadyExists, no write to it', async () => {
    const again = mailSync({ generation: 2, status: recordedStatus(joe, 'Succeeded', 1) });
    const current = earlierConfigMap((cm) => {
      cm.data!['spec.json'] = workerSpecJson(again);
    });
    const w = new World([again, secret(), current]);
    await w.reconcile('joe');
    const onConfigMap = w.kube.actions.filter((a) => a.resource === 'configmaps').map(describeAction);
    expect(onConfigMap).toEqual([`get configmaps/${CM}`]);
    expect(w.writes()).toEqual([`create jobs/${JOB}`, 'patch mailsyncs/joe/status']);
    expect(w.status()).toMatchObject({ phase: 'Pending', runGeneration: 2 });
    expect(w.job(JOB)?.spec?.template.spec?.containers[0]?.env).toContainEqual(
      expect.objectContaining({ name: 'MAILSYNC_STATE_FILE' }),
    );
  });

  it('a later run whose ConfigMap is gone creates it again', async () => {
    const again = mailSync({ generation: 2, status: recordedStatus(joe, 'Succeeded', 1) });
    const w = new World([again, secret()]);
    await w.reconcile('joe');
    expect(w.writes()).toEqual([`create configmaps/${CM}`, `create jobs/${JOB}`, 'patch mailsyncs/joe/status']);
  });

  it.each<{ name: string; change: (cm: V1ConfigMap) => void; why: string }>([
    {
      name: 'a state edited after it was written',
      change: (cm) => (cm.data!['state.json'] = '{"INBOX":{"uidNext":1}}'),
      why: `the delta state in ConfigMap ${NS}/${CM} does not match its digest (changed since the controller wrote it)`,
    },
    {
      name: 'a state without a digest (an older version wrote it)',
      change: (cm) => delete cm.metadata!.annotations,
      why: `the delta state in ConfigMap ${NS}/${CM} has no digest (mailsync.io/state-digest)`,
    },
  ])('drops $name: a full pass, said in a Warning Event, the state removed', async ({ change, why }) => {
    const w = new World([joe, secret(), earlierConfigMap(change)]);
    await w.reconcile('joe');
    const cm = w.kube.object<V1ConfigMap>('configmaps', NS, CM)!;
    expect(cm.data?.['state.json']).toBeUndefined();
    expect(cm.metadata?.annotations?.[ANNOTATION_STATE_DIGEST]).toBeUndefined();
    expect(JSON.parse(cm.data!['spec.json']!)).toEqual(joe.spec);
    const env = w.job(JOB)?.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.map((e) => e.name)).not.toContain('MAILSYNC_STATE_FILE');
    expect(w.events()).toContainEqual({
      type: 'Warning',
      reason: 'DeltaStateDropped',
      message: `${why}: dropped, this run compares every folder (a full pass)`,
    });
    expect(
      w
        .events()
        .map((e) => e.message)
        .join('\n'),
    ).not.toContain('(delta pass)');
  });

  it.each<{
    name: string;
    owners: V1OwnerReference[] | undefined;
    owner: string;
  }>([
    { name: 'no owner (made by hand)', owners: undefined, owner: 'has no controller' },
    {
      name: 'an earlier MailSync of the same name (another UID, not yet garbage-collected)',
      owners: [{ ...ownerReference(joe), uid: 'uid-of-the-old-joe' }],
      owner: 'is controlled by another object (MailSync joe)',
    },
    {
      name: 'another controller',
      owners: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', uid: 'uid-joe', controller: true }],
      owner: 'is controlled by another object (Deployment x)',
    },
    {
      name: 'this MailSync, but not as controller',
      owners: [{ ...ownerReference(joe), controller: false }],
      owner: 'has no controller',
    },
  ])(
    'refuses a ConfigMap of that name owned by $name: clear condition, no Job, the ConfigMap untouched',
    async ({ owners, owner }) => {
      const planted = earlierConfigMap((cm) => {
        cm.metadata!.ownerReferences = owners;
        if (!owners) delete cm.metadata!.ownerReferences;
      });
      const before = JSON.stringify(planted);
      const w = new World([joe, secret(), planted]);
      expect(await w.reconcile('joe')).toEqual({ requeue: true });
      expect(w.writes()).toEqual([`create configmaps/${CM}`, 'patch mailsyncs/joe/status']);
      expect(w.job(JOB)).toBeUndefined();
      const stored = w.kube.object<V1ConfigMap>('configmaps', NS, CM)!;
      expect(stored.data).toEqual(JSON.parse(before).data);
      const status = w.status();
      expect(status.phase).toBe('Pending');
      expect(condition(status, 'Ready')).toMatchObject({
        reason: 'ConfigMapNotOwned',
        message: `ConfigMap ${NS}/${CM} ${owner}, not by this MailSync: it is neither read nor overwritten; delete or rename it`,
      });
      // The pair and the run slot are free for others.
      expect(w.ctx.claims.holder(hashOf(joe), `${NS}/other`)).toBeUndefined();
    },
  );

  it.each<{ name: string; fault: Parameters<World['kube']['fail']>; result?: object; error?: string }>([
    {
      name: 'the Job name taken meanwhile (AlreadyExists): looks again shortly, nothing written',
      fault: [{ verb: 'create', resource: 'jobs' }, 409, 'AlreadyExists'],
      result: { requeueAfter: 1000 },
    },
    {
      name: 'the API failing to create the Job: the error goes to the queue (backoff)',
      fault: [{ verb: 'create', resource: 'jobs' }, 500],
      error: 'injected 500',
    },
    {
      name: 'a stale copy when adding the finalizer (Conflict): retried, nothing created',
      fault: [{ verb: 'patch', resource: 'mailsyncs', name: 'joe' }, 409],
      error: 'injected 409',
    },
    {
      name: 'the Secret unreadable (Forbidden): retried, not reported as missing',
      fault: [{ verb: 'get', resource: 'secrets' }, 403],
      error: 'injected 403',
    },
  ])('$name', async ({ fault, result, error }) => {
    const w = new World([mailSync({ finalizer: error !== 'injected 409' }), secret()]);
    w.kube.fail(...fault);
    const outcome = w.reconcile('joe');
    if (error) await expect(outcome).rejects.toThrow(KubeApiError);
    else expect(await outcome).toEqual(result);
    expect(w.job(JOB)).toBeUndefined();
    expect(w.statusPatches()).toEqual([]);
    expect(w.events()).toEqual([]);
    // The next attempt goes through (the pair claim was released).
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.job(JOB)).toBeDefined();
    expect(w.status().phase).toBe('Pending');
  });
});

describe('the account pair is busy', () => {
  const ann = mailSync({ name: 'ann' });
  const annJob = runJob(ann);

  it.each<{ name: string; holder: StoredObject[]; holderKey: string }>([
    {
      name: 'another MailSync of the same namespace runs it',
      holder: [ann, annJob, workerPod(annJob)],
      holderKey: `${NS}/ann`,
    },
    {
      name: 'its Job has no pod yet',
      holder: [ann, annJob],
      holderKey: `${NS}/ann`,
    },
    {
      name: 'the holder finished but has not recorded its outcome (same Job name)',
      holder: [mailSync({ name: 'ann', status: startedStatus(ann) }), runJob(ann, { state: 'complete' })],
      holderKey: `${NS}/ann`,
    },
  ])('waits when $name: AccountPairBusy, no Job', async ({ holder, holderKey }) => {
    const w = new World([joe, secret(), ...holder]);
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 10_000 });
    expect(w.writes()).toEqual(['patch mailsyncs/joe/status']);
    const status = w.status();
    expect(status).toMatchObject({ phase: 'Waiting', waitingFor: holderKey, pairHash: hashOf(joe) });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'AccountPairBusy' });
    expect(condition(status, 'Ready')?.message).toContain(
      `MailSync ${holderKey} (Job ${holderKey.split('/')[0]}/${JOB})`,
    );
    expect(w.events()).toEqual([expect.objectContaining({ type: 'Normal', reason: 'AccountPairBusy' })]);
    expect(w.ctx.mirrors.get(`${NS}/joe`)).toBe(holder[1]!.metadata!.uid);
  });

  it('a MailSync in another namespace runs it: told only that the pair is busy there (no name, no Job, no log)', async () => {
    const bob = mailSync({ name: 'bob', namespace: 'tenant-b' });
    const bobJob = runJob(bob);
    const bobPod = workerPod(bobJob);
    const w = new World([bob, bobJob, bobPod, joe, secret()]);
    w.kube.appendLog('tenant-b', bobPod.metadata!.name!, folderLine('2026-01-01T00:00:05Z', 'Secret-Folder', 40));
    await w.reconcile('tenant-b/bob');
    expect(w.ctx.streams.get(bobJob.metadata!.uid!)!.snapshot().logTail).toHaveLength(1);
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 10_000 });
    const status = w.status('joe');
    expect(status).toMatchObject({ phase: 'Waiting', pairHash: hashOf(joe) });
    expect(status.waitingFor).toBeUndefined();
    expect(condition(status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'AccountPairBusy',
      message: 'the account pair is busy in another namespace; this one runs when that sync ends',
    });
    const told = JSON.stringify([status, w.events(mark), w.logOutput.filter((l) => l.includes('"name":"joe"'))]);
    for (const foreign of ['tenant-b', 'bob', JOB, 'Secret-Folder']) expect(told).not.toContain(foreign);
    // Still enqueued when the holder's Job changes.
    expect(w.ctx.mirrors.get(`${NS}/joe`)).toBe(bobJob.metadata!.uid);
  });

  it('a Job of the pair that no MailSync controls holds nothing', async () => {
    const stray = runJob(mailSync({ name: 'ann', namespace: 'other' }));
    stray.metadata!.ownerReferences = [];
    const w = new World([stray, joe, secret()]);
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes()).toContain(`create jobs/${JOB}`);
  });

  it('mirrors the running sync’s log in its logTail', async () => {
    const w = new World([ann, annJob, workerPod(annJob), joe, secret()]);
    w.kube.appendLog(NS, workerPod(annJob).metadata!.name!, folderLine('2026-01-01T00:00:05Z', 'INBOX', 40));
    await w.reconcile('ann');
    await w.reconcile('joe');
    const annTail = w.ctx.streams.get(annJob.metadata!.uid!)!.snapshot().logTail;
    expect(annTail).toEqual([expect.stringMatching(/^00:00:05 .*INBOX.*40 messages/)]);
    expect(w.status('joe').logTail).toEqual(annTail);
  });

  it('starts once the holder recorded its outcome: deletes the finished Job first (same name)', async () => {
    const w = new World([
      mailSync({ name: 'ann', status: recordedStatus(ann) }),
      runJob(ann, { state: 'complete' }),
      joe,
      secret(),
    ]);
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 1000 });
    expect(w.writes()).toEqual([`delete jobs/${JOB} propagation=Background`]);
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes()).toContain(`create jobs/${JOB}`);
    expect(w.job(JOB)?.metadata?.ownerReferences?.[0]?.uid).toBe('uid-joe');
  });

  it('starts at once when the finished Job of the pair is in another namespace (no name clash)', async () => {
    const other = mailSync({ name: 'ann', namespace: 'other' });
    const w = new World([other, runJob(other, { state: 'complete' }), joe, secret()]);
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes()).toEqual([`create configmaps/${CM}`, `create jobs/${JOB}`, 'patch mailsyncs/joe/status']);
  });

  it('a second MailSync of the pair does not start while the first one’s new Job is not in the cache yet', async () => {
    const w = new World([ann, joe, secret()]);
    w.freezeCaches();
    await w.reconcile('ann');
    expect(w.writes()).toContain(`create jobs/${JOB}`);
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 2000 });
    expect(w.writes(mark)).toEqual([]);
    w.thawCaches();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 10_000 });
    expect(w.status('joe').phase).toBe('Waiting');
  });
});

describe('a spec change (new generation)', () => {
  it('while a run goes on: noted as SpecChangePending, observedGeneration follows, no second Job', async () => {
    const ms = mailSync({ generation: 2, status: startedStatus(joe, 1) });
    const job = runJob(ms, { generation: 1 });
    const w = new World([ms, secret(), job, workerPod(job)]);
    await w.reconcile('joe');
    expect(w.writes()).toEqual(['patch mailsyncs/joe/status']);
    const status = w.status();
    expect(status).toMatchObject({ observedGeneration: 2, runGeneration: 1, pendingGeneration: 2, phase: 'Running' });
    expect(condition(status, 'SpecChangePending')).toMatchObject({
      status: 'True',
      reason: 'AppliesToNextRun',
      observedGeneration: 2,
    });
    expect(condition(status, 'Ready')?.observedGeneration).toBe(2);
  });

  it('after a recorded run: removes the old Job, then starts one for the new generation', async () => {
    const ms = mailSync({ generation: 2, status: recordedStatus(joe, 'Failed', 1) });
    const w = new World([ms, secret(), runJob(ms, { generation: 1, state: 'failed' })]);
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 1000 });
    expect(w.writes()).toEqual([`delete jobs/${JOB} propagation=Background`]);
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.job(JOB)?.metadata?.annotations?.[ANNOTATION_RUN_GENERATION]).toBe('2');
    const status = w.status();
    expect(status).toMatchObject({ phase: 'Pending', runGeneration: 2, observedGeneration: 2 });
    expect(status.completionTime).toBeUndefined();
    expect(status.pendingGeneration).toBeUndefined();
    expect(condition(status, 'SpecChangePending')).toBeUndefined();
  });

  it('up to date but observedGeneration behind: only observedGeneration is written', async () => {
    const ms = mailSync({ generation: 2, status: { ...recordedStatus(joe, 'Succeeded', 2), observedGeneration: 1 } });
    const w = new World([ms, secret(), runJob(ms, { state: 'complete' })]);
    await w.reconcile('joe');
    expect(w.statusPatches()).toEqual([{ observedGeneration: 2 }]);
    expect(w.events()).toEqual([]);
  });
});

describe('the fake API keeps the rules reconcile relies on', () => {
  it('rejects a merge patch with a stale resourceVersion or another UID', async () => {
    const w = new World([joe]);
    const path = `/apis/mailsync.io/v1alpha1/namespaces/${NS}/mailsyncs/joe`;
    await expect(w.kube.mergePatch(path, { metadata: { resourceVersion: '1' } })).rejects.toMatchObject({
      status: 409,
    });
    await expect(w.kube.mergePatch(`${path}/status`, { metadata: { uid: 'other' }, status: {} })).rejects.toMatchObject(
      { status: 409 },
    );
    await expect(w.kube.create<V1Job>(`/apis/batch/v1/namespaces/${NS}/jobs`, runJob(joe))).resolves.toBeDefined();
    await expect(w.kube.create(`/apis/batch/v1/namespaces/${NS}/jobs`, runJob(joe))).rejects.toMatchObject({
      reason: 'AlreadyExists',
    });
  });
});

describe('--secret-selector', () => {
  const labelled = (labels: Record<string, string>) => {
    const s = secret();
    s.metadata!.labels = labels;
    return s;
  };
  it.each<{ name: string; labels: Record<string, string>; allowed: boolean }>([
    { name: 'a Secret with the label', labels: { 'mailsync.io/credentials': 'true' }, allowed: true },
    { name: 'a Secret without it', labels: {}, allowed: false },
    { name: 'a Secret with another value', labels: { 'mailsync.io/credentials': 'false' }, allowed: false },
  ])('$name: allowed $allowed', async ({ labels, allowed }) => {
    const w = new World([joe, labelled(labels)]);
    w.ctx.secrets = new SecretKeys(w.kube, 5000, parseLabelSelector('mailsync.io/credentials=true'));
    const result = await w.reconcile('joe');
    if (allowed) {
      expect(w.job(JOB)).toBeDefined();
      return;
    }
    // Refused once, clearly, and not retried (no requeue: a retry cannot help until someone changes something).
    expect(result).toEqual({});
    expect(w.job(JOB)).toBeUndefined();
    const status = w.status();
    expect(status.phase).toBe('Failed');
    expect(condition(status, 'Ready')).toMatchObject({
      reason: 'SecretNotAllowed',
      message: `spec.source.passwordSecretRef: Secret ${NS}/joe-passwords is not allowed: this controller only uses Secrets matching the label selector mailsync.io/credentials=true (--secret-selector)`,
    });
    expect(JSON.stringify([status, w.events(), w.logOutput])).not.toContain(SECRET_VALUE);
    // A second look writes nothing new.
    const mark = w.mark();
    await w.reconcile('joe');
    expect(w.writes(mark)).toEqual([]);
  });
});

describe('--max-worker-resources', () => {
  const maximums = parseResourceMaximums('cpu=2,memory=4Gi');
  it.each<{ name: string; resources: MailSyncSpec['resources']; refused?: string }>([
    { name: 'no resources (the defaults)', resources: undefined },
    { name: 'exactly the maximum, written differently', resources: { limits: { cpu: '2000m', memory: '4096Mi' } } },
    {
      name: 'a memory limit above',
      resources: { limits: { memory: '5Gi' } },
      refused:
        'spec.resources.limits.memory 5Gi is above the maximum 4Gi this controller allows (--max-worker-resources)',
    },
    {
      name: 'a cpu request above',
      resources: { requests: { cpu: 3 } },
      refused: 'spec.resources.requests.cpu 3 is above the maximum 2 this controller allows (--max-worker-resources)',
    },
  ])('$name', async ({ resources, refused }) => {
    const w = new World([mailSync({ spec: resources ? { resources } : {} }), secret()]);
    w.ctx.maxWorkerResources = maximums;
    const result = await w.reconcile('joe');
    if (!refused) {
      expect(w.job(JOB)).toBeDefined();
      return;
    }
    // Refused once, no Job, not retried: the spec must change.
    expect(result).toEqual({});
    expect(w.job(JOB)).toBeUndefined();
    const status = w.status();
    expect(status.phase).toBe('Failed');
    expect(condition(status, 'Ready')).toMatchObject({ reason: 'ResourcesOverMaximum', message: refused });
    const mark = w.mark();
    await w.reconcile('joe');
    expect(w.writes(mark)).toEqual([]);
  });
});

describe('a worker Job the API server rejects as invalid', () => {
  it('is reported once as InvalidConfiguration with the API server’s words, not retried', async () => {
    const w = new World([joe, secret()]);
    w.kube.fail({ verb: 'create', resource: 'jobs' }, 422, 'Invalid');
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.job(JOB)).toBeUndefined();
    const status = w.status();
    expect(status.phase).toBe('Failed');
    expect(condition(status, 'Ready')).toMatchObject({
      reason: 'InvalidConfiguration',
      message: expect.stringMatching(/^the API server rejected the worker Job: /),
    });
    // The pair is not held by a claim: another MailSync of the pair could start.
    expect(w.ctx.claims.holder(hashOf(joe), `${NS}/other`)).toBeUndefined();
    // A later look (resync) tries again, at most once per look; nothing is written while it fails the same way.
    w.kube.fail({ verb: 'create', resource: 'jobs' }, 422, 'Invalid');
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({});
    expect(w.writes(mark).filter((a) => a.startsWith('patch'))).toEqual([]);
  });
});

describe('Secrets an informer holds (a migration per-account Secret)', () => {
  const reads = (w: World) => w.kube.actions.filter((a) => a.verb === 'get' && a.resource === 'secrets').length;
  const digested = (keys: string[]) => {
    const s = secret({ keys });
    s.data = Object.fromEntries(keys.map((k) => [k, 'sha256:digest']));
    return s;
  };

  it('are not read again: the Job is created without a GET of the Secret', async () => {
    const w = new World([joe, secret()]);
    w.ctx.secrets.useCache((namespace, name) => (name === 'joe-passwords' ? digested(['old', 'new']) : undefined));
    await w.reconcile('joe');
    expect(w.job(JOB)).toBeDefined();
    expect(reads(w)).toBe(0);
  });

  it('a key missing in the cached Secret is SecretKeyNotFound, still without a read', async () => {
    const w = new World([joe, secret()]);
    w.ctx.secrets.useCache(() => digested(['old']));
    await w.reconcile('joe');
    expect(w.job(JOB)).toBeUndefined();
    expect(condition(w.status(), 'Ready')).toMatchObject({ reason: 'SecretKeyNotFound' });
    expect(reads(w)).toBe(0);
  });

  it('one the cache does not hold is read (absent there is not missing)', async () => {
    const w = new World([joe, secret()]);
    w.ctx.secrets.useCache(() => undefined);
    await w.reconcile('joe');
    expect(w.job(JOB)).toBeDefined();
    expect(reads(w)).toBe(1);
  });
});
