/**
 * Kubernetes cells of the fault matrix (issue 11) that stop parts of the
 * cluster itself, each while a real sync runs: etcd compacted past the
 * controller's watches and the API server restarted (410 Gone), the API server
 * stopped for 30 s, etcd restarted, the kubelet restarted. The components are stopped and started again by
 * `test/cluster/cluster.sh restart` (the same command line they ran with).
 * The cluster is shared: each disruption is written to the disruption log
 * (START/END, see fault-fixture.ts) and kept as short as the cell allows; the
 * e2e-faults group runs alone, after the other cluster groups.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { KubeClient } from '../../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../../harness/dovecot.js';
import type { ControllerProcess } from '../helpers/controller-process.js';
import { removeNamespace, waitMailSync } from '../helpers/fixture.js';
import {
  connect,
  createMailSync,
  createNamespace,
  imageSkipReason,
  installCrd,
  listEvents,
  waitFor,
} from '../helpers/kube.js';
import {
  controllerFor,
  disruption,
  expectControllerWithinLimit,
  expectExactRun,
  finished,
  podsOfJob,
  type Source,
  seedSource,
  syncSpec,
} from './fault-fixture.js';

const execFileP = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLUSTER_SH = path.resolve(HERE, '../../cluster/cluster.sh');
const CLUSTER_DIR = process.env.MAILSYNC_CLUSTER_DIR ?? '/tmp/mailsync-cluster';
const PKI = path.join(CLUSTER_DIR, 'pki');

function disruptionSkipReason(): string | undefined {
  const other = imageSkipReason();
  if (other) return other;
  if (!existsSync(path.join(CLUSTER_DIR, 'pids', 'etcd.pid')))
    return `not the repository's local cluster (no ${CLUSTER_DIR}/pids): its components cannot be stopped here`;
  return undefined;
}

const skip = disruptionSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/faults/cluster-disruptions.e2e.test.ts: ${skip}`);

/**
 * `cluster.sh restart NAME DOWN`: stopped, down for `down` seconds (or `until-gone:FILE`), started as it
 * ran, healthy again.
 */
async function restart(component: string, down: number | string = 0): Promise<void> {
  await execFileP('bash', [CLUSTER_SH, 'restart', component, String(down)], { timeout: 180_000 });
}

/** etcd's client port, as the running API server was given it (--etcd-servers). */
function etcdPort(): string {
  const pid = readFileSync(path.join(CLUSTER_DIR, 'pids', 'kube-apiserver.pid'), 'utf8').trim();
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const servers = args[args.indexOf('--etcd-servers') + 1] ?? '';
  return /:(\d+)/.exec(servers.replace('https://', ''))?.[1] ?? '12379';
}

