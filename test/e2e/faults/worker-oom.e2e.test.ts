/**
 * Kubernetes cell of the fault matrix (issue 11): a worker pod over its
 * memory limit. Real worker pods in the local cluster, real Dovecot, the
 * controller as a local process. Checks: fault-fixture.ts.
 */
import type { V1Job } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { paths } from '../../../src/controller/paths.js';
import type { KubeClient } from '../../../src/kube/kube-client.js';
import { resolveEndpoint } from '../../../src/sync/endpoint.js';
import { Appender } from '../../../src/sync/imap-raw/appender.js';
import { type DovecotPair, startDovecotPair } from '../../harness/dovecot.js';
import { mailboxDigest } from '../../harness/exact-copy.js';
import type { ControllerProcess } from '../helpers/controller-process.js';
import { removeNamespace, waitMailSync } from '../helpers/fixture.js';
import {
  connect,
  createMailSync,
  createNamespace,
  imageSkipReason,
  installCrd,
  listEvents,
  listJobs,
  sleep,
} from '../helpers/kube.js';
import {
  controllerFor,
  expectControllerWithinLimit,
  expectExactRun,
  finished,
  podsOfJob,
  type Source,
  syncSpec,
} from './fault-fixture.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/faults/worker-oom.e2e.test.ts: ${skip}`);

/** Messages of 4 MB: a batch of 16 of them is far over the small limit (12 were not, once). */
const MESSAGES = 24;
const MESSAGE_BYTES = 4 * 1024 * 1024;
const SMALL_LIMIT = '96Mi';

function bigMessage(i: number): Buffer {
  const line = `${`line ${i} `.padEnd(76, String.fromCharCode(97 + (i % 26)))}\r\n`;
  const body = line.repeat(Math.ceil(MESSAGE_BYTES / line.length));
  return Buffer.from(
    [
      `From: Sender ${i} <sender${i}@example.org>`,
      'To: big@example.com',
      `Subject: big message ${i}`,
      `Message-ID: <oom-${i}@example.org>`,
      '',
      body,
    ].join('\r\n'),
  );
}

