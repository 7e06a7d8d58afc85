/**
 * Tenants on one cluster (issue 10): two namespaces syncing the same account
 * pair do not see each other (the second waits, told only that the pair is
 * busy elsewhere); a run whose pod cannot be scheduled fails after
 * spec.startDeadlineSeconds with the scheduler's reason and frees the pair;
 * resource names other than cpu, memory and ephemeral-storage are rejected at
 * admission; --secret-selector refuses an unlabelled Secret;
 * --max-worker-resources refuses a MailSync asking for more; a ConfigMap
 * named like a MailSync's but not controlled by it is refused and left
 * untouched. The worker
 * image is never pulled (pull policy Never): only the controller's decisions
 * are under test, no IMAP server is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import type { Condition } from '../../src/api/status.js';
import { jobNameForPair, pairHash } from '../../src/controller/pair-hash.js';
import { paths } from '../../src/controller/paths.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import {
  clusterSkipReason,
  connect,
  createMailSync,
  createNamespace,
  createSecret,
  deleteNamespace,
  getMailSync,
  installCrd,
  listEvents,
  listJobs,
  mailSyncObject,
  rejection,
  waitFor,
} from './helpers/kube.js';

const skip = clusterSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/tenant.e2e.test.ts: ${skip}`);

const NEVER_PULLED = 'mailsync-e2e.invalid/not-there:never';

const spec = (user: string, over: Partial<MailSyncSpec> = {}): MailSyncSpec => ({
  source: { host: '127.0.0.1', port: 1, user, passwordSecretRef: { name: 'creds', key: 'source' } },
  destination: { host: '127.0.0.1', port: 2, user, passwordSecretRef: { name: 'creds', key: 'destination' } },
  gracePeriodSeconds: 2,
  retry: { limit: 0 },
  ...over,
});

const ready = (ms: MailSync | undefined): Condition | undefined =>
  ms?.status?.conditions?.find((c) => c.type === 'Ready');

describe.skipIf(skip)('tenants on one cluster', { timeout: 300_000 }, () => {
  let client: KubeClient;
  let nsA: string;
  let nsB: string;
  let nsSel: string;
  let controller: ControllerProcess;
  let selective: ControllerProcess;

  const waitStatus = (ns: string, name: string, what: string, test: (ms: MailSync) => boolean, timeoutMs = 90_000) =>
    waitFor(
      `${ns}/${name}: ${what}`,
      async () => {
        const ms = await getMailSync(client, ns, name);
        return ms && test(ms) ? ms : undefined;
      },
      timeoutMs,
      500,
      async () => JSON.stringify((await getMailSync(client, ns, name))?.status ?? 'no such MailSync').slice(0, 2000),
    );

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    nsA = await createNamespace(client, 'e2e-tenant-a');
    nsB = await createNamespace(client, 'e2e-tenant-b');
    nsSel = await createNamespace(client, 'e2e-tenant-sel');
    for (const ns of [nsA, nsB, nsSel]) {
      await createSecret(client, ns, 'creds', { source: 'pw-src-never-shown', destination: 'pw-dst-never-shown' });
    }
    [controller, selective] = await Promise.all([
      startController({ namespaces: [nsA, nsB], image: NEVER_PULLED, imagePullPolicy: 'Never', resyncSeconds: 5 }),
      startController({
        namespaces: [nsSel],
        image: NEVER_PULLED,
        imagePullPolicy: 'Never',
        resyncSeconds: 5,
        env: { MAILSYNC_SECRET_SELECTOR: 'mailsync.io/credentials=true', MAILSYNC_MAX_WORKER_RESOURCES: 'memory=4Gi' },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([controller?.stop(), selective?.stop()]);
    for (const ns of [nsA, nsB, nsSel]) if (client && ns) await deleteNamespace(client, ns);
  });

  it('the same pair in two namespaces: the second waits, told only that the pair is busy elsewhere', async () => {
    await createMailSync(client, nsA, 'holder', spec('shared'));
    const job = jobNameForPair(pairHash(spec('shared')));
    await waitFor(`${nsA}/${job} created`, async () =>
      (await listJobs(client, nsA)).some((j) => j.metadata?.name === job),
    );
    await createMailSync(client, nsB, 'other-tenant', spec('shared'));
    const waiting = await waitStatus(nsB, 'other-tenant', 'Waiting', (ms) => ms.status?.phase === 'Waiting');
    expect(ready(waiting)).toMatchObject({
      reason: 'AccountPairBusy',
      message: 'the account pair is busy in another namespace; this one runs when that sync ends',
    });
    expect(waiting.status?.waitingFor).toBeUndefined();
    expect(waiting.status?.logTail ?? []).toEqual([]);
    expect(await listJobs(client, nsB)).toEqual([]);
    const told = JSON.stringify([waiting.status, await listEvents(client, nsB, 'other-tenant')]);
    expect(told).not.toContain(nsA);
    expect(told).not.toContain('holder');

    // Within one namespace nothing changed: the waiter is told who holds the pair.
    await createMailSync(client, nsA, 'same-tenant', spec('shared'));
    const sameNs = await waitStatus(nsA, 'same-tenant', 'Waiting', (ms) => ms.status?.phase === 'Waiting');
    expect(sameNs.status?.waitingFor).toBe(`${nsA}/holder`);
    expect(ready(sameNs)?.message).toContain(`MailSync ${nsA}/holder (Job ${nsA}/${job})`);
  });

  it('rejects resource names other than cpu, memory and ephemeral-storage at admission', async () => {
    const message = await rejection(
      client.create(
        paths.mailSyncs(nsA),
        mailSyncObject(nsA, 'gpu', spec('gpu', { resources: { limits: { cpu: '1', 'nvidia.com/gpu': 8 } } })),
      ),
    );
    expect(message).toContain('only cpu, memory and ephemeral-storage may be requested or limited');
  });

  it('a pod that cannot be scheduled fails after startDeadlineSeconds with the scheduler’s reason and frees the pair', async () => {
    const huge = spec('huge', {
      startDeadlineSeconds: 15,
      resources: { requests: { memory: '1000Gi' }, limits: { memory: '1000Gi' } },
    });
    await createMailSync(client, nsA, 'too-big', huge);
    const job = jobNameForPair(pairHash(huge));
    await waitFor(`${nsA}/${job} created for too-big`, async () =>
      (await listJobs(client, nsA)).some((j) => j.metadata?.ownerReferences?.[0]?.name === 'too-big'),
    );
    await createMailSync(client, nsA, 'next-in-line', spec('huge'));
    const queued = await waitStatus(nsA, 'next-in-line', 'Waiting', (ms) => ms.status?.phase === 'Waiting');
    expect(queued.status?.waitingFor).toBe(`${nsA}/too-big`);

    const failed = await waitStatus(nsA, 'too-big', 'StartDeadlineExceeded', (ms) => ms.status?.phase === 'Failed');
    expect(failed.status?.lastError?.reason).toBe('StartDeadlineExceeded');
    expect(failed.status?.lastError?.message).toMatch(
      /^the worker pod was not running within spec\.startDeadlineSeconds \(15 s\): Unschedulable: 0\/\d+ nodes are available: .*Insufficient memory/,
    );
    const events = await listEvents(client, nsA, 'too-big');
    expect(events.some((e) => e.reason === 'StartDeadlineExceeded' && e.type === 'Warning')).toBe(true);

    // The pair is free: the next MailSync of the pair gets its own Job (same name, owned by it).
    const started = await waitFor(`${nsA}/${job} owned by next-in-line`, async () => {
      const jobs = await listJobs(client, nsA);
      const mine = jobs.find((j) => j.metadata?.name === job && !j.metadata.deletionTimestamp);
      return mine?.metadata?.ownerReferences?.[0]?.name === 'next-in-line' ? mine : undefined;
    });
    expect(started.spec?.activeDeadlineSeconds).toBe(604800);
    expect((await getMailSync(client, nsA, 'too-big'))?.status?.phase).toBe('Failed');
  });

  it('--secret-selector: a Secret without the label is refused (SecretNotAllowed), a labelled one is used', async () => {
    await createMailSync(client, nsSel, 'unlabelled', spec('unlabelled'));
    const refused = await waitStatus(
      nsSel,
      'unlabelled',
      'SecretNotAllowed',
      (ms) => ready(ms)?.reason === 'SecretNotAllowed',
    );
    expect(refused.status?.phase).toBe('Failed');
    expect(ready(refused)?.message).toBe(
      `spec.source.passwordSecretRef: Secret ${nsSel}/creds is not allowed: this controller only uses Secrets matching the label selector mailsync.io/credentials=true (--secret-selector)`,
    );
    expect(await listJobs(client, nsSel)).toEqual([]);

    await client.create(`/api/v1/namespaces/${nsSel}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'labelled', namespace: nsSel, labels: { 'mailsync.io/credentials': 'true' } },
      stringData: { source: 'pw-src-never-shown', destination: 'pw-dst-never-shown' },
    });
    const ref = { name: 'labelled', key: 'source' };
    await createMailSync(
      client,
      nsSel,
      'labelled',
      spec('labelled', {
        source: { ...spec('labelled').source, passwordSecretRef: ref },
        destination: { ...spec('labelled').destination, passwordSecretRef: { ...ref, key: 'destination' } },
      }),
    );
    await waitFor('a Job for the MailSync with a labelled Secret', async () =>
      (await listJobs(client, nsSel)).some((j) => j.metadata?.ownerReferences?.[0]?.name === 'labelled'),
    );
    // The refused one stayed refused without a retry storm: the controller logged it a handful of times at most.
    const refusals = selective
      .lines()
      .filter((l) => l.name === 'unlabelled' && String(l.msg).includes('SecretNotAllowed'));
    expect(refusals.length).toBeLessThan(10);
    expect(selective.output() + controller.output()).not.toContain('never-shown');
  });

  it('--max-worker-resources: a MailSync asking for more gets ResourcesOverMaximum and no Job', async () => {
    // Checked before its Secrets (here unlabelled): the refusal names the resources, not the selector.
    const greedy = spec('greedy', { resources: { limits: { memory: '5Gi' } } });
    await createMailSync(client, nsSel, 'greedy', greedy);
    const refused = await waitStatus(
      nsSel,
      'greedy',
      'ResourcesOverMaximum',
      (ms) => ready(ms)?.reason === 'ResourcesOverMaximum',
    );
    expect(refused.status?.phase).toBe('Failed');
    expect(ready(refused)?.message).toBe(
      'spec.resources.limits.memory 5Gi is above the maximum 4Gi this controller allows (--max-worker-resources)',
    );
    expect((await listJobs(client, nsSel)).filter((j) => j.metadata?.ownerReferences?.[0]?.name === 'greedy')).toEqual(
      [],
    );
  });

  it('a ConfigMap named mailsync-<name> that the MailSync does not control: ConfigMapNotOwned, left as it was', async () => {
    const planted = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'mailsync-planted', namespace: nsA },
      data: { 'spec.json': '{"source":{"host":"attacker.example"}}' },
    };
    await client.create(`/api/v1/namespaces/${nsA}/configmaps`, planted);
    await createMailSync(client, nsA, 'planted', spec('planted'));
    const refused = await waitStatus(
      nsA,
      'planted',
      'ConfigMapNotOwned',
      (ms) => ready(ms)?.reason === 'ConfigMapNotOwned',
    );
    expect(refused.status?.phase).toBe('Pending');
    expect(ready(refused)?.message).toBe(
      `ConfigMap ${nsA}/mailsync-planted has no controller, not by this MailSync: it is neither read nor overwritten; delete or rename it`,
    );
    const after = await client.get<{ data?: Record<string, string>; metadata: { ownerReferences?: unknown[] } }>(
      `/api/v1/namespaces/${nsA}/configmaps/mailsync-planted`,
    );
    expect(after.data).toEqual(planted.data);
    expect(after.metadata.ownerReferences).toBeUndefined();
    expect((await listJobs(client, nsA)).filter((j) => j.metadata?.ownerReferences?.[0]?.name === 'planted')).toEqual(
      [],
    );
  });
});
