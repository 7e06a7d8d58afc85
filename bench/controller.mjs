#!/usr/bin/env node
/**
 * Controller benchmark (not a test): npm run bench:controller
 *   KUBECONFIG=...                    the cluster (the local one: make cluster-up)
 *   MAILSYNC_IMAGE=...                optional: also measure status writes of really running syncs
 *   --n 100,1000                      sizes of the "many MailSyncs" runs
 *   --running 10                      how many real syncs for the status-write measurement (0 = skip)
 *   --concurrency 8                   controller reconcile concurrency
 *   --node-options "..."              NODE_OPTIONS for the controller (e.g. --max-semi-space-size=4)
 *
 * Part 1, per N: N MailSyncs (distinct account pairs) whose worker pods never
 * start (image not there, pull policy Never). Reports the time until all N
 * Jobs exist, the controller's peak RSS, and its API request rate in steady
 * state (everything created, nothing changing).
 * Part 2: M real syncs between two Dovecot servers on 127.0.0.1, throttled so
 * they run for minutes; reports status writes per running sync per minute.
 * Runs the controller as a child process from the sources (tsx).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { paths } from '../src/controller/paths.ts';
import { startController } from '../test/e2e/helpers/controller-process.ts';
import {
  connect,
  createNamespace,
  createSecret,
  deleteNamespaceAndWait,
  installCrd,
  mailSyncObject,
  sleep,
  waitFor,
} from '../test/e2e/helpers/kube.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100,1000' },
    running: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    'node-options': { type: 'string', default: '' },
  },
});
const sizes = values.n.split(',').map(Number);
const runningCount = Number(values.running);
const concurrency = Number(values.concurrency);

if (!process.env.KUBECONFIG) {
  console.error('bench/controller.mjs: KUBECONFIG is not set (make cluster-up)');
  process.exit(2);
}
// The controller runs from the build, as in the image (tsx would add its own memory).
try {
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
} catch {
  // tsc still writes dist/ when some other part of the tree has type errors; the controller's part is what runs.
  console.warn('bench/controller.mjs: the build reported errors (see above); running the emitted dist/ anyway');
}
const { client } = await connect();
await installCrd(client);

/** Peak RSS of a process so far (kernel's high-water mark), in MiB. */
function peakRssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** The controller's API request counters from its latest "api requests" log line. */
function requestTotal(controller) {
  const lines = controller.lines().filter((l) => l.msg === 'api requests');
  const last = lines.at(-1);
  if (!last) return undefined;
  return { at: last.at, total: Object.values(last.requests).reduce((a, b) => a + b, 0), byVerb: last.requests };
}

/** Heap and RSS from the controller's own metrics (prom-client default metrics), in MiB. */
async function memory(controller) {
  const text = await controller.metrics();
  return {
    rss: metricValue(text, 'process_resident_memory_bytes') / 2 ** 20,
    heap: metricValue(text, 'nodejs_heap_size_used_bytes') / 2 ** 20,
  };
}

