/**
 * Kubernetes cells of the fault matrix (issue 11) that hit the controller:
 * killed in the middle of an abort, the leader killed while 50 syncs run,
 * and the API server answering 429 to it (API Priority and Fairness). Real
 * worker pods in the local cluster, real Dovecot, the controller as a local
 * process in a memory cgroup of the chart's limit. Checks: fault-fixture.ts.
 */

import { readFileSync } from 'node:fs';
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../../src/api/spec.js';
import { paths } from '../../../src/controller/paths.js';
import type { KubeClient } from '../../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../../harness/dovecot.js';
import { mailboxDigest } from '../../harness/exact-copy.js';
import type { ControllerProcess } from '../helpers/controller-process.js';
import { removeNamespace, waitMailSync } from '../helpers/fixture.js';
import {
  connect,
  createMailSync,
  createNamespace,
  getMailSync,
  imageSkipReason,
  installCrd,
  KUBECONFIG,
  listEvents,
  listJobs,
  sleep,
  waitFor,
} from '../helpers/kube.js';
import {
  controllerFor,
  expectControllerWithinLimit,
  expectExactRun,
  finished,
  podsOfJob,
  type Source,
  seedSource,
  syncSpec,
} from './fault-fixture.js';
import { identitySkipReason, throttledIdentity } from './throttled-identity.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/faults/controller-faults.e2e.test.ts: ${skip}`);

