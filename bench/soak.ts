/**
 * Soak benchmark (`npm run bench:soak`; not a test, not in CI), issue 11:
 *
 *   KUBECONFIG=/tmp/mailsync-cluster/kubeconfig MAILSYNC_IMAGE=mailsync-operator:dev \
 *     npm run bench:soak -- [--syncs 50] [--minutes 30] [--interval-seconds 60] [--sample-seconds 15]
 *                           [--stuck-seconds 300] [--messages 10]
 *
 * Two real Dovecot servers on 127.0.0.1 (test/harness), one user per MailSync with `--messages`
 * small messages on the source. The controller from the build runs as a process with leader
 * election, in a memory cgroup with the chart's limit (bench/controller-memory.ts), as in its pod;
 * the real worker image runs every pass. For `--minutes`, each MailSync does repeated delta passes:
 * once its last pass ended and `--interval-seconds` have gone by, a new message arrives on its source
 * and the bench asks for a run with the run-now annotation (mailsync.io/requested-at).
 *
 * Every `--sample-seconds` it samples the controller's resident memory (VmRSS) and open file
 * descriptors (/proc/PID/fd), its heap (its own 'api requests' log line) and its work-queue depth
 * (workqueue_depth on /metrics), and reports them over time with their least-squares slope (per
 * hour; over the whole run and over its second half, after the warm-up). A MailSync is stuck when a
 * pass it was asked for has not ended within `--stuck-seconds`. At the end, once the last passes
 * ended, every destination is compared with its source (test/harness/exact-copy.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ANNOTATION_REQUESTED_AT, type MailSync } from '../src/api/mailsync.js';
import { TERMINAL_PHASES } from '../src/api/status.js';
import { paths } from '../src/controller/paths.js';
import { InformerSet } from '../src/kube/informers.js';
import { MERGE_PATCH } from '../src/kube/kube-client.js';
import { startController } from '../test/e2e/helpers/controller-process.js';
import {
  connect,
  createNamespace,
  createSecret,
  deleteNamespaceAndWait,
  installCrd,
  mailSyncObject,
  sleep,
} from '../test/e2e/helpers/kube.js';
import { testMessage } from '../test/e2e/helpers/mail.js';
import { type DovecotPair, startDovecotPair } from '../test/harness/dovecot.js';
import { compareMailboxes } from '../test/harness/exact-copy.js';
import { appendMessages } from '../test/harness/mailbox.js';
import { controllerMemoryBytes } from './controller-memory.js';
import { leastSquaresSlope } from './slope.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const quiet = pino({ level: 'warn' });
const { values } = parseArgs({
  options: {
    syncs: { type: 'string', default: '50' },
    minutes: { type: 'string', default: '30' },
    'interval-seconds': { type: 'string', default: '60' },
    'sample-seconds': { type: 'string', default: '15' },
    'stuck-seconds': { type: 'string', default: '300' },
    messages: { type: 'string', default: '10' },
  },
});
const N = Number(values.syncs);
const minutes = Number(values.minutes);
const intervalMs = Number(values['interval-seconds']) * 1000;
const sampleMs = Number(values['sample-seconds']) * 1000;
const stuckMs = Number(values['stuck-seconds']) * 1000;
const initialMessages = Number(values.messages);
const user = (i: number) => `soak${String(i).padStart(4, '0')}`;
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

interface Sample {
  /** Seconds since the soak started. */
  t: number;
  rssMiB: number;
  fds: number;
  heapUsedMiB: number;
  queueDepth: number;
  running: number;
  passes: number;
}

/** What the bench asked of one MailSync and what came of it. */
interface Track {
  /** The run-now value last set ('' before the first request: the creation run). */
  requested: string;
  /** When it was asked for (creation time for the first run). */
  askedAt: number;
  /** The pass asked for has ended. */
  ended: boolean;
  endedAt: number;
  passes: number;
  /** Phases and reasons of the passes that did not succeed. */
  notSucceeded: string[];
  /** Messages put on the source (initial + one per request). */
  sourceMessages: number;
  longestPassMs: number;
}

