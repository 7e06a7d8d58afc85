/**
 * Slow end to end (test/run-all.sh group e2e-slow): a 300,000-message INBOX
 * synced by a worker pod under the default worker memory limit (512Mi),
 * without an OOM kill, and the worker's peak memory in the MailSync status.
 *
 * Both servers get the folder written straight into their maildirs
 * (test/harness/maildir.ts): the destination lacks one message in 100, so the
 * run lists both sides in full (300,000 messages each), plans, copies the
 * 3,000 missing ones and verifies the whole folder again. That is the
 * memory-heaviest shape a run takes (a copy into an empty destination holds
 * less at any moment), without hours of APPENDs on a shared machine.
 *
 * MAILSYNC_BIG_E2E_MESSAGES overrides the folder size (e.g. a quick 20000).
 */
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { type ControllerProcess, startController } from '../e2e/helpers/controller-process.js';
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
  listJobs,
  listPods,
  waitFor,
} from '../e2e/helpers/kube.js';
import { addUserOnBoth } from '../e2e/helpers/mail.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { inboxMessageCount, writeMaildirInbox } from '../harness/maildir.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e-slow/big-folder.e2e.test.ts: ${skip}`);

const MESSAGES = Number(process.env.MAILSYNC_BIG_E2E_MESSAGES ?? 300_000);
/** The worker's default memory limit (src/controller/job-builder.ts), as the pod spec must show it. */
const DEFAULT_LIMIT = '512Mi';
const MIB = 1024 * 1024;
const missingOnDestination = (n: number) => n % 100 === 50;

/** Writing the folders dominates: about 3 ms a message on a busy 2-core machine. */
const TIMEOUT_MS = Math.max(1_200_000, MESSAGES * 3);

describe.skipIf(skip)(`a ${MESSAGES}-message folder in a worker pod`, { timeout: TIMEOUT_MS }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  let controller: ControllerProcess;

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-big');
    // Dovecot's default 256M per imap process is too little for a maildir of a million messages.
    pair = await startDovecotPair({ a: { vszLimit: '2G' }, b: { vszLimit: '2G' } });
    controller = await startController({ namespaces: [ns], image: IMAGE! });
  });

  afterAll(async () => {
    await controller?.stop();
    await pair?.stop();
    if (client && ns) await deleteNamespace(client, ns);
  });

  it('is synced under the default memory limit without an OOM kill; the status shows the peak memory', async () => {
    const user = 'big';
    const passwords = {
      a: `src-${Math.random().toString(36).slice(2)}`,
      b: `dst-${Math.random().toString(36).slice(2)}`,
    };
    await addUserOnBoth(pair, user, passwords);
    await createSecret(client, ns, 'big-creds', {
      source: passwords.a,
      destination: passwords.b,
      'ca.crt': pair.a.caPem,
    });
    const [source, destination] = await Promise.all([
      writeMaildirInbox(pair.a, user, MESSAGES),
      writeMaildirInbox(pair.b, user, MESSAGES, { include: (n) => !missingOnDestination(n) }),
    ]);
    const toCopy = source.messages - destination.messages;
    expect(source.messages).toBe(MESSAGES);
    expect(toCopy).toBe(MESSAGES / 100);

    const endpoint = (port: number, side: 'source' | 'destination') => ({
      host: '127.0.0.1',
      port,
      tls: 'implicit' as const,
      user,
      passwordSecretRef: { name: 'big-creds', key: side },
      caSecretRef: { name: 'big-creds', key: 'ca.crt' },
    });
    // No spec.resources: the worker gets the controller's default limits.
    await createMailSync(client, ns, 'big', {
      source: endpoint(pair.a.implicitTlsPort, 'source'),
      destination: endpoint(pair.b.implicitTlsPort, 'destination'),
      folders: { include: ['^INBOX$'] },
    });
    const done = await waitFor(
      'big: finished',
      async () => {
        const ms = await getMailSync(client, ns, 'big');
        return ms && ['Succeeded', 'Failed'].includes(ms.status?.phase ?? '') ? ms : undefined;
      },
      TIMEOUT_MS,
      2000,
      async () => JSON.stringify((await getMailSync(client, ns, 'big'))?.status ?? 'no such MailSync').slice(0, 3000),
    );
    const status = (done as MailSync).status!;
    expect(status.lastError, JSON.stringify(status.logTail)).toBeUndefined();
    expect(status.phase).toBe('Succeeded');
    expect(status.summary).toMatchObject({
      reason: 'Succeeded',
      messagesTransferred: toCopy,
      messagesSkipped: MESSAGES - toCopy,
      verificationMissing: 0,
    });
    const peak = status.summary?.peakMemoryBytes;
    expect(peak).toBeGreaterThan(0);
    expect(peak!).toBeLessThan(512 * MIB);
    console.log(`${MESSAGES} messages: worker peak memory ${(peak! / MIB).toFixed(0)} MiB (limit ${DEFAULT_LIMIT})`);

    // One Job, one pod, the default limit, never OOMKilled nor restarted.
    const jobs = await listJobs(client, ns);
    expect(jobs).toHaveLength(1);
    const pods: V1Pod[] = await listPods(client, ns, `batch.kubernetes.io/job-name=${jobs[0]!.metadata!.name}`);
    expect(pods).toHaveLength(1);
    const worker = pods[0]!.spec!.containers.find((c) => c.name === 'worker')!;
    expect(worker.resources?.limits?.memory).toBe(DEFAULT_LIMIT);
    const state = pods[0]!.status?.containerStatuses?.find((c) => c.name === 'worker');
    expect(state?.restartCount ?? 0).toBe(0);
    expect(state?.state?.terminated?.reason).not.toBe('OOMKilled');
    expect(state?.state?.terminated?.exitCode).toBe(0);

    // The destination holds the whole folder, asked of Dovecot itself.
    expect(await inboxMessageCount(pair.b, user)).toBe(MESSAGES);
  });
});
