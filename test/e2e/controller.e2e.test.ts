/**
 * The controller against a real API server, with worker pods that never
 * start (an image that is not there, pull policy Never: no network needed):
 * Job layout and ownership, missing Secret and invalid regex conditions,
 * exclusivity of the account pair, abort on delete with the finalizer,
 * suspend, spec change while a run is on. The sync itself is in sync.e2e.
 */
import type { V1Job } from '@kubernetes/client-node';
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
  waitFor,
} from './helpers/kube.js';

const skip = clusterSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/controller.e2e.test.ts: ${skip}`);

const NEVER_PULLED = 'mailsync-e2e.invalid/not-there:never';

const spec = (user: string, over: Partial<MailSyncSpec> = {}): MailSyncSpec => ({
  source: { host: '127.0.0.1', port: 1, user, passwordSecretRef: { name: 'creds', key: 'source' } },
  destination: { host: '127.0.0.1', port: 2, user, passwordSecretRef: { name: 'creds', key: 'destination' } },
  gracePeriodSeconds: 7,
  ...over,
});

const ready = (ms: MailSync | undefined): Condition | undefined =>
  ms?.status?.conditions?.find((c) => c.type === 'Ready');

describe.skipIf(skip)('controller on a real API server', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let controller: ControllerProcess;

  const waitStatus = (name: string, what: string, test: (ms: MailSync) => boolean, timeoutMs = 90_000) =>
    waitFor(
      `${name}: ${what}`,
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
    ns = await createNamespace(client, 'e2e-ctrl');
    controller = await startController({ namespaces: [ns], image: NEVER_PULLED, imagePullPolicy: 'Never' });
  });
  afterAll(async () => {
    await controller?.stop();
    if (client && ns) await deleteNamespace(client, ns);
  });

  it('waits with a clear condition while a Secret is missing, then creates the Job once it exists', async () => {
    await createMailSync(client, ns, 'alice', spec('alice'));
    const pending = await waitStatus('alice', 'SecretNotFound', (ms) => ready(ms)?.reason === 'SecretNotFound');
    expect(pending.status?.phase).toBe('Pending');
    expect(ready(pending)?.message).toContain(`Secret ${ns}/creds not found`);
    expect(pending.metadata.finalizers).toContain('mailsync.io/abort');
    expect(await listJobs(client, ns)).toEqual([]);
    const events = await listEvents(client, ns, 'alice');
    expect(events.some((e) => e.reason === 'SecretNotFound' && e.type === 'Warning')).toBe(true);

    await createSecret(client, ns, 'creds', { source: 'pw-source', destination: 'pw-destination' });
    const started = await waitStatus('alice', 'a Job', (ms) => ms.status?.jobName !== undefined, 180_000);
    expect(started.status?.jobName).toBe(jobNameForPair(pairHash(spec('alice'))));
  });

  it('builds the Job as documented: owned, labelled, locked down, one pod at a time', async () => {
    const ms = (await getMailSync(client, ns, 'alice'))!;
    const job = await client.get<V1Job>(paths.job(ns, ms.status!.jobName!));
    expect(job.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'MailSync', name: 'alice', uid: ms.metadata.uid, controller: true }),
    ]);
    expect(job.metadata?.labels?.['mailsync.io/pair']).toBe(ms.status?.pairHash);
    expect(job.spec?.podReplacementPolicy).toBe('Failed');
    expect(job.spec?.backoffLimit).toBe(1);
    const pod = job.spec!.template.spec!;
    expect(pod.terminationGracePeriodSeconds).toBe(7);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0]?.args).toEqual(['worker']);
    expect(pod.containers[0]?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(pod.volumes?.find((v) => v.name === 'source-secrets')?.projected?.sources).toEqual([
      { secret: { name: 'creds', items: [{ key: 'source', path: 'password' }] } },
    ]);
    // The worker cannot start (no image): Pending, with the reason in the condition.
    const waiting = await waitStatus('alice', 'pod pending reason', (m) =>
      /ErrImageNeverPull/.test(ready(m)?.message ?? ''),
    );
    expect(waiting.status?.phase).toBe('Pending');
    // The spec the worker reads is in the MailSync's ConfigMap, without any secret value.
    const cm = await client.get<{ data: Record<string, string> }>(paths.configMap(ns, 'mailsync-alice'));
    expect(JSON.parse(cm.data['spec.json']!).source.passwordSecretRef).toEqual({ name: 'creds', key: 'source' });
    expect(JSON.stringify(cm)).not.toContain('pw-source');
  });

  it('says a spec change applies to the next run while one is on', async () => {
    await client.mergePatch(paths.mailSync(ns, 'alice'), { spec: { errorsMax: 7 } });
    const changed = await waitStatus('alice', 'SpecChangePending', (ms) =>
      Boolean(ms.status?.conditions?.some((c) => c.type === 'SpecChangePending' && c.status === 'True')),
    );
    expect(changed.status?.pendingGeneration).toBe(2);
    expect(changed.status?.runGeneration).toBe(1);
  });

  it('makes a second MailSync for the same account pair wait, naming the first', async () => {
    await createMailSync(client, ns, 'alice-again', spec('alice'));
    const waiting = await waitStatus('alice-again', 'Waiting', (ms) => ms.status?.phase === 'Waiting');
    expect(ready(waiting)?.reason).toBe('AccountPairBusy');
    expect(ready(waiting)?.message).toContain(`${ns}/alice`);
    expect(waiting.status?.waitingFor).toBe(`${ns}/alice`);
    expect((await listJobs(client, ns)).length).toBe(1);
  });

  it('aborts on delete (finalizer), then the waiting MailSync runs its own Job', async () => {
    const first = (await getMailSync(client, ns, 'alice'))!;
    await client.delete(paths.mailSync(ns, 'alice'));
    await waitFor('alice gone', async () => (await getMailSync(client, ns, 'alice')) === undefined, 120_000);
    const second = await waitStatus(
      'alice-again',
      'its own Job',
      (ms) => ms.status?.phase === 'Pending' && ms.status?.jobName !== undefined,
      180_000,
    );
    const job = await client.get<V1Job>(paths.job(ns, second.status!.jobName!));
    expect(job.metadata?.ownerReferences?.[0]?.uid).toBe(second.metadata.uid);
    expect(job.metadata?.ownerReferences?.[0]?.uid).not.toBe(first.metadata.uid);
  });

  it('suspend aborts and keeps the MailSync as Aborted; unsuspend starts a new run', async () => {
    await client.mergePatch(paths.mailSync(ns, 'alice-again'), { spec: { suspend: true } });
    const aborted = await waitStatus('alice-again', 'Aborted', (ms) => ms.status?.phase === 'Aborted', 120_000);
    expect(ready(aborted)?.reason).toBe('Suspended');
    await waitFor('Job removed', async () => (await listJobs(client, ns)).length === 0, 120_000);
    await client.mergePatch(paths.mailSync(ns, 'alice-again'), { spec: { suspend: false } });
    const again = await waitStatus(
      'alice-again',
      'new run',
      (ms) => ms.status?.phase === 'Pending' && (ms.status?.runGeneration ?? 0) >= 3,
      120_000,
    );
    expect(again.status?.jobName).toBeDefined();
    await client.delete(paths.mailSync(ns, 'alice-again'));
    await waitFor(
      'alice-again gone',
      async () => (await getMailSync(client, ns, 'alice-again')) === undefined,
      120_000,
    );
  });

  it('fails an invalid regex at once, without creating a Job', async () => {
    await createMailSync(client, ns, 'regex', spec('regex', { folders: { include: ['(unclosed'] } }));
    const failed = await waitStatus('regex', 'InvalidConfiguration', (ms) => ms.status?.phase === 'Failed');
    expect(ready(failed)?.reason).toBe('InvalidConfiguration');
    expect(failed.status?.lastError?.message).toMatch(/folders\.include\[0\]: invalid regular expression/);
    expect(
      (await listJobs(client, ns)).filter((j) => j.metadata?.labels?.['mailsync.io/mailsync'] === 'regex'),
    ).toEqual([]);
  });

  it('exposes the documented metrics', async () => {
    const text = await controller.metrics();
    for (const name of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds',
      'workqueue_depth',
      'workqueue_adds_total',
      'workqueue_retries_total',
      'mailsync_syncs',
      'mailsync_messages_copied_total',
      'mailsync_bytes_copied_total',
      'mailsync_sync_duration_seconds',
      'mailsync_failures_total',
      'mailsync_log_streams_active',
      'mailsync_leader',
      'mailsync_status_writes_total',
    ]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).toMatch(/^controller_runtime_reconcile_total\{controller="mailsync",result="success"\} [1-9]/m);
    expect(text).toMatch(/^mailsync_leader 1$/m);
    expect(text).not.toMatch(/alice|pw-source|pw-destination/);
  });

  it('logs JSON with namespace and name on reconcile lines, and never a secret', () => {
    const lines = controller.lines();
    const perObject = lines.filter((l) => l.name === 'alice');
    expect(perObject.length).toBeGreaterThan(0);
    for (const line of perObject) expect(line.namespace).toBe(ns);
    expect(controller.output()).not.toMatch(/pw-source|pw-destination/);
  });
});