function procStatus(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
}

function queueDepth(metrics: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith('workqueue_depth{') && l.includes('name="mailsync"'));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

async function prepare(pair: DovecotPair): Promise<void> {
  await pair.a.addUsers(Array.from({ length: N }, (_, i) => [user(i), `a-${user(i)}`] as const));
  await pair.b.addUsers(Array.from({ length: N }, (_, i) => [user(i), `b-${user(i)}`] as const));
  for (let i = 0; i < N; i++) {
    await appendMessages(
      pair.a,
      user(i),
      'INBOX',
      Array.from({ length: initialMessages }, (_, m) => ({ raw: testMessage(user(i), m, 800) })),
    );
  }
}

async function main(): Promise<void> {
  const image = process.env.MAILSYNC_IMAGE;
  if (!process.env.KUBECONFIG || !image) {
    console.error(
      'bench/soak.ts: KUBECONFIG (the local cluster) and MAILSYNC_IMAGE (test/cluster/build-image.sh) are needed',
    );
    process.exit(2);
  }
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const pair = await startDovecotPair({ a: { maxUserIpConnections: 100 }, b: { maxUserIpConnections: 100 } });
  const { client } = await connect();
  let ns = '';
  let controller: Awaited<ReturnType<typeof startController>> | undefined;
  const leaseName = `bench-soak-${Date.now()}`;
  const memoryLimit = controllerMemoryBytes();
  try {
    await prepare(pair);
    await installCrd(client);
    ns = await createNamespace(client, 'bench-soak');
    const credentials: Record<string, string> = { 'ca.crt': pair.a.caPem };
    for (let i = 0; i < N; i++) {
      credentials[`${user(i)}-a`] = `a-${user(i)}`;
      credentials[`${user(i)}-b`] = `b-${user(i)}`;
    }
    await createSecret(client, ns, 'soak-creds', credentials);
    const ctl = await startController({
      namespaces: [ns],
      image,
      concurrency: 4,
      resyncSeconds: 60,
      entry: 'dist',
      leaderElect: true,
      leaseName,
      // Not in the bench namespace: deleting it at the end must not take the Lease from the controller.
      leaseNamespace: 'default',
      memoryLimitBytes: memoryLimit,
      // NODE_OPTIONS as the chart sets it for the controller.
      env: {
        MAILSYNC_REQUEST_STATS_SECONDS: String(values['sample-seconds']),
        NODE_OPTIONS: '--max-semi-space-size=4',
      },
    });
    controller = ctl;
    const pid = ctl.process.pid!;
    const mailSyncs = new InformerSet<MailSync>(client, [ns], paths.mailSyncs, { name: 'bench-soak', log: quiet });
    await mailSyncs.start();

    const started = Date.now();
    const tracks = new Map<string, Track>();
    for (let i = 0; i < N; i++) {
      const name = user(i);
      const side = (server: typeof pair.a, key: string) => ({
        host: '127.0.0.1',
        port: server.implicitTlsPort,
        tls: 'implicit' as const,
        user: name,
        passwordSecretRef: { name: 'soak-creds', key },
        caSecretRef: { name: 'soak-creds', key: 'ca.crt' },
      });
      await client.create(
        paths.mailSyncs(ns),
        mailSyncObject(ns, name, {
          source: side(pair.a, `${name}-a`),
          destination: side(pair.b, `${name}-b`),
          resources: { requests: { cpu: '5m', memory: '64Mi' } },
        }),
      );
      tracks.set(name, {
        requested: '',
        askedAt: Date.now(),
        ended: false,
        endedAt: 0,
        passes: 0,
        notSucceeded: [],
        sourceMessages: initialMessages,
        longestPassMs: 0,
      });
    }
    console.log(
      `${N} MailSyncs created; soaking for ${minutes} min (a delta pass per MailSync every ${intervalMs / 1000} s at most)`,
    );

    /** Marks the passes that ended; returns the MailSyncs whose pass asked for is overdue. */
    const observe = (now: number): string[] => {
      const overdue: string[] = [];
      for (const ms of mailSyncs.list()) {
        const name = ms.metadata.name!;
        const track = tracks.get(name);
        const status = ms.status ?? {};
        if (!track) continue;
        const answered = (status.lastRequestedAt ?? '') === track.requested;
        const phase = status.phase ?? 'Pending';
        if (!track.ended && answered && TERMINAL_PHASES.has(phase) && status.completionTime) {
          track.ended = true;
          track.endedAt = now;
          track.passes++;
          track.longestPassMs = Math.max(track.longestPassMs, now - track.askedAt);
          if (phase !== 'Succeeded') track.notSucceeded.push(`${phase}:${status.lastError?.reason ?? ''}`);
        }
        if (!track.ended && now - track.askedAt > stuckMs) overdue.push(name);
      }
      return overdue;
    };

    const samples: Sample[] = [];
    const everStuck = new Set<string>();
    const sample = async () => {
      const lastStats = ctl
        .lines()
        .filter((l) => l.msg === 'api requests')
        .at(-1) as { memoryMiB?: { heapUsed: number } } | undefined;
      const s: Sample = {
        t: Math.round((Date.now() - started) / 1000),
        rssMiB: procStatus(pid, 'VmRSS') / 1024,
        fds: readdirSync(`/proc/${pid}/fd`).length,
        heapUsedMiB: lastStats?.memoryMiB?.heapUsed ?? Number.NaN,
        queueDepth: queueDepth(await ctl.metrics().catch(() => '')),
        running: mailSyncs.list().filter((m) => m.status?.phase === 'Running').length,
        passes: [...tracks.values()].reduce((a, t) => a + t.passes, 0),
      };
      samples.push(s);
      console.log(
        `t=${s.t}s rss=${fixed(s.rssMiB)}MiB fds=${s.fds} heap=${s.heapUsedMiB}MiB queue=${s.queueDepth} running=${s.running} passes=${s.passes} stuck=${everStuck.size}`,
      );
    };

    const end = started + minutes * 60_000;
    let nextSample = Date.now();
    while (Date.now() < end) {
      const now = Date.now();
      for (const name of observe(now)) everStuck.add(name);
      // Mail arrives, then a delta pass is asked for, on each MailSync whose last pass ended long enough ago.
      for (const [name, track] of tracks) {
        if (!track.ended || now - track.endedAt < intervalMs || ctl.process.exitCode !== null) continue;
        await appendMessages(pair.a, name, 'INBOX', [{ raw: testMessage(name, 100_000 + track.sourceMessages, 800) }]);
        track.sourceMessages++;
        const value = new Date().toISOString();
        await client.request('PATCH', paths.mailSync(ns, name), {
          body: { metadata: { annotations: { [ANNOTATION_REQUESTED_AT]: value } } },
          contentType: MERGE_PATCH,
        });
        Object.assign(track, { requested: value, askedAt: Date.now(), ended: false });
      }
      if (Date.now() >= nextSample) {
        await sample();
        nextSample += sampleMs;
      }
      await sleep(1000);
    }
    // The passes still going may end (each within the stuck bound); nothing new is asked for.
    const drainEnd = Date.now() + stuckMs;
    while (Date.now() < drainEnd && [...tracks.values()].some((t) => !t.ended)) {
      for (const name of observe(Date.now())) everStuck.add(name);
      await sleep(2000);
    }
    for (const name of observe(Date.now())) everStuck.add(name);
    await sample();

    let exact = 0;
    const inexact: string[] = [];
    for (const name of tracks.keys()) {
      const report = await compareMailboxes({ server: pair.a, user: name }, { server: pair.b, user: name });
      if (report.exact && report.sourceMessages === tracks.get(name)!.sourceMessages) exact++;
      else inexact.push(`${name} (missing ${report.missing.length}, extra ${report.extra.length})`);
    }

    const secondHalf = samples.filter((s) => s.t >= samples.at(-1)!.t / 2);
    const perHour = (list: Sample[], y: (s: Sample) => number) =>
      leastSquaresSlope(list.map((s) => [s.t / 3600, y(s)] as const));
    const passes = [...tracks.values()];
    // The namespace goes while the controller still runs (it takes the finalizers off); then SIGTERM.
    mailSyncs.stop();
    await deleteNamespaceAndWait(client, ns, 15 * 60_000).catch((error) => console.warn(String(error)));
    ns = '';
    const stoppedAt = Date.now();
    const exitCode = await ctl.stop();
    const stopSeconds = (Date.now() - stoppedAt) / 1000;
    const results = {
      MailSyncs: N,
      'soak (min)': minutes,
      'passes ended (the first runs included)': passes.reduce((a, t) => a + t.passes, 0),
      'passes per MailSync min/max (first run included)': `${Math.min(...passes.map((t) => t.passes))}/${Math.max(...passes.map((t) => t.passes))}`,
      'passes not Succeeded': passes.flatMap((t) => t.notSucceeded).join(', ') || 'none',
      'longest pass, asked -> ended (s)': fixed(Math.max(...passes.map((t) => t.longestPassMs)) / 1000),
      [`MailSyncs stuck (a pass not ended within ${stuckMs / 1000} s)`]: everStuck.size
        ? [...everStuck].join(', ')
        : 'none',
      'destinations exact at the end': `${exact}/${N}${inexact.length ? `; not: ${inexact.join(', ')}` : ''}`,
      'controller memory limit (cgroup, as the pod)': `${(memoryLimit / 1048576).toFixed(0)} MiB`,
      'RSS first/last/max (MiB)': `${fixed(samples[0]!.rssMiB)}/${fixed(samples.at(-1)!.rssMiB)}/${fixed(Math.max(...samples.map((s) => s.rssMiB)))}`,
      'RSS slope, whole run / second half (MiB per hour)': `${fixed(perHour(samples, (s) => s.rssMiB))} / ${fixed(perHour(secondHalf, (s) => s.rssMiB))}`,
      'heap used slope, whole run / second half (MiB per hour)': `${fixed(perHour(samples, (s) => s.heapUsedMiB))} / ${fixed(perHour(secondHalf, (s) => s.heapUsedMiB))}`,
      'open fds first/last/max': `${samples[0]!.fds}/${samples.at(-1)!.fds}/${Math.max(...samples.map((s) => s.fds))}`,
      'open fds slope, whole run / second half (per hour)': `${fixed(perHour(samples, (s) => s.fds))} / ${fixed(perHour(secondHalf, (s) => s.fds))}`,
      'work-queue depth max / last': `${Math.max(...samples.map((s) => s.queueDepth))} / ${samples.at(-1)!.queueDepth}`,
      'work-queue depth slope, second half (per hour)': fixed(perHour(secondHalf, (s) => s.queueDepth)),
      'controller OOM kills': ctl.oomKills(),
      'controller exit on SIGTERM (code, s)': `${exitCode}, ${fixed(stopSeconds)}`,
    };
    console.log('\nbench:soak');
    console.table(results);
    console.log(JSON.stringify({ results, samples }));
  } finally {
    if (ns) await deleteNamespaceAndWait(client, ns, 15 * 60_000).catch((error) => console.warn(String(error)));
    await controller?.stop();
    await client
      .request('DELETE', `/apis/coordination.k8s.io/v1/namespaces/default/leases/${leaseName}`)
      .catch(() => {});
    client.close();
    await pair.stop();
  }
}

await main();
process.exit(0);
