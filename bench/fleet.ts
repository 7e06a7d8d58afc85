/**
 * Fleet migration benchmark (`npm run bench:fleet`; not a test).
 *
 *   KUBECONFIG=/tmp/mailsync-cluster/kubeconfig MAILSYNC_IMAGE=mailsync-operator:dev \
 *     npm run bench:fleet -- [--accounts 1000] [--per-host 50] [--accounts-per-worker 1] [--no-mbsync] [--no-delta]
 *       [--throttle MSGS_PER_S] [--worker-cpu-request 10m]   # many long runs at once (the live view at scale)
 *   npm run bench:fleet -- --accounts 50 --baseline-only      # the GNU parallel + mbsync half, no cluster
 *   npm run bench:fleet -- --baseline-only --engine-in-process # and the engine alone, in this process
 *
 * Two real Dovecot servers on 127.0.0.1 (test/harness), N users on each with
 * 20-50 small messages in the source. Then:
 * 1. the MailMigration: one resource of N accounts (a CSV account file in a
 *    Secret) with concurrency.perSourceHost, the real worker image, the
 *    controller from the build with leader election: wall time until the
 *    presync pass ended with every account Succeeded, accounts/min,
 *    aggregate messages/s, controller peak RSS, API requests/s, the most
 *    children seen running at once (the cap), and status staleness (now
 *    minus the last log line a running child's status reflects, sampled);
 * 2. imapsync's FAQ.Massive recipe shape on the same accounts: GNU parallel
 *    --max-procs P over the account file, mbsync (isync) per account, into
 *    separate destination users: wall time and accounts/min, for the ratio;
 * 3. a no-change pass over every account (spec.finalPass: true, the pass a
 *    migration runs at the cut-over): wall time and API requests per account;
 * 4. with --engine-in-process: the project's own sync engine over the same
 *    accounts in this one Node process, P accounts at once, into separate
 *    destination users: no pod, no API object, no start-up per account. That
 *    is the ceiling of any design that packs several accounts into one worker
 *    pod, measured against the recipe in the same run.
 * `apt-get install parallel isync` for part 2.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { MailSync } from '../src/api/mailsync.js';
import { LABEL_MIGRATION } from '../src/api/migration.js';
import type { MailMigrationStatus } from '../src/api/migration-status.js';
import type { MailSyncSpec } from '../src/api/spec.js';
import { paths } from '../src/controller/paths.js';
import { InformerSet } from '../src/kube/informers.js';
import { type KubeClient, MERGE_PATCH } from '../src/kube/kube-client.js';
import { totalRequests } from '../src/kube/request-key.js';
import { runSync } from '../src/sync/engine.js';
import { startController } from '../test/e2e/helpers/controller-process.js';
import {
  connect,
  createNamespace,
  createSecret,
  deleteNamespaceAndWait,
  installCrd,
  sleep,
  waitFor,
} from '../test/e2e/helpers/kube.js';
import { testMessage } from '../test/e2e/helpers/mail.js';
import { installMigrationCrd } from '../test/e2e/helpers/migration.js';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../test/harness/dovecot.js';
import { appendMessages } from '../test/harness/mailbox.js';
import { controllerMemoryBytes, peakRssMiB } from './controller-memory.js';
import { cpuBetween, cpuSnapshot, printCpuPerAccount } from './cpu-meter.js';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The bench controller's log (JSON lines), kept after the run. */
const CONTROLLER_LOG = path.join(tmpdir(), 'bench-fleet-controller.log');
/** When each child's pod started and when it was first seen Running (CSV), kept after the run. */
const RUNNING_CSV = path.join(tmpdir(), 'bench-fleet-running.csv');
const quiet = pino({ level: 'warn' });
const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '1000' },
    'per-host': { type: 'string', default: '50' },
    // spec.accountsPerWorker: accounts per worker pod (1: a pod per account).
    'accounts-per-worker': { type: 'string', default: '1' },
    // spec.template.throttle.maxMessagesPerSecond: long runs, so that many run at once (the live view at scale).
    throttle: { type: 'string' },
    // template.resources.requests.cpu: throttled runs idle, and 100m per pod (the default) fills a 2-core node at 20 pods.
    'worker-cpu-request': { type: 'string' },
    seed: { type: 'string', default: '7' },
    'no-mbsync': { type: 'boolean', default: false },
    'no-delta': { type: 'boolean', default: false },
    'baseline-only': { type: 'boolean', default: false },
    'engine-in-process': { type: 'boolean', default: false },
    // Added to the chart's NODE_OPTIONS for the controller: --controller-node-options="--cpu-prof --cpu-prof-dir=DIR".
    'controller-node-options': { type: 'string', default: '' },
  },
});
const N = Number(values.accounts);
const perHost = Number(values['per-host']);
const perWorker = Number(values['accounts-per-worker']);
const throttle = values.throttle === undefined ? undefined : Number(values.throttle);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Deterministic 20-50 messages per account. */
function messagesOf(i: number): number {
  const x = Math.sin(i * 12.9898 + Number(values.seed)) * 43758.5453;
  return 20 + Math.floor((x - Math.floor(x)) * 31);
}
const user = (i: number) => `fleet${String(i).padStart(4, '0')}`;