/** etcd's v3 JSON gateway on `port`, with the API server's client certificate. */
async function etcd(port: string, call: string, body: object): Promise<Record<string, unknown>> {
  const { stdout } = await execFileP('curl', [
    '-sf',
    '--cacert',
    path.join(PKI, 'ca.crt'),
    '--cert',
    path.join(PKI, 'apiserver-etcd-client.crt'),
    '--key',
    path.join(PKI, 'apiserver-etcd-client.key'),
    '-X',
    'POST',
    '-d',
    JSON.stringify(body),
    `https://127.0.0.1:${port}/v3/${call}`,
  ]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe.skipIf(skip)('Kubernetes faults: the cluster stops under a sync', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  let source: Source;
  let controller: ControllerProcess;
  const started = Date.now();
  const elapsed = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-faults-cluster');
    pair = await startDovecotPair();
    source = await seedSource(pair, 'clustersource', 200);
    controller = await controllerFor(ns);
  }, 300_000);

  afterAll(async () => {
    await removeNamespace(client, ns);
    await controller?.stop();
    await pair?.stop();
    console.log(`[faults/cluster] whole file: ${elapsed(started)}`);
  });

  /** A 300-message sync at 10 messages a second, copying. */
  async function syncing(name: string): Promise<MailSync> {
    await createMailSync(
      client,
      ns,
      name,
      await syncSpec(client, ns, source, name, { throttle: { maxMessagesPerSecond: 10 } }),
    );
    return waitMailSync(client, ns, name, 'copying', (ms) => (ms.status?.progress?.messagesCopied ?? 0) >= 20);
  }

  /**
   * While a sync copies, kube-apiserver is stopped; while it is down, etcd's revision is moved on (a key
   * outside the API server's prefix is written three times) and etcd is compacted to that revision; then
   * kube-apiserver starts again. The new API server's
   * watch caches start at the compacted revision, older than any resourceVersion the controller holds, so
   * every watch the controller resumes gets 410 Gone; the controller says so (`watch expired (410 Gone)`),
   * lists again and carries on. The run ends Succeeded, exact, counts right, one worker pod, log tail
   * whole, controller and worker within their memory limits.
   */
  describe('forced watch expiry (etcd compaction, 410 Gone)', () => {
    test('forced watch expiry (etcd compaction, 410 Gone)', async () => {
      const t0 = Date.now();
      await syncing('expiry');
      const expiredLines = () => controller.lines().filter((l) => String(l.msg).startsWith('watch expired')).length;
      const expiredBefore = expiredLines();
      let compactedAt = '';
      await disruption(
        'etcd compacted past every watch, kube-apiserver restarted (fault matrix: watch expiry)',
        async () => {
          // etcd's revision moves while kube-apiserver is down, so no bookmark can hand the controller a
          // revision as new as the restarted API server's first list: every watch it resumes is too old.
          const pid = readFileSync(path.join(CLUSTER_DIR, 'pids', 'kube-apiserver.pid'), 'utf8').trim();
          const port = etcdPort();
          const flag = path.join(tmpdir(), `mailsync-watch-expiry-${process.pid}`);
          writeFileSync(flag, '');
          const restarting = restart('kube-apiserver', `until-gone:${flag}`);
          try {
            await waitFor('kube-apiserver stopped', async () => !existsSync(`/proc/${pid}`), 60_000, 100);
            const key = Buffer.from('/mailsync-faults/watch-expiry').toString('base64');
            let head = { header: { revision: '' } };
            for (let i = 0; i < 3; i++) {
              const value = Buffer.from(String(i)).toString('base64');
              head = (await etcd(port, 'kv/put', { key, value })) as typeof head;
            }
            compactedAt = head.header.revision;
            await etcd(port, 'kv/compaction', { revision: compactedAt, physical: true });
            await etcd(port, 'kv/deleterange', { key });
          } finally {
            rmSync(flag, { force: true });
          }
          await restarting;
        },
      );
      await waitFor('the controller saw its watches expire', async () => expiredLines() > expiredBefore, 120_000, 500);
      const done = await finished(client, ns, 'expiry');
      console.log(
        `[faults/cluster] watch expiry: etcd compacted at revision ${compactedAt}; ${expiredLines() - expiredBefore} watches of the controller got 410 Gone`,
      );
      await expectExactRun(client, ns, source, done, 'expiry');
      expect(done.status?.attempts ?? 1).toBe(1);
      expectControllerWithinLimit(controller);
      console.log(`[faults/cluster] watch expiry: ${elapsed(t0)}`);
    });
  });

  /**
   * While a sync copies, kube-apiserver is stopped for 30 s and started again. The worker does not need the
   * API server and keeps copying; the controller's calls fail and are retried, its watches and the log
   * follow resume when it is back. The run ends Succeeded, exact, counts right, one worker pod, the log
   * tail neither lost nor doubled across the outage, controller and worker within their memory limits.
   */
  describe('kube-apiserver stopped for 30 s and started again', () => {
    test('kube-apiserver stopped for 30 s and started again', async () => {
      const t0 = Date.now();
      await syncing('apiserver');
      await disruption('kube-apiserver stopped for 30 s (fault matrix)', () => restart('kube-apiserver', 30));
      const done = await finished(client, ns, 'apiserver');
      const pods = await podsOfJob(client, ns, done.status!.jobName!);
      console.log(
        `[faults/cluster] kube-apiserver down 30 s: worker pods ${JSON.stringify(
          pods.map((p) => ({
            name: p.metadata?.name,
            created: p.metadata?.creationTimestamp,
            phase: p.status?.phase,
            reason: p.status?.reason,
            conditions: p.status?.conditions?.filter((c) => c.status === 'True').map((c) => c.type),
            exit: p.status?.containerStatuses?.map((c) => c.state?.terminated?.exitCode),
          })),
        )}; events ${JSON.stringify((await listEvents(client, ns, 'apiserver')).map((e) => `${e.reason}: ${e.message}`))}`,
      );
      await expectExactRun(client, ns, source, done, 'apiserver');
      expect(done.status?.attempts ?? 1).toBe(1);
      expectControllerWithinLimit(controller);
      console.log(`[faults/cluster] kube-apiserver down 30 s: ${elapsed(t0)}`);
    });
  });

  /**
   * While a sync copies, etcd is restarted (stopped, started again at once; no compaction): the API server
   * reconnects, the controller's writes that failed meanwhile are retried. Succeeded, exact, counts right,
   * one worker pod, log tail whole, controller and worker within their memory limits.
   */
  describe('etcd restarted', () => {
    test('etcd restarted', async () => {
      const t0 = Date.now();
      await syncing('etcd');
      await disruption('etcd restarted (fault matrix)', () => restart('etcd'));
      const done = await finished(client, ns, 'etcd');
      await expectExactRun(client, ns, source, done, 'etcd');
      expect(done.status?.attempts ?? 1).toBe(1);
      expectControllerWithinLimit(controller);
      console.log(`[faults/cluster] etcd restarted: ${elapsed(t0)}`);
    });
  });

  /**
   * While a sync copies, the kubelet is restarted. What happens to the worker pod is recorded (it is printed:
   * the containers run on under containerd, and the restarted kubelet adopts them, or the pod is replaced);
   * either way the run continues or resumes: Succeeded, exact, nothing copied twice, counts right (copied +
   * already there = every message), log tail whole, controller and worker within their memory limits.
   */
  describe('kubelet restarted mid-sync', () => {
    test('kubelet restarted mid-sync', async () => {
      const t0 = Date.now();
      const running = await syncing('kubelet');
      const before = running.status!.workerPod!;
      await disruption('kubelet restarted (fault matrix)', () => restart('kubelet'));
      // A kubelet that restarts on a node still busy from earlier groups can take a while to post Ready.
      await waitFor(
        'node Ready again',
        async () => {
          const nodes = await client.get<{ items: { status?: { conditions?: { type: string; status: string }[] } }[] }>(
            '/api/v1/nodes',
          );
          return nodes.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        },
        240_000,
      );
      const done = await finished(client, ns, 'kubelet');
      const pods = await podsOfJob(client, ns, done.status!.jobName!);
      console.log(
        `[faults/cluster] kubelet restart: the worker pod ${done.status?.workerPod === before ? 'survived (adopted by the new kubelet)' : `was replaced (${pods.length} pods, attempts ${done.status?.attempts})`}; ${elapsed(t0)}`,
      );
      await expectExactRun(client, ns, source, done, 'kubelet');
      expect(done.status?.attempts ?? 1).toBe(pods.length);
      expectControllerWithinLimit(controller);
    });
  });
});
