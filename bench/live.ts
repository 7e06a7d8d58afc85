/**
 * Live view at scale (`npm run bench:live`; not a test): N MailSyncs running
 * at once on the one local node, and how fresh their status stays.
 *
 *   KUBECONFIG=/tmp/mailsync-cluster/kubeconfig npm run bench:live -- [--running 500]
 *       [--max-log-follows 100] [--duration 420] [--window 120] [--concurrency 8]
 *
 * The workers are STAND-INS (bench/live/standin/): 500 real Node workers do
 * not fit in this machine's memory, so each pod replays one real worker's
 * recorded JSON log (bench/live/worker-log.tsv) at its recorded pace, as
 * Kubernetes' hollow nodes stand in for kubelets. Everything else is real:
 * the controller (the build, leader election on), its Jobs and pods, the
 * kubelet's log API.
 *
 * Measured, from a watch on the MailSyncs and pods (no polling by the bench but
 * one read of each worker's first log line after the window):
 * - progress age: for every MailSync whose worker runs, now minus the kubelet
 *   timestamp of the last log line its status reflects (status.logStream),
 *   sampled every 2 s during the window; an upper bound of the staleness
 *   (the stand-in writes a line every 2 s, so the log itself is up to 2 s
 *   ahead of that line at most), p50/p99/max;
 * - time from the worker container's start to the MailSync's first status
 *   saying Running, p50/p99/max, and how many did not say Running 10 s after
 *   (a Pending status while the worker runs is no live status), split into
 *   the kubelet's share (container start to the pod shown running by the API;
 *   container start to the worker's first log line, read once after the window
 *   through the log API) and the controller's (from either to Running);
 * - the controller's peak RSS (VmHWM) and largest heap in use, run in a memory
 *   cgroup with the chart's limit (--controller-memory; Node sizes its heap from
 *   it as in the pod, and an overrun is an OOM kill, counted), its API
 *   requests/s (its own counters), and whether it lost the lease (it exits when
 *   it does).
 *
 * The node must admit N pods plus what runs already: with the kubelet's 110,
 * use --running 100, or restart the cluster with MAILSYNC_MAX_PODS=600.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { pino } from 'pino';
import type { MailSync } from '../src/api/mailsync.js';
import { paths } from '../src/controller/paths.js';
import { InformerSet } from '../src/kube/informers.js';
import type { KubeClient } from '../src/kube/kube-client.js';
import { startController } from '../test/e2e/helpers/controller-process.js';
import {
  connect,
  createNamespace,
  createSecret,
  deleteNamespaceAndWait,
  installCrd,
  mailSyncObject,
  sleep,
  waitFor,
} from '../test/e2e/helpers/kube.js';
import { controllerMemoryBytes, peakRssMiB } from './controller-memory.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const quiet = pino({ level: 'warn' });
const STANDIN_IMAGE = 'mailsync-standin:local';
/** The bench controller's log (JSON lines: its request counters, queue depth and log reads every 5 s), kept after the run. */
const CONTROLLER_LOG = path.join(tmpdir(), 'bench-live-controller.log');
const { values } = parseArgs({
  options: {
    running: { type: 'string', default: '500' },
    'max-log-follows': { type: 'string', default: '100' },
    duration: { type: 'string', default: '420' },
    /** The controller's reconciles in parallel (--concurrency). */
    concurrency: { type: 'string', default: '8' },
    window: { type: 'string', default: '120' },
    'skip-image': { type: 'boolean', default: false },
    // The controller's memory limit, as its pod has it (default: the chart's resources.limits.memory).
    'controller-memory': { type: 'string' },
  },
});
const running = Number(values.running);
const maxFollows = Number(values['max-log-follows']);
const duration = Number(values.duration);
const windowSeconds = Number(values.window);
const controllerMemory = controllerMemoryBytes(values['controller-memory']);

