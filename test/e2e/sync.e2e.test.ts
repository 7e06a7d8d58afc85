/**
 * End to end in the cluster: the controller (a local process) runs real
 * worker pods (MAILSYNC_IMAGE, host network) that sync between two real
 * Dovecot servers on 127.0.0.1. Source and destination are compared by
 * listing both, not by trusting the engine's counters.
 */
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import type { Condition } from '../../src/api/status.js';
import { paths } from '../../src/controller/paths.js';
import { type KubeClient, readAll } from '../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import {
  connect,
  createMailSync,
  createNamespace,
  createSecret,
  deleteNamespace,
  getMailSync,
  IMAGE,
  imageSkipReason,
  installCrd,
  listEvents,
  listJobs,
  listPods,
  sleep,
  waitFor,
} from './helpers/kube.js';
import { addUserOnBoth, mailboxes, seedMailbox } from './helpers/mail.js';
import { podProcesses } from './helpers/worker-process.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/sync.e2e.test.ts: ${skip}`);

const ready = (ms: MailSync | undefined): Condition | undefined =>
  ms?.status?.conditions?.find((c) => c.type === 'Ready');

describe.skipIf(skip)('MailSync end to end (worker pods, real Dovecot)', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  let controller: ControllerProcess;
  /** Every secret value used: none may appear in any log, status, event or metric. */
  const secrets: string[] = [];
  /** Every MailSync as seen during the tests (for the secret scan). */
  const seen: string[] = [];

  const get = async (name: string) => {
    const ms = await getMailSync(client, ns, name);
    if (ms) seen.push(JSON.stringify(ms));
    return ms;
  };
  const waitStatus = (name: string, what: string, test: (ms: MailSync) => boolean, timeoutMs = 240_000) =>
    waitFor(
      `${name}: ${what}`,
      async () => {
        const ms = await get(name);
        return ms && test(ms) ? ms : undefined;
      },
      timeoutMs,
      500,
      async () => JSON.stringify((await getMailSync(client, ns, name))?.status ?? 'no such MailSync').slice(0, 2000),
    );

  /** Users with their passwords on both servers and a Secret holding them (and the CA). */
  async function account(user: string, messages: number, options: { wrongDestinationPassword?: boolean } = {}) {
    const sourcePassword = `src-${user}-${Math.random().toString(36).slice(2)}`;
    const destinationPassword = `dst-${user}-${Math.random().toString(36).slice(2)}`;
    secrets.push(sourcePassword, destinationPassword);
    await addUserOnBoth(pair, user, { a: sourcePassword, b: destinationPassword });
    await createSecret(client, ns, `${user}-creds`, {
      source: sourcePassword,
      destination: options.wrongDestinationPassword ? `${destinationPassword}-wrong` : destinationPassword,
      'ca.crt': pair.a.caPem,
    });
    if (options.wrongDestinationPassword) secrets.push(`${destinationPassword}-wrong`);
    const total = messages > 0 ? await seedMailbox(pair.a, user, messages) : 0;
    return { total };
  }

  const endpointSpec = (user: string, port: number, side: 'source' | 'destination') => ({
    host: '127.0.0.1',
    port,
    tls: 'implicit' as const,
    user,
    passwordSecretRef: { name: `${user}-creds`, key: side },
    caSecretRef: { name: `${user}-creds`, key: 'ca.crt' },
  });

  const specFor = (user: string, over: Partial<MailSyncSpec> = {}): MailSyncSpec => ({
    source: endpointSpec(user, pair.a.implicitTlsPort, 'source'),
    destination: endpointSpec(user, pair.b.implicitTlsPort, 'destination'),
    ...over,
  });

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-sync');
    pair = await startDovecotPair();
    controller = await startController({ namespaces: [ns], image: IMAGE! });
  });

  afterAll(async () => {
    await controller?.stop();
    await pair?.stop();
    if (client && ns) await deleteNamespace(client, ns);
  });

  it('apply: the MailSync ends Succeeded and the mail is really on the destination (OAuth2 on one side)', async () => {
    const { total } = await account('alice', 20);
    const token = pair.oauth.issue('alice');
    secrets.push(token);
    await createSecret(client, ns, 'alice-token', { token });
    await createMailSync(
      client,
      ns,
      'alice',
      specFor('alice', {
        destination: {
          ...endpointSpec('alice', pair.b.implicitTlsPort, 'destination'),
          passwordSecretRef: undefined,
          oauth2TokenSecretRef: { name: 'alice-token', key: 'token' },
        },
      }),
    );
    const done = await waitStatus('alice', 'finished', (ms) =>
      ['Succeeded', 'Failed'].includes(ms.status?.phase ?? ''),
    );
    expect(done.status?.lastError, JSON.stringify(done.status?.logTail)).toBeUndefined();
    expect(done.status?.phase).toBe('Succeeded');
    expect(ready(done)).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(done.status?.summary).toMatchObject({ reason: 'Succeeded', exitCode: 0, messagesTransferred: total });
    expect(done.status?.progress?.display).toBe(`${total}/${total}`);
    expect(done.status?.logTail?.some((l) => l.startsWith('Verdict: success'))).toBe(true);
    expect(done.status?.completionTime).toBeDefined();
    const { source, destination } = await mailboxes(pair, 'alice');
    expect(destination).toEqual(source);
    const reasons = (await listEvents(client, ns, 'alice')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['JobCreated', 'Succeeded']));
  });

  it('a spec change after completion starts a new run: a delta pass with the state of the last run', async () => {
    const before = (await get('alice'))!;
    const cm = await client.get<{ data: Record<string, string> }>(paths.configMap(ns, 'mailsync-alice'));
    expect(cm.data['state.json'], 'delta state kept in the ConfigMap').toBeDefined();
    await client.mergePatch(paths.mailSync(ns, 'alice'), { spec: { errorsMax: 10 } });
    const again = await waitStatus(
      'alice',
      'second run finished',
      (ms) => (ms.status?.runGeneration ?? 0) >= 2 && ms.status?.phase === 'Succeeded',
    );
    expect(again.status?.startTime).not.toBe(before.status?.startTime);
    expect(again.status?.summary?.messagesTransferred).toBe(0);
    const job = await client.get<V1Job>(paths.job(ns, again.status!.jobName!));
    const env = job.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'MAILSYNC_STATE_FILE')?.value).toBe('/var/run/mailsync/state/state.json');
  });

  it('a second MailSync for the same account pair waits, mirrors the running log, then runs', async () => {
    const { total } = await account('bob', 30);
    await createMailSync(
      client,
      ns,
      'bob-1',
      specFor('bob', { throttle: { maxMessagesPerSecond: 4 }, performance: { batchMessages: 1 } }),
    );
    await waitStatus(
      'bob-1',
      'running with a log',
      (ms) => ms.status?.phase === 'Running' && (ms.status?.logTail?.length ?? 0) > 0,
    );
    await createMailSync(client, ns, 'bob-2', specFor('bob'));
    const waiting = await waitStatus(
      'bob-2',
      'waiting with the mirrored log',
      (ms) => ms.status?.phase === 'Waiting' && (ms.status?.logTail?.length ?? 0) > 0,
    );
    expect(waiting.status?.waitingFor).toBe(`${ns}/bob-1`);
    expect(ready(waiting)?.reason).toBe('AccountPairBusy');
    expect(waiting.status?.logTail?.some((l) => /Sync started|Connected to|Folder/.test(l))).toBe(true);
    const first = await waitStatus('bob-1', 'Succeeded', (ms) => ms.status?.phase === 'Succeeded');
    expect(first.status?.summary?.messagesTransferred).toBe(total);
    const second = await waitStatus('bob-2', 'Succeeded', (ms) => ms.status?.phase === 'Succeeded');
    // Everything was there already: the second run copies nothing and duplicates nothing.
    expect(second.status?.summary?.messagesTransferred).toBe(0);
    const jobs = await listJobs(client, ns);
    const bobJob = jobs.find((j) => j.metadata?.name === second.status?.jobName);
    expect(bobJob?.metadata?.ownerReferences?.[0]?.uid).toBe(second.metadata.uid);
    const { source, destination } = await mailboxes(pair, 'bob');
    expect(destination).toEqual(source);
  });

  it('kubectl delete mid-sync: TERM, the summary is kept in an Event, the pod is gone before the grace period ends; a new MailSync then completes exactly', async () => {
    const grace = 60;
    await account('carol', 60);
    await createMailSync(
      client,
      ns,
      'carol',
      specFor('carol', {
        throttle: { maxMessagesPerSecond: 4 },
        performance: { batchMessages: 1 },
        gracePeriodSeconds: grace,
      }),
    );
    const running = await waitStatus('carol', 'copying', (ms) => (ms.status?.progress?.messagesCopied ?? 0) >= 4);
    const jobName = running.status!.jobName!;
    const deletedAt = Date.now();
    await client.delete(paths.mailSync(ns, 'carol'));
    await waitFor('carol gone', async () => (await get('carol')) === undefined, (grace + 60) * 1000);
    await waitFor(
      'worker pods gone',
      async () => (await listPods(client, ns, `batch.kubernetes.io/job-name=${jobName}`)).length === 0,
      (grace + 60) * 1000,
    );
    const elapsed = (Date.now() - deletedAt) / 1000;
    expect(elapsed, 'the worker stopped on TERM, not by KILL at the end of the grace period').toBeLessThan(grace);
    const aborted = (await listEvents(client, ns, 'carol')).find((e) => e.reason === 'Aborted');
    expect(aborted?.message).toMatch(/^sync aborted by deletion: .*transferred \d+, skipped \d+, failed \d+/);
    expect(aborted?.message).not.toContain('no summary');
    // Nothing half-written: every destination message is a source message.
    const partial = await mailboxes(pair, 'carol');
    for (const [folder, messages] of Object.entries(partial.destination)) {
      for (const m of messages) expect(partial.source[folder]).toContain(m);
    }
    await createMailSync(client, ns, 'carol-again', specFor('carol'));
    const done = await waitStatus('carol-again', 'Succeeded', (ms) => ms.status?.phase === 'Succeeded');
    expect(done.status?.summary?.reason).toBe('Succeeded');
    const { source, destination } = await mailboxes(pair, 'carol');
    expect(destination).toEqual(source);
  });

  it('a worker that ignores TERM is KILLed at the end of the grace period', async (testContext) => {
    const grace = 5;
    await account('dave', 40);
    const proxy = await startFaultProxy({ host: '127.0.0.1', port: pair.b.implicitTlsPort });
    try {
      await createMailSync(
        client,
        ns,
        'dave',
        specFor('dave', {
          destination: endpointSpec('dave', proxy.port, 'destination'),
          throttle: { maxMessagesPerSecond: 4 },
          performance: { batchMessages: 1 },
          gracePeriodSeconds: grace,
        }),
      );
      const running = await waitStatus('dave', 'copying', (ms) => (ms.status?.progress?.messagesCopied ?? 0) >= 2);
      const pods = await listPods(client, ns, `batch.kubernetes.io/job-name=${running.status!.jobName}`);
      const pids = podProcesses(pods[0]!.metadata!.uid!);
      if (pids.length === 0) {
        console.warn('SKIPPED TERM-ignoring worker: the worker process is not on this machine (not the local cluster)');
        testContext.skip();
        return;
      }
      // A stopped process cannot act on TERM; only KILL ends it.
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      proxy.stallAll();
      const deletedAt = Date.now();
      await client.delete(paths.mailSync(ns, 'dave'));
      await waitFor(
        'worker pod gone',
        async () =>
          (await listPods(client, ns, `batch.kubernetes.io/job-name=${running.status!.jobName}`)).length === 0,
        (grace + 90) * 1000,
      );
      const elapsed = (Date.now() - deletedAt) / 1000;
      expect(elapsed, 'KILL only once the grace period was over').toBeGreaterThanOrEqual(grace - 0.5);
      await waitFor('dave gone', async () => (await get('dave')) === undefined, 60_000);
      const aborted = (await listEvents(client, ns, 'dave')).find((e) => e.reason === 'Aborted');
      expect(aborted?.message).toContain('no summary from the worker');
    } finally {
      await proxy.close();
    }
  });

  it('a wrong password ends Failed/AuthenticationFailed, with one pod and no retry', async () => {
    await account('erin', 3, { wrongDestinationPassword: true });
    await createMailSync(client, ns, 'erin', specFor('erin', { backoffLimit: 3 }));
    const failed = await waitStatus('erin', 'Failed', (ms) => ms.status?.phase === 'Failed');
    expect(failed.status?.lastError?.reason).toBe('AuthenticationFailed');
    expect(ready(failed)?.reason).toBe('AuthenticationFailed');
    expect(failed.status?.summary?.exitCode).toBe(15);
    // No retry storm: stays failed, one Job, one pod, even with backoffLimit 3.
    await sleep(15_000);
    const later = (await get('erin'))!;
    expect(later.status?.phase).toBe('Failed');
    expect(later.status?.startTime).toBe(failed.status?.startTime);
    const pods = await listPods(client, ns, `batch.kubernetes.io/job-name=${failed.status!.jobName}`);
    expect(pods).toHaveLength(1);
    const events = (await listEvents(client, ns, 'erin')).filter((e) => e.reason === 'AuthenticationFailed');
    expect(events).toHaveLength(1);
  });

  it('no password or token appears in any log, status, event or metric', async () => {
    const texts: [string, string][] = [['controller log', controller.output()]];
    texts.push(['metrics', await controller.metrics()]);
    for (const ms of seen) texts.push(['MailSync', ms]);
    const all = await client.get<{ items: unknown[] }>(paths.mailSyncs(ns));
    texts.push(['MailSyncs now', JSON.stringify(all)]);
    texts.push(['events', JSON.stringify(await client.get(paths.events(ns)))]);
    texts.push(['jobs', JSON.stringify(await listJobs(client, ns))]);
    texts.push(['configmaps', JSON.stringify(await client.get(`/api/v1/namespaces/${ns}/configmaps`))]);
    for (const pod of await listPods(client, ns, 'mailsync.io/pair')) {
      texts.push([`pod ${pod.metadata?.name}`, JSON.stringify(pod)]);
      try {
        const log = await client.open('GET', paths.podLog(ns, pod.metadata!.name!), { query: { container: 'worker' } });
        texts.push([`log of ${pod.metadata?.name}`, await readAll(log)]);
      } catch {
        // a pod without a log (never started)
      }
    }
    expect(secrets.length).toBeGreaterThan(0);
    const leaks = texts.flatMap(([where, text]) => secrets.filter((s) => text.includes(s)).map(() => where));
    expect(leaks).toEqual([]);
  });
});
