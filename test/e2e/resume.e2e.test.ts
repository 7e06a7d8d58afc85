/**
 * The controller dies mid-sync (kill -9), or the leader of two replicas
 * does: the next controller picks the run up, resumes following the log
 * where the status says it stopped (no line twice, none lost) and finishes
 * the status with the worker's summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { paths } from '../../src/controller/paths.js';
import { RunLog } from '../../src/controller/run-log.js';
import { type KubeClient, readAll } from '../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { removeNamespace, waitMailSync } from './helpers/fixture.js';
import {
  connect,
  createMailSync,
  createNamespace,
  createSecret,
  IMAGE,
  imageSkipReason,
  installCrd,
  listPods,
  sleep,
  waitFor,
} from './helpers/kube.js';
import { addUserOnBoth, mailboxes, seedMailbox } from './helpers/mail.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/resume.e2e.test.ts: ${skip}`);

describe.skipIf(skip)('controller restarts and leader changes mid-sync', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  const controllers: ControllerProcess[] = [];

  const waitStatus = (name: string, what: string, test: (ms: MailSync) => boolean, timeoutMs = 240_000) =>
    waitMailSync(client, ns, name, what, test, { timeoutMs });

  async function account(user: string, messages: number): Promise<MailSyncSpec> {
    const sourcePassword = `src-${user}-${Math.random().toString(36).slice(2)}`;
    const destinationPassword = `dst-${user}-${Math.random().toString(36).slice(2)}`;
    await addUserOnBoth(pair, user, { a: sourcePassword, b: destinationPassword });
    await createSecret(client, ns, `${user}-creds`, {
      source: sourcePassword,
      destination: destinationPassword,
      'ca.crt': pair.a.caPem,
    });
    await seedMailbox(pair.a, user, messages);
    const side = (port: number, key: string) => ({
      host: '127.0.0.1',
      port,
      tls: 'implicit' as const,
      user,
      passwordSecretRef: { name: `${user}-creds`, key },
      caSecretRef: { name: `${user}-creds`, key: 'ca.crt' },
    });
    return {
      source: side(pair.a.implicitTlsPort, 'source'),
      destination: side(pair.b.implicitTlsPort, 'destination'),
      // One message per APPEND, 3 per second: the run lasts long enough to be interrupted.
      throttle: { maxMessagesPerSecond: 3 },
      performance: { batchMessages: 1 },
    };
  }

  /** What the logTail must be: the whole worker log rendered once, in order. */
  async function expectedTail(jobName: string): Promise<string[]> {
    const pods = await listPods(client, ns, `batch.kubernetes.io/job-name=${jobName}`);
    expect(pods).toHaveLength(1);
    const pod = pods[0]!.metadata!.name!;
    const response = await client.open('GET', paths.podLog(ns, pod), {
      query: { container: 'worker', timestamps: true },
    });
    const log = new RunLog();
    log.beginPod(pod);
    for (const line of (await readAll(response)).split('\n')) if (line) log.apply(line);
    return log.snapshot().logTail;
  }

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-resume');
    pair = await startDovecotPair();
  });

  afterAll(async () => {
    // The namespace goes first, while a controller runs: the MailSyncs' finalizers need it.
    if (client && ns && !controllers.some((c) => c.process.exitCode === null && c.process.signalCode === null)) {
      controllers.push(await startController({ namespaces: [ns], image: IMAGE! }));
    }
    await removeNamespace(client, ns);
    for (const c of controllers) await c.stop();
    await pair?.stop();
  });

  it('a controller killed mid-sync and started again resumes the log stream and finishes the status', async () => {
    const spec = await account('frank', 30);
    const first = await startController({ namespaces: [ns], image: IMAGE! });
    controllers.push(first);
    await createMailSync(client, ns, 'frank', spec);
    const before = await waitStatus(
      'frank',
      'copying with a log',
      (ms) => (ms.status?.progress?.messagesCopied ?? 0) >= 3 && (ms.status?.logTail?.length ?? 0) >= 3,
    );
    expect(before.status?.logStream?.pod).toBeDefined();
    await first.kill();
    await sleep(3000);
    const second = await startController({ namespaces: [ns], image: IMAGE! });
    controllers.push(second);
    const done = await waitStatus('frank', 'Succeeded', (ms) => ms.status?.phase === 'Succeeded');
    expect(done.status?.summary?.reason).toBe('Succeeded');
    const tail = done.status!.logTail!;
    expect(new Set(tail).size, 'no line twice').toBe(tail.length);
    expect(tail).toEqual(await expectedTail(done.status!.jobName!));
    const { source, destination } = await mailboxes(pair, 'frank');
    expect(destination).toEqual(source);
    await second.stop();
  });

  it('with two replicas, killing the leader mid-sync: the standby takes over and finishes the status', async () => {
    const spec = await account('gina', 30);
    const lease = { leaderElect: true, leaseName: 'mailsync-e2e', leaseNamespace: ns };
    const a = await startController({ namespaces: [ns], image: IMAGE!, ...lease, name: 'replica-a' });
    controllers.push(a);
    const leaderOf = async (c: ControllerProcess) => /^mailsync_leader 1$/m.test(await c.metrics().catch(() => ''));
    await waitFor('replica-a leads', () => leaderOf(a), 60_000);
    const b = await startController({ namespaces: [ns], image: IMAGE!, ...lease, name: 'replica-b' });
    controllers.push(b);
    expect(await leaderOf(b)).toBe(false);

    await createMailSync(client, ns, 'gina', spec);
    await waitStatus('gina', 'copying', (ms) => (ms.status?.progress?.messagesCopied ?? 0) >= 3);
    await a.kill();
    const killedAt = Date.now();
    await waitFor('replica-b leads', () => leaderOf(b), 60_000, 200);
    // Information, not an assertion (no timed assertions): the Lease lasts 15 s.
    console.log(`standby took over ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the leader was killed`);
    const done = await waitStatus('gina', 'Succeeded', (ms) => ms.status?.phase === 'Succeeded');
    const tail = done.status!.logTail!;
    expect(new Set(tail).size, 'no line twice').toBe(tail.length);
    expect(tail).toEqual(await expectedTail(done.status!.jobName!));
    expect(done.status?.summary?.messagesTransferred).toBeGreaterThan(0);
    const leaseObject = await client.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>(
      paths.lease(ns, 'mailsync-e2e'),
    );
    expect(leaseObject.spec.holderIdentity).toMatch(/^replica-b_/);
    expect(leaseObject.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
  });
});