if (!process.env.KUBECONFIG) {
  console.error('bench/live.ts: KUBECONFIG is not set (the local cluster: make cluster-up)');
  process.exit(2);
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function containerStartedAt(pod: V1Pod): number | undefined {
  const state = pod.status?.containerStatuses?.find((c) => c.name === 'worker')?.state;
  const at = state?.running?.startedAt ?? state?.terminated?.startedAt;
  return at ? new Date(at).getTime() : undefined;
}

/** When the worker wrote its first log line (the kubelet's timestamp), read through the log API. */
async function firstLogLineAt(client: KubeClient, pod: V1Pod): Promise<number | undefined> {
  const response = await client.open('GET', paths.podLog(pod.metadata!.namespace!, pod.metadata!.name!), {
    query: { container: 'worker', timestamps: true, limitBytes: 512 },
    lane: 'streams',
    timeoutMs: 30_000,
  });
  let text = '';
  for await (const chunk of response) text += String(chunk);
  const at = Date.parse(text.slice(0, text.indexOf(' ')));
  return Number.isNaN(at) ? undefined : at;
}

const workerRunning = (pod: V1Pod) =>
  Boolean(pod.status?.containerStatuses?.find((c) => c.name === 'worker')?.state?.running);

async function main(): Promise<void> {
  console.log(
    `bench:live: ${running} MailSyncs at once with a STAND-IN worker (${STANDIN_IMAGE}: replays a recorded ` +
      `real worker log at its real pace; no IMAP), --max-log-follows ${maxFollows}`,
  );
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (!values['skip-image']) {
    execFileSync(path.join(ROOT, 'bench/live/build-standin.sh'), [String(duration)], { stdio: 'inherit' });
  }
  const { client } = await connect();
  await installCrd(client);

  const nodes = await client.get<{ items: V1Node[] }>('/api/v1/nodes');
  const maxPods = Number(nodes.items[0]?.status?.allocatable?.pods ?? 0);
  const podsNow = (await client.get<{ items: V1Pod[] }>('/api/v1/pods')).items.filter(
    (p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending',
  ).length;
  if (running + podsNow > maxPods) {
    console.error(
      `bench:live: the node admits ${maxPods} pods and ${podsNow} run already: ${running} more do not fit. ` +
        `Use --running ${Math.max(0, maxPods - podsNow - 5)}, or restart the cluster with ` +
        `MAILSYNC_MAX_PODS=600 (make cluster-down; MAILSYNC_MAX_PODS=600 make cluster-up).`,
    );
    process.exit(2);
  }

  const ns = await createNamespace(client, 'bench-live');
  await createSecret(client, ns, 'creds', { source: 'standin-source', destination: 'standin-destination' });
  const leaseName = `bench-live-${Date.now()}`;
  const controller = await startController({
    namespaces: [ns],
    image: STANDIN_IMAGE,
    imagePullPolicy: 'Never',
    concurrency: Number(values.concurrency),
    resyncSeconds: 60,
    entry: 'dist',
    leaderElect: true,
    leaseName,
    // Not in the bench namespace: deleting it at the end must not take the Lease from the controller.
    leaseNamespace: 'default',
    // In a memory cgroup with the pod's limit: Node sizes its heap from it, as in the pod.
    memoryLimitBytes: controllerMemory,
    // NODE_OPTIONS as the chart sets it for the controller.
    env: {
      MAILSYNC_REQUEST_STATS_SECONDS: '5',
      MAILSYNC_MAX_LOG_FOLLOWS: String(maxFollows),
      // BENCH_CONTROLLER_NODE_OPTIONS adds flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to find a stall.
      NODE_OPTIONS: ['--max-semi-space-size=4', process.env.BENCH_CONTROLLER_NODE_OPTIONS].filter(Boolean).join(' '),
    },
  });
  const pid = controller.process.pid!;
  // Sampled while it lives: a controller killed (OOM) before the end still has a figure.
  let lastPeakRss = 0;
  const rssSampler = setInterval(() => {
    lastPeakRss = peakRssMiB(pid) ?? lastPeakRss;
  }, 2000);
  rssSampler.unref();
  const controllerLog = createWriteStream(CONTROLLER_LOG);
  controller.process.stdout?.pipe(controllerLog);
  controller.process.stderr?.pipe(controllerLog);
  let stopping = false;
  void controller.exited.then((code) => {
    if (stopping) return;
    const tail = controller.output().trimEnd().split('\n').slice(-15).join('\n');
    console.error(`bench:live: the controller exited (code ${code}) before the end; its last lines:\n${tail}`);
  });

  // What the bench sees, from watches.
  const mailSyncs = new InformerSet<MailSync>(client, [ns], paths.mailSyncs, { name: 'bench-ms', log: quiet });
  const pods = new InformerSet<V1Pod>(client, [ns], paths.pods, {
    name: 'bench-pods',
    log: quiet,
    labelSelector: 'mailsync.io/pair',
  });
  const firstRunningAt = new Map<string, number>();
  /** When the bench's own pod watch first showed the worker running (the kubelet reports it late under load). */
  const podRunningSeenAt = new Map<string, number>();
  mailSyncs.onChange((ms) => {
    const name = ms.metadata!.name!;
    if (ms.status?.phase === 'Running' && !firstRunningAt.has(name)) firstRunningAt.set(name, Date.now());
  });
  pods.onChange((pod) => {
    const job = pod.metadata?.labels?.['job-name'];
    if (job && workerRunning(pod) && !podRunningSeenAt.has(job)) podRunningSeenAt.set(job, Date.now());
  });
  await Promise.all([mailSyncs.start(), pods.start()]);

  const started = Date.now();
  const names = Array.from({ length: running }, (_, i) => `standin-${String(i).padStart(4, '0')}`);
  const creating = pLimit(16);
  await Promise.all(
    names.map((name) =>
      creating(async () => {
        const side = (key: string, port: number) => ({
          host: '127.0.0.1',
          port,
          user: name,
          passwordSecretRef: { name: 'creds', key },
        });
        await client.create(
          paths.mailSyncs(ns),
          mailSyncObject(ns, name, {
            source: side('source', 1993),
            destination: side('destination', 2993),
            resources: { requests: { cpu: '1m', memory: '8Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
            // Starting 500 pods takes this 2-core node about 15 minutes: the default start deadline
            // (10 min) would fail the last ones as StartDeadlineExceeded before they run.
            startDeadlineSeconds: 3600,
          }),
        );
      }),
    ),
  );
  console.log(`created ${running} MailSyncs in ${seconds(Date.now() - started)} s`);

  const runningPods = () => pods.list().filter(workerRunning);
  let lastCount = -1;
  let stableSince = Date.now();
  // After 30 minutes the window starts with whatever runs: the figures say how many that was.
  await waitFor(
    `${running} worker pods running`,
    async () => {
      const count = runningPods().length;
      if (count !== lastCount) {
        lastCount = count;
        stableSince = Date.now();
      }
      // All of them, or no more coming (the rest of the bench still says how many ran).
      return count >= running || (count > 0 && Date.now() - stableSince > 60_000);
    },
    30 * 60_000,
    1000,
  ).catch((error: unknown) =>
    console.warn(`bench:live: ${String(error)}; measuring the ${runningPods().length} that run`),
  );
  const allRunningAt = Date.now();
  console.log(`${runningPods().length} worker pods running after ${seconds(allRunningAt - started)} s`);

  // The window: sample every 2 s the progress age of every MailSync whose worker runs.
  const ages: number[] = [];
  const maxAgeOf = new Map<string, number>();
  let minRunning = Number.POSITIVE_INFINITY;
  const requestTotals = () => {
    const last = controller
      .lines()
      .filter((l) => l.msg === 'api requests')
      .at(-1) as { at: number; requests: Record<string, number> } | undefined;
    return last && { at: last.at, total: Object.values(last.requests).reduce((a, b) => a + b, 0) };
  };
  const requestsBefore = requestTotals();
  const windowEnd = Date.now() + windowSeconds * 1000;
  while (Date.now() < windowEnd) {
    const now = Date.now();
    const live = runningPods();
    minRunning = Math.min(minRunning, live.length);
    const byJob = new Map(mailSyncs.list().map((m) => [m.status?.jobName, m]));
    for (const pod of live) {
      const ms = byJob.get(pod.metadata?.labels?.['job-name']);
      const startedAt = containerStartedAt(pod);
      if (!startedAt || now - startedAt < 5000) continue;
      const position = ms?.status?.logStream;
      const lineAt =
        position && position.pod === pod.metadata?.name && position.timestamp
          ? Date.parse(position.timestamp)
          : startedAt;
      const age = now - lineAt;
      ages.push(age);
      const key = ms?.metadata?.name ?? pod.metadata!.name!;
      maxAgeOf.set(key, Math.max(maxAgeOf.get(key) ?? 0, age));
    }
    await sleep(2000);
  }
  const requestsAfter = requestTotals();
  const requestRate =
    requestsBefore && requestsAfter && requestsAfter.at > requestsBefore.at
      ? (requestsAfter.total - requestsBefore.total) / ((requestsAfter.at - requestsBefore.at) / 1000)
      : Number.NaN;

  // The worker's first log line, for the pods that ran: start-up on a loaded node against the controller's share.
  const firstLineAt = new Map<string, number>();
  const lineReadErrors: string[] = [];
  const reading = pLimit(8);
  await Promise.all(
    pods
      .list()
      .filter((p) => containerStartedAt(p) !== undefined)
      .map((pod) =>
        reading(async () => {
          const at = await firstLogLineAt(client, pod).catch((error: unknown) => {
            lineReadErrors.push(String(error));
            return undefined;
          });
          if (at !== undefined) firstLineAt.set(pod.metadata?.labels?.['job-name'] ?? '', at);
        }),
      ),
  );

  if (lineReadErrors.length > 0) {
    console.warn(
      `bench:live: ${lineReadErrors.length} first log lines not read; the first error: ${lineReadErrors[0]}`,
    );
  }

  // Pod start -> first status.
  const toFirstRunning: number[] = [];
  const toFirstLine: number[] = [];
  const firstLineToRunning: number[] = [];
  let noRunningAfterFirstLine10s = 0;
  const kubeletLag: number[] = [];
  const controllerLag: number[] = [];
  let noRunningAfter10s = 0;
  let neverRunning = 0;
  const byJob = new Map(mailSyncs.list().map((m) => [m.status?.jobName, m]));
  for (const pod of pods.list()) {
    const startedAt = containerStartedAt(pod);
    const ms = byJob.get(pod.metadata?.labels?.['job-name']);
    if (!startedAt || !ms) continue;
    const runningAt = firstRunningAt.get(ms.metadata!.name!);
    const seenAt = podRunningSeenAt.get(pod.metadata?.labels?.['job-name'] ?? '');
    if (seenAt !== undefined) kubeletLag.push(Math.max(0, seenAt - startedAt));
    if (seenAt !== undefined && runningAt !== undefined) controllerLag.push(Math.max(0, runningAt - seenAt));
    const lineAt = firstLineAt.get(pod.metadata?.labels?.['job-name'] ?? '');
    if (lineAt !== undefined) {
      toFirstLine.push(Math.max(0, lineAt - startedAt));
      // Negative: Running before the first line (the API showed the container started first).
      if (runningAt !== undefined) firstLineToRunning.push(runningAt - lineAt);
      if (runningAt === undefined || runningAt - lineAt > 10_000) noRunningAfterFirstLine10s++;
    }
    if (runningAt !== undefined) toFirstRunning.push(Math.max(0, runningAt - startedAt));
    else neverRunning++;
    // "Pending" while the worker runs is no live status: only Running counts.
    if (runningAt === undefined || runningAt - startedAt > 10_000) noRunningAfter10s++;
  }

  clearInterval(rssSampler);
  const rss = peakRssMiB(pid) ?? lastPeakRss;
  const memoryLines = controller
    .lines()
    .filter((l) => l.msg === 'api requests')
    .map((l) => l.memoryMiB as { heapUsed: number; external: number } | undefined);
  const heapUsedMax = Math.max(0, ...memoryLines.map((m) => m?.heapUsed ?? 0));
  // Killed by a signal (the OOM killer), a process has no exit code but a signal code.
  const alive = controller.process.exitCode === null && controller.process.signalCode === null;
  const lostLease = controller.lines().some((l) => String(l.msg).includes('lost the lease'));
  const lease = await client.get<{ spec?: { holderIdentity?: string; leaseTransitions?: number } }>(
    `/apis/coordination.k8s.io/v1/namespaces/default/leases/${leaseName}`,
  );
  const results = {
    worker: `STAND-IN (${STANDIN_IMAGE}, replays bench/live/worker-log.tsv at the recorded pace)`,
    'MailSyncs created': running,
    'worker pods running at once (min over the window)': minRunning,
    '--max-log-follows': maxFollows,
    'controller --concurrency': Number(values.concurrency),
    'until all running (s)': seconds(allRunningAt - started),
    'window (s)': windowSeconds,
    'progress age p50 (s)': seconds(percentile(ages, 50)),
    'progress age p99 (s)': seconds(percentile(ages, 99)),
    'progress age max (s)': seconds(Math.max(...ages)),
    'MailSyncs whose progress was ever > 15 s old': [...maxAgeOf.values()].filter((a) => a > 15_000).length,
    'pod start -> Running in status p50 (s)': seconds(percentile(toFirstRunning, 50)),
    'pod start -> Running in status p99 (s)': seconds(percentile(toFirstRunning, 99)),
    'pod start -> Running in status max (s)': seconds(Math.max(...toFirstRunning)),
    'of which: container start -> pod shown running by the API p50/p99 (s)': `${seconds(percentile(kubeletLag, 50))}/${seconds(percentile(kubeletLag, 99))}`,
    'of which: pod shown running -> MailSync Running p50/p99 (s)': `${seconds(percentile(controllerLag, 50))}/${seconds(percentile(controllerLag, 99))}`,
    'of which: container start -> its first log line p50/p99 (s)': `${seconds(percentile(toFirstLine, 50))}/${seconds(percentile(toFirstLine, 99))}`,
    'of which: first log line -> MailSync Running p50/p99 (s)': `${seconds(percentile(firstLineToRunning, 50))}/${seconds(percentile(firstLineToRunning, 99))}`,
    'MailSyncs not Running in status 10 s after their pod started': noRunningAfter10s,
    'MailSyncs not Running in status 10 s after their first log line': `${noRunningAfterFirstLine10s} of ${firstLineToRunning.length}`,
    'MailSyncs never Running in status while the bench watched': neverRunning,
    'controller memory limit (cgroup, as the pod)': `${(controllerMemory / 1048576).toFixed(0)} MiB`,
    'controller peak RSS (MiB)': `${rss.toFixed(0)}${alive ? '' : ' (last sample before it exited)'}`,
    'controller heap used, max of the 5 s samples (MiB)': heapUsedMax,
    'controller OOM kills': controller.oomKills(),
    'controller API requests/s (window)': requestRate.toFixed(1),
    'lease kept (controller alive, never lost, 0 transitions)':
      alive && !lostLease && (lease.spec?.leaseTransitions ?? 0) === 0 ? 'yes' : 'NO',
  };
  console.log(`\nbench:live (stand-in workers); the controller's log: ${CONTROLLER_LOG}`);
  console.table(results);
  console.log(JSON.stringify(results));

  mailSyncs.stop();
  pods.stop();
  await deleteNamespaceAndWait(client, ns, 15 * 60_000).catch((error) => console.warn(String(error)));
  stopping = true;
  await controller.stop();
  await client.request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/default/leases/${leaseName}`).catch(() => {});
  client.close();
}

await main();
process.exit(0);
