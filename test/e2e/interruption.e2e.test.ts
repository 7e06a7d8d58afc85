/**
 * Interruption is not abort (issue 14). A 10,000-message mailbox is being
 * synced when its worker pod is deleted (`kubectl delete pod`), evicted
 * through the Eviction API, or drained off its node (cordon + eviction; the
 * local cluster has one node, so it is uncordoned once the pod is gone): the
 * Job makes a new pod that continues from what the destination already has,
 * the run ends Succeeded with the destination exactly equal to the source,
 * one Resumed Event names the cause, and status.logTail continues across both
 * pods with no line lost or doubled. Deleting the MailSync mid-sync is still
 * an abort: no new pod, the pod gone within the grace period, nothing
 * half-written.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
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
  getMailSync,
  IMAGE,
  imageSkipReason,
  installCrd,
  listPods,
  waitFor,
} from './helpers/kube.js';
import { mailboxView, seedMailboxBatched } from './helpers/mail.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/interruption.e2e.test.ts: ${skip}`);

/** Messages in the source mailbox (INBOX and Projects). */
const MESSAGES = 10_000;
/** Slow enough that an interruption lands mid-sync (the first status may come late on a busy machine). */
const RATE = 250;
const SOURCE_USER = 'bigsource';

interface RawEvent {
  reason: string;
  message: string;
  count?: number;
  involvedObject: { kind: string; name: string };
}