describe.skipIf(skip)('Kubernetes faults: the controller', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  /** 300 messages, for the single-sync cells. */
  let big: Source;
  const controllers: ControllerProcess[] = [];
  const started = Date.now();

  const elapsed = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-faults-ctrl');
    pair = await startDovecotPair();
    big = await seedSource(pair, 'bigsource', 200);
  }, 300_000);

  /** What a replica that stopped without being asked said last. */
  const exitedOnItsOwn = (c: ControllerProcess) =>
    c.process.exitCode === null
      ? ''
      : `${c.name} exited with code ${c.process.exitCode}: ${c.output().split('\n').slice(-12).join('\n')}\n`;

  afterAll(async () => {
    // The namespace goes first, while a controller runs: the MailSyncs' finalizers need it.
    if (client && ns && !controllers.some((c) => c.process.exitCode === null && c.process.signalCode === null)) {
      controllers.push(await controllerFor(ns));
    }
    await removeNamespace(client, ns);
    for (const c of controllers) await c.stop();
    await pair?.stop();
    console.log(`[faults/controller] whole file: ${elapsed(started)}`);
  });

  /**
   * A 300-message sync is deleted mid-copy; the controller is SIGKILLed as soon as it has started the abort
   * (the Job suspended, the MailSync still held by its finalizer). A new controller completes the abort: the
   * worker pod is gone and never replaced, one Aborted Event, the finalizer removed and the MailSync gone;
   * the destination holds only whole source messages, none twice. Applied again, the MailSync copies exactly
   * the rest (messagesSkipped = what the aborted run copied): Succeeded, exact, log tail whole, both
   * controllers and the worker within their memory limits.
   */
  describe('controller SIGKILLed while a MailSync is being deleted', () => {
    test('controller SIGKILLed while a MailSync is being deleted', async () => {
      const t0 = Date.now();
      const first = await controllerFor(ns, { name: 'abort-a' });
      controllers.push(first);
      const spec = await syncSpec(client, ns, big, 'aborted', { throttle: { maxMessagesPerSecond: 15 } });
      await createMailSync(client, ns, 'aborted', spec);
      const running = await waitMailSync(
        client,
        ns,
        'aborted',
        'copying',
        (ms) => (ms.status?.progress?.messagesCopied ?? 0) >= 20,
      );
      const jobName = running.status!.jobName!;
      const pods = new Set((await podsOfJob(client, ns, jobName)).map((p) => p.metadata!.name!));
      expect(pods.size).toBe(1);

      await client.delete(paths.mailSync(ns, 'aborted'));
      // The abort has begun: the controller suspended the Job (no new pod) or is deleting the pod.
      await waitFor(
        'the abort started',
        async () => {
          const job = await client.get<V1Job>(paths.job(ns, jobName));
          const workers = await podsOfJob(client, ns, jobName);
          return job.spec?.suspend === true || workers.some((p) => p.metadata?.deletionTimestamp);
        },
        60_000,
        50,
      );
      await first.kill();
      expectControllerWithinLimit(first);
      const held = await getMailSync(client, ns, 'aborted');
      expect(held?.metadata.deletionTimestamp, 'still being deleted when the controller died').toBeDefined();
      expect(held?.metadata.finalizers).toContain('mailsync.io/abort');

      const second = await controllerFor(ns, { name: 'abort-b' });
      controllers.push(second);
      await waitFor(
        'aborted MailSync gone',
        async () => {
          for (const p of await podsOfJob(client, ns, jobName)) pods.add(p.metadata!.name!);
          return (await getMailSync(client, ns, 'aborted')) === undefined;
        },
        120_000,
        200,
      );
      await waitFor('worker pods gone', async () => (await podsOfJob(client, ns, jobName)).length === 0, 120_000);
      expect(pods.size, `worker pods seen: ${[...pods].join(', ')}`).toBe(1);
      const events = await listEvents(client, ns, 'aborted');
      expect(events.filter((e) => e.reason === 'Aborted')).toHaveLength(1);
      expect(events.filter((e) => e.reason === 'Resumed' || e.reason === 'Retried')).toEqual([]);

      // Nothing half-written, nothing twice: the destination is a sub-multiset of the source.
      const source = await mailboxDigest(pair.a, big.user);
      const partial = await mailboxDigest(pair.b, 'aborted');
      const left = new Map<string, number>();
      for (const line of source.lines) left.set(line, (left.get(line) ?? 0) + 1);
      for (const line of partial.lines) {
        expect(left.get(line) ?? 0, `not a source message, or a second copy: ${line}`).toBeGreaterThan(0);
        left.set(line, left.get(line)! - 1);
      }
      const copied = partial.lines.length;
      expect(copied).toBeGreaterThan(0);
      expect(copied).toBeLessThan(big.messages);

      // Applied again: exactly the rest is copied.
      await waitFor('old Job gone', async () => (await listJobs(client, ns)).length === 0, 120_000);
      await createMailSync(client, ns, 'aborted', spec);
      const done = await finished(client, ns, 'aborted');
      await expectExactRun(client, ns, big, done, 'aborted', copied);
      expectControllerWithinLimit(second);
      await second.stop();
      console.log(`[faults/controller] abort + SIGKILL: ${copied} copied before the abort; ${elapsed(t0)}`);
    });
  });
  /**
   * 50 MailSyncs (15 messages each, one message a second) under two controller replicas with leader
   * election (the default 15 s Lease). Once 20 of them are Running the leader is SIGKILLed; the standby takes the
   * Lease and finishes every run: all 50 Succeeded with counts that add up, every destination exact, one
   * worker pod per run (the new leader starts no second Job or pod), every log tail whole, both replicas
   * and every worker within their memory limits.
   */
  describe('leader failover while 50 syncs run', () => {
    test('leader failover while 50 syncs run', async () => {
      const t0 = Date.now();
      const fleet = await seedSource(pair, 'fleetsource', 10);
      const names = Array.from({ length: 50 }, (_, i) => `fleet-${String(i).padStart(2, '0')}`);
      const specs: MailSyncSpec[] = [];
      for (const name of names) {
        specs.push(
          await syncSpec(client, ns, fleet, name, {
            throttle: { maxMessagesPerSecond: 1 },
            performance: { folderConcurrency: 1 },
            // 50 pods on one small node: ask for little, keep the default limits.
            resources: { requests: { cpu: '10m', memory: '64Mi' } },
          }),
        );
      }
      // The chart's Lease timings (15 s lease, 10 s renew deadline): a replica that cannot renew in time exits.
      const lease = { leaderElect: true, leaseName: 'mailsync-faults', leaseNamespace: ns };
      const leaderOf = async (c: ControllerProcess) => /^mailsync_leader 1$/m.test(await c.metrics().catch(() => ''));
      const a = await controllerFor(ns, { ...lease, name: 'fleet-a' });
      controllers.push(a);
      await waitFor('fleet-a leads', () => leaderOf(a), 60_000);
      const b = await controllerFor(ns, { ...lease, name: 'fleet-b' });
      controllers.push(b);
      expect(await leaderOf(b)).toBe(false);

      await Promise.all(names.map((name, i) => createMailSync(client, ns, name, specs[i]!)));
      const phases = async () =>
        (await client.get<{ items: MailSync[] }>(paths.mailSyncs(ns))).items.filter((ms) =>
          names.includes(ms.metadata.name!),
        );
      await waitFor(
        '20 syncs Running',
        async () => (await phases()).filter((ms) => ms.status?.phase === 'Running').length >= 20,
        300_000,
        1000,
      );
      const before = await phases();
      const count = (phase: string) => before.filter((ms) => ms.status?.phase === phase).length;
      await a.kill();
      expectControllerWithinLimit(a);
      const killedAt = Date.now();
      await waitFor('fleet-b leads', () => leaderOf(b), 60_000, 200);
      console.log(
        `[faults/controller] leader killed with ${count('Running')} Running, ${count('Succeeded')} Succeeded; ` +
          `the standby led ${((Date.now() - killedAt) / 1000).toFixed(1)} s later`,
      );

      await waitFor(
        'all 50 Succeeded',
        async () => (await phases()).every((ms) => ms.status?.phase === 'Succeeded' && ms.status.summary),
        400_000,
        2000,
        async () =>
          `${exitedOnItsOwn(b)}` +
          JSON.stringify(
            (await phases())
              .filter((ms) => ms.status?.phase !== 'Succeeded')
              .map((ms) => [ms.metadata.name, ms.status?.phase, ms.status?.lastError]),
          ).slice(0, 2000),
      );
      for (const ms of await phases()) {
        const name = ms.metadata.name!;
        await expectExactRun(client, ns, fleet, ms, name);
        expect(ms.status?.attempts ?? 1, `${name}: one worker pod`).toBe(1);
        expect((await podsOfJob(client, ns, ms.status!.jobName!)).length, `${name}: one worker pod`).toBe(1);
      }
      // One Job per fleet MailSync: the new leader created no second one. Jobs the earlier cells of this file
      // left in the namespace (the re-applied MailSync of the abort cell) are not the fleet's.
      const fleetJobs = (await listJobs(client, ns)).filter((j) =>
        j.metadata?.ownerReferences?.some((r) => r.controller && r.kind === 'MailSync' && names.includes(r.name)),
      );
      expect(fleetJobs.length, 'Jobs controlled by the 50 fleet MailSyncs').toBe(names.length);
      expectControllerWithinLimit(b);
      const leaseObject = await client.get<{ spec: { holderIdentity: string } }>(paths.lease(ns, 'mailsync-faults'));
      expect(leaseObject.spec.holderIdentity).toMatch(/^fleet-b_/);
      // The fleet's Jobs go with their MailSyncs (the next cell counts Jobs too).
      await Promise.all(names.map((name) => client.delete(paths.mailSync(ns, name))));
      await waitFor('fleet deleted', async () => (await phases()).length === 0, 180_000, 1000);
      await b.stop();
      console.log(`[faults/controller] leader failover under 50 syncs: ${elapsed(t0)}`);
    });
  });
  /**
   * The controller runs with an identity of its own (a client certificate from the cluster's CA). While five
   * 300-message syncs start and run, a FlowSchema matching only that user sends it to a priority level with
   * one concurrency share and a one-request queue, which a second user's held requests keep full: the API
   * server answers the controller 429 for 20 s (its apiserver_flowcontrol_rejected_requests_total for the
   * controller's schema must grow), then the held requests are let go and the schemas removed.
   * Every sync ends Succeeded with counts that add up, exact, one worker pod each, log tail whole; the
   * controller and the workers within their memory limits.
   */
  describe('API server answering 429 (API Priority and Fairness) to the controller', () => {
    test('API server answering 429 (API Priority and Fairness) to the controller', async () => {
      const t0 = Date.now();
      const noIdentity = identitySkipReason();
      expect(noIdentity, noIdentity).toBeUndefined();
      const server = /server:\s*(\S+)/.exec(readFileSync(KUBECONFIG!, 'utf8'))?.[1];
      expect(server).toBeDefined();
      const identity = await throttledIdentity(client, server!, `mailsync-faults-apf-${ns.split('-').at(-1)}`);
      try {
        const controller = await controllerFor(ns, { name: 'apf', env: { KUBECONFIG: identity.kubeconfig } });
        controllers.push(controller);
        const names = Array.from({ length: 5 }, (_, i) => `apf-${i}`);
        const specs: MailSyncSpec[] = [];
        for (const name of names)
          specs.push(await syncSpec(client, ns, big, name, { throttle: { maxMessagesPerSecond: 40 } }));
        const rejectedBefore = await identity.rejected();
        await identity.throttle();
        const letGo = await identity.saturate(ns);
        const throttledAt = Date.now();
        let rejected: number;
        try {
          await Promise.all(names.map((name, i) => createMailSync(client, ns, name, specs[i]!)));
          await sleep(20_000);
          rejected = (await identity.rejected()) - rejectedBefore;
        } finally {
          letGo();
        }
        await identity.release();
        console.log(
          `[faults/controller] 429: ${rejected} requests of the controller rejected in ${elapsed(throttledAt)}`,
        );
        expect(rejected, 'the API server answered the controller 429').toBeGreaterThan(0);

        for (const name of names) {
          const done = await finished(client, ns, name);
          await expectExactRun(client, ns, big, done, name);
          expect(done.status?.attempts ?? 1, `${name}: one worker pod`).toBe(1);
        }
        expectControllerWithinLimit(controller);
        await Promise.all(names.map((name) => client.delete(paths.mailSync(ns, name))));
        await waitFor(
          'apf syncs deleted',
          async () => {
            for (const name of names) if (await getMailSync(client, ns, name)) return false;
            return true;
          },
          180_000,
          1000,
        );
        await controller.stop();
      } finally {
        await identity.dispose();
      }
      console.log(`[faults/controller] 429 cell: ${elapsed(t0)}`);
    });
  });
});