function percentile(list: number[], p: number): number {
  if (list.length === 0) return Number.NaN;
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function prepare(pair: DovecotPair): Promise<number> {
  const started = Date.now();
  let total = 0;
  const indexes = Array.from({ length: N }, (_, i) => i);
  await pair.a.addUsers(indexes.map((i) => [user(i), `a-${user(i)}`] as const));
  await pair.b.addUsers([
    ...indexes.map((i) => [user(i), `b-${user(i)}`] as const),
    ...(values['no-mbsync'] ? [] : indexes.map((i) => [`${user(i)}mb`, `b-${user(i)}mb`] as const)),
    ...(values['engine-in-process'] ? indexes.map((i) => [`${user(i)}en`, `b-${user(i)}en`] as const) : []),
  ]);
  await inParallel(
    Array.from({ length: N }, (_, i) => i),
    8,
    async (i) => {
      const count = messagesOf(i);
      total += count;
      await appendMessages(
        pair.a,
        user(i),
        'INBOX',
        Array.from({ length: count }, (_, m) => ({ raw: testMessage(user(i), m, 600) })),
      );
    },
  );
  console.log(`${N} accounts, ${total} messages in the source, prepared in ${seconds(Date.now() - started)} s`);
  return total;
}

/** FAQ.Massive's shape: GNU parallel over the account file, one mbsync per account. */
function parallelMbsync(pair: DovecotPair, dir: string, totalMessages: number): Record<string, string | number> {
  const configs: string[] = [];
  const store = (name: string, server: DovecotServer, login: string) => `IMAPAccount ${name}
Host localhost
Port ${server.implicitTlsPort}
User ${login}
Pass ${server.password(login)}
SSLType IMAPS
CertificateFile ${server.caFile}
PipelineDepth 50

IMAPStore ${name}-store
Account ${name}
`;
  for (let i = 0; i < N; i++) {
    const file = path.join(dir, `mbsyncrc-${user(i)}`);
    writeFileSync(
      file,
      `${store('far', pair.a, user(i))}\n${store('near', pair.b, `${user(i)}mb`)}
Channel fleet
Far :far-store:
Near :near-store:
Patterns * !"Sent Items" !"Deleted Items" !"Junk Email"
Create Near
Sync Pull
CopyArrivalDate yes
SyncState ${dir}/state-${user(i)}/
`,
      { mode: 0o600 },
    );
    configs.push(file);
  }
  const accountFile = path.join(dir, 'accounts.txt');
  writeFileSync(accountFile, `${configs.join('\n')}\n`);
  const cpuBefore = cpuSnapshot();
  const started = Date.now();
  const result = spawnSync(
    'parallel',
    ['--will-cite', '--max-procs', String(perHost), '--arg-file', accountFile, 'mbsync', '-q', '-c', '{}', 'fleet'],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  const wall = Date.now() - started;
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(), { [process.pid]: 'the benchmark itself (node)' });
  printCpuPerAccount('CPU-s per account, parallel + mbsync (Dovecot included):', cpu, N);
  if (result.status !== 0)
    console.warn(`parallel/mbsync errors (first lines):\n${result.stderr.split('\n').slice(0, 10).join('\n')}`);
  return {
    recipe: `GNU parallel --max-procs ${perHost} over the account file, mbsync per account`,
    accounts: N,
    'failed (parallel exit code)': result.status ?? -1,
    'wall (s)': seconds(wall),
    'accounts/min': ((N / wall) * 60_000).toFixed(0),
    'messages/s': ((totalMessages / wall) * 1000).toFixed(0),
    'machine CPU-s per account': (cpu.machine / N).toFixed(2),
  };
}

/**
 * The engine alone: runSync per account in this process, P at once, its JSON events to a file (as a
 * worker's go to its pod's log). What a worker that syncs many accounts in one pod could reach at best.
 */
async function engineInProcess(
  pair: DovecotPair,
  dir: string,
  totalMessages: number,
): Promise<Record<string, string | number>> {
  const specs = await Promise.all(
    Array.from(
      { length: N },
      async (_, i): Promise<MailSyncSpec> => ({
        source: await pair.a.endpoint(user(i)),
        destination: await pair.b.endpoint(`${user(i)}en`),
      }),
    ),
  );
  const logFile = path.join(dir, 'engine-events.log');
  const logger = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: false }));
  const outcomes = new Map<string, number>();
  const cpuBefore = cpuSnapshot();
  const started = Date.now();
  await inParallel(specs, perHost, async (spec) => {
    const summary = await runSync(spec, { logger });
    const key = summary.verdict;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  });
  const wall = Date.now() - started;
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(), { [process.pid]: 'the engine (this node process)' });
  logger.flush();
  printCpuPerAccount('CPU-s per account, the engine in one process (Dovecot included):', cpu, N);
  return {
    recipe: `the sync engine in one Node process, ${perHost} accounts at once`,
    accounts: N,
    verdicts: [...outcomes].map(([verdict, count]) => `${verdict} ${count}`).join(', '),
    'wall (s)': seconds(wall),
    'accounts/min': ((N / wall) * 60_000).toFixed(0),
    'messages/s': ((totalMessages / wall) * 1000).toFixed(0),
    'machine CPU-s per account': (cpu.machine / N).toFixed(2),
  };
}