describe.skipIf(skip)('Kubernetes faults: the worker', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  let source: Source;
  let controller: ControllerProcess;
  const started = Date.now();

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-faults-oom');
    pair = await startDovecotPair();
    const password = `src-${Math.random().toString(36).slice(2)}`;
    await pair.a.addUser('bigmail', password);
    await sleep(1100);
    const logger = pino({ level: 'silent' });
    const appender = await Appender.open(
      await resolveEndpoint(await pair.a.endpoint('bigmail'), 'destination', { logger }),
      { logger },
    );
    try {
      for (let i = 0; i < MESSAGES; i += 4) {
        const batch = Array.from({ length: 4 }, (_, k) => ({
          raw: bigMessage(i + k),
          flags: (i + k) % 2 ? ['\\Seen'] : ['$Big'],
          internalDate: new Date(Date.UTC(2024, 2, 1, 8, i + k)),
        }));
        const results = await appender.appendBatch('INBOX', batch);
        expect(results.every((r) => r.ok)).toBe(true);
      }
    } finally {
      await appender.close();
    }
    source = { pair, user: 'bigmail', password, messages: MESSAGES };
    controller = await controllerFor(ns);
  }, 300_000);

  afterAll(async () => {
    await removeNamespace(client, ns);
    await controller?.stop();
    await pair?.stop();
    console.log(`[faults/oom] whole file: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  /**
   * A worker with a 96Mi memory limit batches 16 messages of 4 MB: the kubelet OOMKills it. The run ends
   * Failed with reason OutOfMemory and a message naming the limit, the mailbox's size and the field to
   * raise; it is not retried (no Retrying condition, no nextRetryAt, no new Job or pod while nothing
   * changes); the destination holds only whole source messages. Once spec.resources.limits.memory is
   * raised (nothing else changed), a new run copies the rest: Succeeded, exact, log tail whole, worker and
   * controller within their limits.
   */
  describe('worker pod OOMKilled (memory limit too small)', () => {
    test('worker pod OOMKilled (memory limit too small)', async () => {
      const t0 = Date.now();
      const spec = await syncSpec(client, ns, source, 'oom', {
        performance: { batchMessages: 16, batchBytes: 128 * 1024 * 1024, folderConcurrency: 1 },
        resources: { limits: { memory: SMALL_LIMIT } },
      });
      await createMailSync(client, ns, 'oom', spec);
      const failed = await waitMailSync(client, ns, 'oom', 'Failed', (ms) => ms.status?.phase === 'Failed', {
        timeoutMs: 240_000,
      });
      const status = failed.status!;
      expect(status.lastError?.reason, JSON.stringify(status).slice(0, 2000)).toBe('OutOfMemory');
      expect(status.lastError?.message).toMatch(
        new RegExp(
          `OOMKilled at its limit of ${SMALL_LIMIT}\\) syncing a mailbox (of ${MESSAGES} messages|whose size)`,
        ),
      );
      expect(status.lastError?.message).toContain('raise spec.resources.limits.memory');
      expect(status.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('OutOfMemory');
      const jobName = status.jobName!;
      const pods = await podsOfJob(client, ns, jobName);
      const killed = pods.filter((p) =>
        p.status?.containerStatuses?.some(
          (c) => (c.state?.terminated ?? c.lastState?.terminated)?.reason === 'OOMKilled',
        ),
      );
      console.log(`[faults/oom] worker pods of the failed run: ${pods.length}, OOMKilled: ${killed.length}`);
      expect(killed.length).toBeGreaterThan(0);
      expect(killed.length, 'every pod of the run was OOMKilled').toBe(pods.length);
      expect(pods.length, 'the same limit is not tried again by the Job').toBe(1);

      // Not retried while nothing changes: a resync period later, still the same.
      await sleep(15_000);
      const still = await waitMailSync(client, ns, 'oom', 'still Failed', () => true);
      expect(still.status?.phase).toBe('Failed');
      expect(still.status?.nextRetryAt).toBeUndefined();
      expect(still.status?.retries ?? 0).toBe(0);
      expect(still.status?.conditions?.find((c) => c.type === 'Retrying')?.status ?? 'False').toBe('False');
      expect((await podsOfJob(client, ns, jobName)).length).toBe(pods.length);
      expect((await listJobs(client, ns)).length).toBeLessThanOrEqual(1);
      expect((await listEvents(client, ns, 'oom')).some((e) => e.reason === 'OutOfMemory')).toBe(true);

      // Whole messages only, none twice.
      const all = new Set((await mailboxDigest(pair.a, 'bigmail')).lines);
      const partial = (await mailboxDigest(pair.b, 'oom')).lines;
      for (const line of partial) expect(all.has(line), line).toBe(true);
      expect(new Set(partial).size).toBe(partial.length);

      // Only the limit changes: a new run, which succeeds.
      await client.mergePatch(paths.mailSync(ns, 'oom'), { spec: { resources: { limits: { memory: '512Mi' } } } });
      const done = await waitMailSync(
        client,
        ns,
        'oom',
        'the new run Succeeded',
        (ms) => ms.status?.phase === 'Succeeded' && (ms.status?.runGeneration ?? 0) >= 2,
        { timeoutMs: 240_000 },
      );
      const job = await client.get<V1Job>(paths.job(ns, done.status!.jobName!));
      expect(job.spec?.template.spec?.containers[0]?.resources?.limits?.memory).toBe('512Mi');
      await expectExactRun(client, ns, source, await finished(client, ns, 'oom'), 'oom', partial.length);
      expectControllerWithinLimit(controller);
      console.log(
        `[faults/oom] ${partial.length} messages copied before the OOM kill; peak ${done.status?.summary?.peakMemoryBytes} B after; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    });
  });
});