describe.skipIf(skip)(
  'a drained, evicted or deleted worker pod resumes; only an abort aborts',
  { timeout: 900_000 },
  () => {
    let client: KubeClient;
    let ns: string;
    let pair: DovecotPair;
    let controller: ControllerProcess;
    let sourcePassword: string;
    let source: Record<string, string[]>;
    const started = Date.now();

    const waitStatus = (name: string, what: string, test: (ms: MailSync) => boolean, timeoutMs = 300_000) =>
      waitMailSync(client, ns, name, what, test, { timeoutMs });

    /** A destination user and a MailSync spec from the shared 10,000-message source to it. */
    async function destination(user: string, extra: Partial<MailSyncSpec> = {}): Promise<MailSyncSpec> {
      const destinationPassword = `dst-${user}-${Math.random().toString(36).slice(2)}`;
      await pair.b.addUser(user, destinationPassword);
      await createSecret(client, ns, `${user}-creds`, {
        source: sourcePassword,
        destination: destinationPassword,
        'ca.crt': pair.a.caPem,
      });
      const side = (port: number, login: string, key: string) => ({
        host: '127.0.0.1',
        port,
        tls: 'implicit' as const,
        user: login,
        passwordSecretRef: { name: `${user}-creds`, key },
        caSecretRef: { name: `${user}-creds`, key: 'ca.crt' },
      });
      return {
        source: side(pair.a.implicitTlsPort, SOURCE_USER, 'source'),
        destination: side(pair.b.implicitTlsPort, user, 'destination'),
        throttle: { maxMessagesPerSecond: RATE },
        // Any failure counted against backoffLimit would fail the Job: an interruption must not count.
        backoffLimit: 0,
        ...extra,
      };
    }

    const podsOf = (jobName: string) => listPods(client, ns, `batch.kubernetes.io/job-name=${jobName}`);

    /** Wait until the run has copied a first part, and return its running worker pod. */
    async function midSync(name: string): Promise<{ ms: MailSync; pod: V1Pod }> {
      const ms = await waitStatus(name, 'copying', (m) => (m.status?.progress?.messagesCopied ?? 0) >= RATE);
      const pods = await podsOf(ms.status!.jobName!);
      const pod = pods.find((p) => p.status?.phase === 'Running');
      expect(pod, 'a running worker pod').toBeDefined();
      expect(ms.status?.progress?.messagesCopied ?? 0, 'still mid-sync').toBeLessThan(MESSAGES * 0.8);
      return { ms, pod: pod! };
    }

    async function evict(pod: V1Pod): Promise<void> {
      const name = pod.metadata!.name!;
      await client.create(`${paths.pod(ns, name)}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: ns },
      });
    }

    async function events(name: string): Promise<RawEvent[]> {
      const items = (await client.get<{ items: RawEvent[] }>(paths.events(ns))).items;
      return items.filter((e) => e.involvedObject.kind === 'MailSync' && e.involvedObject.name === name);
    }

    /** The worker log of a pod, rendered as logTail renders it. */
    async function rendered(pod: string): Promise<string[]> {
      const response = await client.open('GET', paths.podLog(ns, pod), {
        query: { container: 'worker', timestamps: true },
      });
      const log = new RunLog();
      log.beginPod(pod);
      for (const line of (await readAll(response)).split('\n')) if (line) log.apply(line);
      return log.snapshot().logTail;
    }

    /** Succeeded, exact, one Resumed Event naming the cause, counted as an interruption, the log continued. */
    async function expectResumed(name: string, first: string, cause: RegExp): Promise<void> {
      const done = await waitStatus(name, 'Succeeded', (m) =>
        ['Succeeded', 'Failed', 'Aborted'].includes(m.status?.phase ?? ''),
      );
      const status = done.status!;
      expect(status.phase, JSON.stringify(status).slice(0, 3000)).toBe('Succeeded');
      expect(await mailboxView(pair.b, name)).toEqual(source);

      // The second pod continued: it found the first pod's messages there and copied only the rest.
      const summary = status.summary!;
      expect(summary.reason).toBe('Succeeded');
      expect(summary.messagesSkipped).toBeGreaterThan(0);
      expect(summary.messagesTransferred).toBeGreaterThan(0);
      expect((summary.messagesSkipped ?? 0) + (summary.messagesTransferred ?? 0)).toBe(MESSAGES);

      const resumed = (await events(name)).filter((e) => e.reason === 'Resumed');
      expect(resumed.map((e) => e.count ?? 1)).toEqual([1]);
      expect(resumed[0]!.message).toMatch(cause);
      expect(resumed[0]!.message).toContain(`worker pod ${first} stopped`);
      expect(resumed[0]!.message).toContain('not counted against backoffLimit');
      expect(status.attempts).toBe(2);
      expect(status.interruptions).toBe(1);
      expect(status.lastInterruption?.pod).toBe(first);
      expect(status.workerPod).not.toBe(first);

      const job = await client.get<V1Job>(paths.job(ns, status.jobName!));
      expect(job.status?.failed ?? 0, 'nothing counted against backoffLimit (0)').toBe(0);
      expect(job.status?.succeeded).toBe(1);

      // One log: the first pod's lines up to its Interrupted verdict, a marker, then the second pod's whole log.
      const tail = status.logTail!;
      const marker = tail.indexOf(`--- new worker pod ${status.workerPod} ---`);
      const second = await rendered(status.workerPod!);
      if (marker >= 0) {
        expect(tail.slice(marker + 1)).toEqual(second);
        const before = tail.slice(0, marker);
        expect(before.at(-1), `the first pod's log read to its end: ${before.join('\n')}`).toMatch(
          /^Verdict: aborted \(Interrupted, exit code 31\): stopped by SIGTERM after copying \d+ messages$/,
        );
      } else {
        // The second pod alone filled the tail.
        expect(tail).toEqual(second.slice(-tail.length));
      }
      expect(new Set(tail).size, 'no line twice').toBe(tail.length);
    }

    beforeAll(async () => {
      ({ client } = await connect());
      await installCrd(client);
      ns = await createNamespace(client, 'e2e-drain');
      pair = await startDovecotPair();
      sourcePassword = `src-${Math.random().toString(36).slice(2)}`;
      await pair.a.addUser(SOURCE_USER, sourcePassword);
      await new Promise((r) => setTimeout(r, 1100));
      const seeding = Date.now();
      expect(await seedMailboxBatched(pair.a, SOURCE_USER, Math.ceil((MESSAGES * 2) / 3))).toBe(MESSAGES);
      console.log(`[interruption] seeded ${MESSAGES} messages in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);
      source = await mailboxView(pair.a, SOURCE_USER);
      console.log(`[interruption] seeded and listed in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);
      controller = await startController({ namespaces: [ns], image: IMAGE! });
    }, 600_000);

    afterAll(async () => {
      // The namespace goes first, while the controller still runs: the MailSyncs' finalizers need it.
      await removeNamespace(client, ns);
      await controller?.stop();
      await pair?.stop();
      console.log(`[interruption] whole file: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    it('kubectl delete pod mid-sync: a new pod continues; Succeeded, exact, one Resumed (PodDeleted)', async () => {
      const t0 = Date.now();
      await createMailSync(client, ns, 'deleted', await destination('deleted'));
      const { pod } = await midSync('deleted');
      await client.delete(paths.pod(ns, pod.metadata!.name!));
      await expectResumed('deleted', pod.metadata!.name!, /the pod was deleted .*\[PodDeleted\]/);
      console.log(`[interruption] delete pod: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });

    it('evicted through the Eviction API mid-sync: Succeeded, exact, one Resumed (EvictionByEvictionAPI)', async () => {
      const t0 = Date.now();
      await createMailSync(client, ns, 'evicted', await destination('evicted'));
      const { pod } = await midSync('evicted');
      await evict(pod);
      await expectResumed(
        'evicted',
        pod.metadata!.name!,
        /evicted through the Eviction API.*\[EvictionByEvictionAPI\]/,
      );
      console.log(`[interruption] eviction: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });

    it('node drained mid-sync (cordon + evict, then uncordon): the new pod waits for a node, then finishes exact', async () => {
      const t0 = Date.now();
      await createMailSync(client, ns, 'drained', await destination('drained'));
      const { ms, pod } = await midSync('drained');
      const node = pod.spec?.nodeName;
      expect(node).toBeDefined();
      const cordon = (unschedulable: boolean) =>
        client.mergePatch(`/api/v1/nodes/${node}`, { spec: { unschedulable } });
      await cordon(true);
      try {
        await evict(pod);
        // The replacement comes once the old pod has stopped, and cannot be scheduled on the cordoned node.
        const waiting = await waitFor(
          'replacement pod pending on the cordoned node',
          async () =>
            (await podsOf(ms.status!.jobName!)).find(
              (p) =>
                p.metadata?.name !== pod.metadata?.name &&
                p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'),
            ),
          120_000,
        );
        expect(waiting.spec?.nodeName).toBeUndefined();
      } finally {
        await cordon(false);
      }
      await expectResumed(
        'drained',
        pod.metadata!.name!,
        /evicted through the Eviction API.*\[EvictionByEvictionAPI\]/,
      );
      console.log(`[interruption] drain: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });

    it('kubectl delete ms mid-sync is still an abort: no new pod, gone within the grace period, nothing half-written', async () => {
      const grace = 60;
      const t0 = Date.now();
      await createMailSync(client, ns, 'cancelled', await destination('cancelled', { gracePeriodSeconds: grace }));
      const { ms, pod } = await midSync('cancelled');
      const deletedAt = Date.now();
      await client.delete(paths.mailSync(ns, 'cancelled'));
      // Every worker pod seen until they are all gone: the Job must not make a replacement.
      const seen = new Set<string>();
      await waitFor(
        'worker pods gone',
        async () => {
          const pods = await podsOf(ms.status!.jobName!);
          for (const p of pods) seen.add(p.metadata!.name!);
          return pods.length === 0;
        },
        180_000,
        200,
      );
      const elapsed = (Date.now() - deletedAt) / 1000;
      await waitFor('cancelled gone', async () => (await getMailSync(client, ns, 'cancelled')) === undefined, 180_000);
      expect([...seen]).toEqual([pod.metadata!.name!]);
      expect(elapsed, 'the worker stopped on TERM, within the grace period').toBeLessThan(grace);
      const all = await events('cancelled');
      expect(all.filter((e) => e.reason === 'Resumed')).toEqual([]);
      const aborted = all.find((e) => e.reason === 'Aborted');
      expect(aborted?.message).toMatch(
        /^sync aborted by deletion: stopped by SIGTERM after copying \d+ messages; transferred \d+/,
      );
      // Nothing half-written: every destination message is a source message, and some but not all were copied.
      const partial = await mailboxView(pair.b, 'cancelled');
      let copied = 0;
      for (const [folder, messages] of Object.entries(partial)) {
        const known = new Set(source[folder]);
        expect(messages.filter((m) => !known.has(m))).toEqual([]);
        copied += messages.length;
      }
      expect(copied).toBeGreaterThan(0);
      expect(copied).toBeLessThan(MESSAGES);
      console.log(
        `[interruption] delete MailSync: gone ${elapsed.toFixed(1)} s after the delete; ${((Date.now() - t0) / 1000).toFixed(1)} s in all`,
      );
    });
  },
);