function metricValue(text, name) {
  const match = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

async function inParallel(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const results = [];

for (const n of sizes) {
  const ns = await createNamespace(client, `bench-${n}`);
  await createSecret(client, ns, 'creds', { source: 'bench-source', destination: 'bench-destination' });
  const controller = await startController({
    namespaces: [ns],
    image: 'mailsync-bench.invalid/not-there:never',
    imagePullPolicy: 'Never',
    concurrency,
    resyncSeconds: 60,
    entry: 'dist',
    env: { MAILSYNC_REQUEST_STATS_SECONDS: '5', NODE_OPTIONS: values['node-options'] },
  });
  const pid = controller.process.pid;
  const started = Date.now();
  let peakHeap = 0;
  const sampler = setInterval(() => {
    memory(controller)
      .then((m) => {
        peakHeap = Math.max(peakHeap, m.heap);
      })
      .catch(() => {});
  }, 1000);
  await inParallel(
    Array.from({ length: n }, (_, i) => i),
    16,
    (i) =>
      client.create(
        paths.mailSyncs(ns),
        mailSyncObject(ns, `ms-${i}`, {
          source: { host: '127.0.0.1', port: 1, user: `user${i}`, passwordSecretRef: { name: 'creds', key: 'source' } },
          destination: {
            host: '127.0.0.1',
            port: 2,
            user: `user${i}`,
            passwordSecretRef: { name: 'creds', key: 'destination' },
          },
        }),
      ),
  );
  const created = Date.now();
  await waitFor(`${n} Jobs`, async () => (await client.get(paths.jobs(ns))).items.length >= n, 15 * 60_000, 500);
  const jobsAt = Date.now();
  // Steady state: every Job has made its pod (the Job controller takes its time), the churn has settled.
  await waitFor(
    `${n} pods`,
    async () => (await client.get(paths.pods(ns), { labelSelector: 'mailsync.io/pair' })).items.length >= n,
    15 * 60_000,
    2000,
  );
  const podsAt = Date.now();
  await sleep(30_000);
  const a = requestTotal(controller);
  await sleep(60_000);
  const b = requestTotal(controller);
  const rate = a && b && b.at > a.at ? (b.total - a.total) / ((b.at - a.at) / 1000) : Number.NaN;
  const byVerb =
    a && b ? Object.fromEntries(Object.entries(b.byVerb).map(([v, n]) => [v, n - (a.byVerb[v] ?? 0)])) : {};
  clearInterval(sampler);
  const now = await memory(controller);
  const rss = peakRssMiB(pid);
  console.log(`N=${n}: requests in the steady-state minute by verb and resource ${JSON.stringify(byVerb)}`);
  results.push({
    part: 'many MailSyncs',
    n,
    'create N MailSyncs (s)': ((created - started) / 1000).toFixed(1),
    'until all N Jobs exist (s)': ((jobsAt - started) / 1000).toFixed(1),
    'until all N pods exist (s)': ((podsAt - started) / 1000).toFixed(1),
    'peak RSS (MiB)': rss.toFixed(0),
    'RSS steady (MiB)': now.rss.toFixed(0),
    'peak heap used (MiB)': peakHeap.toFixed(0),
    'API requests/s steady': rate.toFixed(2),
  });
  console.log(JSON.stringify(results.at(-1)));
  // Clean up while the controller runs (it removes its finalizers).
  await deleteNamespaceAndWait(client, ns, 15 * 60_000);
  await controller.stop();
}

if (runningCount > 0 && process.env.MAILSYNC_IMAGE) {
  const { startDovecotPair } = await import('../test/harness/dovecot.ts');
  const { addUserOnBoth, seedMailbox } = await import('../test/e2e/helpers/mail.ts');
  const pair = await startDovecotPair();
  const ns = await createNamespace(client, 'bench-running');
  const controller = await startController({
    namespaces: [ns],
    image: process.env.MAILSYNC_IMAGE,
    concurrency,
    entry: 'dist',
  });
  try {
    for (let i = 0; i < runningCount; i++) {
      const user = `runner${i}`;
      await addUserOnBoth(pair, user, { a: `a-${user}`, b: `b-${user}` });
      await createSecret(client, ns, `${user}-creds`, {
        source: `a-${user}`,
        destination: `b-${user}`,
        'ca.crt': pair.a.caPem,
      });
      await seedMailbox(pair.a, user, 200);
      const side = (port, key) => ({
        host: '127.0.0.1',
        port,
        tls: 'implicit',
        user,
        passwordSecretRef: { name: `${user}-creds`, key },
        caSecretRef: { name: `${user}-creds`, key: 'ca.crt' },
      });
      await client.create(
        paths.mailSyncs(ns),
        mailSyncObject(ns, user, {
          source: side(pair.a.implicitTlsPort, 'source'),
          destination: side(pair.b.implicitTlsPort, 'destination'),
          throttle: { maxMessagesPerSecond: 1 },
          performance: { batchMessages: 1 },
        }),
      );
    }
    await waitFor(
      'all syncs running',
      async () =>
        (await client.get(paths.mailSyncs(ns))).items.filter((m) => m.status?.phase === 'Running').length ===
        runningCount,
      10 * 60_000,
      1000,
    );
    await sleep(10_000);
    const before = metricValue(await controller.metrics(), 'mailsync_status_writes_total');
    const windowStart = Date.now();
    await sleep(90_000);
    const after = metricValue(await controller.metrics(), 'mailsync_status_writes_total');
    const minutes = (Date.now() - windowStart) / 60_000;
    const running = (await client.get(paths.mailSyncs(ns))).items.filter((m) => m.status?.phase === 'Running').length;
    results.push({
      part: 'running syncs',
      n: runningCount,
      'still running at the end': running,
      'status writes per running sync per minute': ((after - before) / runningCount / minutes).toFixed(2),
      'peak RSS (MiB)': peakRssMiB(controller.process.pid).toFixed(0),
    });
    console.log(JSON.stringify(results.at(-1)));
  } finally {
    await deleteNamespaceAndWait(client, ns, 10 * 60_000).catch(() => {});
    await controller.stop();
    await pair.stop();
  }
} else if (runningCount > 0) {
  console.log('running-syncs part skipped: MAILSYNC_IMAGE is not set');
}

console.log('\ncontroller benchmark');
console.table(results);
client.close();
process.exit(0);