async function migration(pair: DovecotPair, totalMessages: number): Promise<Record<string, string | number>[]> {
  const image = process.env.MAILSYNC_IMAGE;
  if (!image) throw new Error('MAILSYNC_IMAGE is not set (test/cluster/build-image.sh)');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const { client } = await connect();
  await installCrd(client);
  // A fresh cluster has neither CRD: the MailMigration one too.
  await installMigrationCrd(client);
  const ns = await createNamespace(client, 'bench-fleet');
  const csv = [
    'host1,port1,user1,password1,host2,port2,user2,password2',
    ...Array.from(
      { length: N },
      (_, i) =>
        `127.0.0.1,${pair.a.implicitTlsPort},${user(i)},a-${user(i)},127.0.0.1,${pair.b.implicitTlsPort},${user(i)},b-${user(i)}`,
    ),
  ].join('\n');
  await createSecret(client, ns, 'accounts', { 'accounts.csv': `${csv}\n` });
  await createSecret(client, ns, 'ca', { 'ca.crt': pair.a.caPem });
  const leaseName = `bench-fleet-${Date.now()}`;
  const controller = await startController({
    namespaces: [ns],
    image,
    concurrency: 8,
    resyncSeconds: 60,
    entry: 'dist',
    leaderElect: true,
    leaseName,
    // Not in the bench namespace: deleting it at the end must not take the Lease from the controller.
    leaseNamespace: 'default',
    // In a memory cgroup with the chart's limit, so its heap is sized as in its pod.
    memoryLimitBytes: controllerMemoryBytes(),
    // NODE_OPTIONS as the chart sets it for the controller.
    env: {
      MAILSYNC_REQUEST_STATS_SECONDS: '5',
      MAILSYNC_LOG_LEVEL: process.env.BENCH_CONTROLLER_LOG_LEVEL ?? 'info',
      NODE_OPTIONS: `--max-semi-space-size=4 ${values['controller-node-options']}`.trim(),
    },
  });
  // Its log, as it goes, for a look after the run (kept in memory by the helper too).
  const controllerLog = createWriteStream(CONTROLLER_LOG);
  controller.process.stdout?.pipe(controllerLog);
  controller.process.stderr?.pipe(controllerLog);
  // A bare process, not a Deployment: nothing restarts it (a controller that loses its Lease exits, as
  // controller-runtime's do), so a pass would wait for hours. Stop and say why instead.
  const controllerGone = controller.exited.then((code) => {
    const last = controller.output().trimEnd().split('\n').slice(-20).join('\n');
    throw new Error(
      `the controller exited (code ${code}) during the run (its log: ${CONTROLLER_LOG}); last lines:\n${last}`,
    );
  });
  controllerGone.catch(() => undefined);
  const untilControllerGone = <T>(wait: Promise<T>) => Promise.race([wait, controllerGone]);
  const children = new InformerSet<MailSync>(client, [ns], paths.mailSyncs, { name: 'bench-children', log: quiet });
  // When the bench first saw each child's current run Running ("uid/jobName" -> ms), from its watch.
  const runningSeen = new Map<string, number>();
  children.onChange((ms) => {
    if (ms.status?.phase !== 'Running' || !ms.status.jobName) return;
    const key = `${ms.metadata?.uid}/${ms.status.jobName}`;
    if (!runningSeen.has(key)) runningSeen.set(key, Date.now());
  });
  await children.start();
  const pods = new InformerSet<V1Pod>(client, [ns], paths.pods, { name: 'bench-pods', log: quiet });
  await pods.start();
  // The controller's counters (by verb and resource) from its latest "api requests" line.
  const requestCounts = () =>
    (
      controller
        .lines()
        .filter((l) => l.msg === 'api requests')
        .at(-1) as { at: number; requests: Record<string, number> } | undefined
    )?.requests;
  const requestTotal = () => {
    const counts = requestCounts();
    return counts ? totalRequests(counts) : Number.NaN;
  };
  // Requests per account since `before`, by verb and resource, most first.
  const perAccount = (pass: string, before: Record<string, number> | undefined) => {
    const after = requestCounts() ?? {};
    const rows = Object.entries(after)
      .map(([key, n]) => [key, (n - (before?.[key] ?? 0)) / N] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    console.log(`API requests per account, ${pass}, by verb and resource:`);
    for (const [key, n] of rows) console.log(`  ${n.toFixed(2).padStart(7)}  ${key}`);
  };
  const mmPath = `/apis/mailsync.io/v1alpha1/namespaces/${ns}/mailmigrations`;
  const side = { tls: 'implicit', caSecretRef: { name: 'ca', key: 'ca.crt' } };
  const results: Record<string, string | number>[] = [];
  try {
    // The controller logs its request counters every 5 s: start from its first line.
    await waitFor('the controller request counters', async () => !Number.isNaN(requestTotal()), 60_000, 500);
    const cpuLabels = { [controller.process.pid!]: 'controller (node)', [process.pid]: 'the benchmark itself (node)' };
    const cpuAtStart = cpuSnapshot();
    const started = Date.now();
    const startedAtBench = started;
    const requestsAtStart = requestTotal();
    const countsAtStart = requestCounts();
    await client.create(mmPath, {
      apiVersion: 'mailsync.io/v1alpha1',
      kind: 'MailMigration',
      metadata: { name: 'fleet', namespace: ns },
      spec: {
        template: {
          source: side,
          destination: side,
          ...(throttle ? { throttle: { maxMessagesPerSecond: throttle } } : {}),
          ...(values['worker-cpu-request'] ? { resources: { requests: { cpu: values['worker-cpu-request'] } } } : {}),
        },
        accountsFrom: { secretRef: { name: 'accounts', key: 'accounts.csv' }, format: 'csv' },
        concurrency: { perSourceHost: perHost },
        ...(perWorker > 1 ? { accountsPerWorker: perWorker } : {}),
      },
    });
    const stale: number[] = [];
    let maxRunning = 0;
    /**
     * How long after its worker container started (the pod's startedAt, whole seconds, so up to 1 s
     * high) each child of this pass was first seen Running: issue 9's "no MailSync without status
     * 10 s after its pod starts". A packed child's pod is its batch's.
     */
    const podStartToRunning = () => {
      const startedAt = new Map<string, number>();
      for (const pod of pods.list()) {
        const job = pod.metadata?.labels?.['job-name'] ?? pod.metadata?.labels?.['batch.kubernetes.io/job-name'];
        const state = pod.status?.containerStatuses?.[0]?.state;
        const at = state?.running?.startedAt ?? state?.terminated?.startedAt;
        if (job && at) startedAt.set(job, Math.min(startedAt.get(job) ?? Infinity, new Date(at).getTime()));
      }
      const delays: number[] = [];
      const rows: string[] = [];
      for (const [key, seen] of runningSeen) {
        const job = key.slice(key.indexOf('/') + 1);
        const started = startedAt.get(job);
        if (started === undefined) continue;
        delays.push(Math.max(0, seen - started));
        rows.push(`${job},${started - startedAtBench},${seen - startedAtBench}`);
      }
      // Each child's pod start and first Running, ms since the migration was made, for a look afterwards.
      writeFileSync(RUNNING_CSV, `job,podStartedMs,runningSeenMs\n${rows.join('\n')}\n`);
      return {
        'container start -> child Running p50/p99 (s), late > 10 s': `${seconds(percentile(delays, 50))}/${seconds(
          percentile(delays, 99),
        )}, ${delays.filter((d) => d > 10_000).length} of ${delays.length}`,
      };
    };
    const status = async () =>
      (await client.get<{ status?: MailMigrationStatus }>(`${mmPath}/fleet`)).status ?? ({} as MailMigrationStatus);
    const sample = () => {
      const now = Date.now();
      const mine = children.list().filter((c) => c.metadata?.labels?.[LABEL_MIGRATION] === 'fleet');
      const running = mine.filter((c) => c.status?.phase === 'Running');
      maxRunning = Math.max(maxRunning, running.length);
      for (const c of running) {
        const at = c.status?.logStream?.timestamp;
        if (at) stale.push(now - Date.parse(at));
      }
    };
    const passEnded = async (kind: string, after: number) => {
      const s = await status();
      const pass = s.pass;
      return pass?.kind === kind && pass.endTime !== undefined && Date.parse(pass.startTime) >= after - 2000
        ? s
        : undefined;
    };
    let presync: MailMigrationStatus | undefined;
    await untilControllerGone(
      waitFor(
        'the presync pass to end',
        async () => {
          sample();
          presync = await passEnded('presync', started);
          return presync;
        },
        6 * 3600_000,
        3000,
      ),
    );
    await sleep(6000); // the controller's request counters are logged every 5 s
    const wall = Date.now() - started - 6000;
    const requests = requestTotal() - requestsAtStart;
    perAccount('presync pass', countsAtStart);
    const presyncCpu = cpuBetween(cpuAtStart, cpuSnapshot(), cpuLabels);
    printCpuPerAccount(
      'CPU-s per account, presync pass (Dovecot included; 6 s of idle bench wait at the end):',
      presyncCpu,
      N,
    );
    results.push({
      run: `MailMigration, ${N} accounts, perSourceHost ${perHost}, accountsPerWorker ${perWorker}`,
      succeeded: presync?.pass?.accounts.succeeded ?? 0,
      failed: presync?.pass?.accounts.failed ?? 0,
      'wall (s)': seconds(wall),
      'accounts/min': ((N / wall) * 60_000).toFixed(0),
      'messages/s': ((totalMessages / wall) * 1000).toFixed(0),
      'most children running at once': maxRunning,
      'controller peak RSS (MiB, in a cgroup with the chart limit)': (
        peakRssMiB(controller.process.pid!) ?? Number.NaN
      ).toFixed(0),
      'controller OOM kills': controller.oomKills(),
      'API requests/s': ((requests / wall) * 1000).toFixed(1),
      'status staleness p50/p99 (s)': `${seconds(percentile(stale, 50))}/${seconds(percentile(stale, 99))}`,
      ...podStartToRunning(),
      'machine CPU-s per account': (presyncCpu.machine / N).toFixed(2),
    });
    console.log(JSON.stringify(results.at(-1)));
    if (presync?.failureReasons?.length) console.log(`failure reasons: ${JSON.stringify(presync.failureReasons)}`);

    if (!values['no-delta']) {
      const deltaCpuBefore = cpuSnapshot();
      const deltaStarted = Date.now();
      const before = requestTotal();
      const countsBefore = requestCounts();
      // A MailMigration's passes after the presync come from spec.schedule or spec.finalPass (the run-now
      // annotation is what the migration sets on its children): finalPass runs one more pass over every
      // account, here with nothing new to copy.
      await client.request('PATCH', `${mmPath}/fleet`, {
        body: { spec: { finalPass: true } },
        contentType: MERGE_PATCH,
      });
      let delta: MailMigrationStatus | undefined;
      await untilControllerGone(
        waitFor(
          'the no-change pass to end',
          async () => {
            delta = await passEnded('final', deltaStarted);
            return delta;
          },
          6 * 3600_000,
          3000,
        ),
      );
      await sleep(6000); // the controller's request counters are logged every 5 s
      const deltaWall = Date.now() - deltaStarted - 6000;
      const deltaCpu = cpuBetween(deltaCpuBefore, cpuSnapshot(), cpuLabels);
      results.push({
        run: 'no-change pass over every account (spec.finalPass)',
        succeeded: delta?.pass?.accounts.succeeded ?? 0,
        failed: delta?.pass?.accounts.failed ?? 0,
        'wall (s)': seconds(deltaWall),
        'API requests per account': ((requestTotal() - before) / N).toFixed(1),
        'machine CPU-s per account': (deltaCpu.machine / N).toFixed(2),
      });
      console.log(JSON.stringify(results.at(-1)));
      perAccount('no-change pass', countsBefore);
      printCpuPerAccount('CPU-s per account, no-change pass:', deltaCpu, N);
    }
  } finally {
    children.stop();
    await cleanup(client, ns);
    await controller.stop();
    await client
      .request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/default/leases/${leaseName}`)
      .catch(() => {});
    client.close();
  }
  return results;
}

async function cleanup(client: KubeClient, ns: string): Promise<void> {
  await deleteNamespaceAndWait(client, ns, 30 * 60_000).catch((error) => console.warn(String(error)));
}

async function main(): Promise<void> {
  if (!values['baseline-only'] && !process.env.KUBECONFIG) {
    console.error('bench/fleet.ts: KUBECONFIG is not set (the local cluster), or use --baseline-only');
    process.exit(2);
  }
  // Two connections per side for each account running at once, with room (Dovecot's default is 100).
  const processLimit = Math.max(100, 2 * Math.min(N, perHost) + 50);
  const pair = await startDovecotPair({
    a: { maxUserIpConnections: 100, processLimit },
    b: { maxUserIpConnections: 100, processLimit },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'mailsync-fleet-'));
  const results: Record<string, string | number>[] = [];
  try {
    const total = await prepare(pair);
    if (!values['baseline-only']) results.push(...(await migration(pair, total)));
    if (!values['no-mbsync']) {
      results.push(parallelMbsync(pair, dir, total));
      console.log(JSON.stringify(results.at(-1)));
    }
    if (values['engine-in-process']) {
      results.push(await engineInProcess(pair, dir, total));
      console.log(JSON.stringify(results.at(-1)));
    }
  } finally {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nbench:fleet');
  console.table(results);
  const mm = results.find((r) => String(r.run).startsWith('MailMigration'));
  const mb = results.find((r) => String(r.recipe ?? '').startsWith('GNU parallel'));
  const en = results.find((r) => String(r.recipe ?? '').startsWith('the sync engine'));
  const ratio = (a: Record<string, string | number>) =>
    (Number(a['accounts/min']) / Number(mb!['accounts/min'])).toFixed(2);
  if (mm && mb) console.log(`accounts/min ratio MailMigration / parallel+mbsync: ${ratio(mm)}`);
  if (en && mb) console.log(`accounts/min ratio engine in one process / parallel+mbsync: ${ratio(en)}`);
}

await main();
process.exit(0);
