/**
 * The web console's live views at scale (`npm run bench:console`; not a test; needs `npm run build`).
 * The console is the real `mailsync console` process (dist/main.js, as in the image), alone in its
 * process: its one informer lists and watches the MailSyncs of an in-process fake API server
 * (test/kube/fake-api-server.ts, over HTTP on 127.0.0.1), and V viewers (SSE streams over real HTTP)
 * follow S running syncs. The API side and the viewers run in this process, not in the console's:
 * every `--every` ms each sync gets a new status (progress and a 50-line log tail), sent on the
 * console's watch as the API server would.
 *
 *   npm run build && npm run bench:console -- [--viewers 200] [--syncs 50] [--seconds 30] [--every 1000]
 *
 * Measured: the delay from a status change written on the watch to a viewer having read its event
 * (p50, p99, max, over every delivered event; one clock, this process's), events delivered, and the
 * console process's peak RSS (VmHWM of /proc/PID/status) and CPU (utime + stime of /proc/PID/stat
 * over the measured window, per second of wall time).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MailSync } from '../src/api/mailsync.js';
import { CONSOLE_MADE, CONSOLE_SELECTOR, LABEL_CONSOLE } from '../src/console/sync-objects.js';
import { consolePaths } from '../src/console/sync-store.js';
import { freePort } from '../test/e2e/helpers/controller-process.js';
import { FakeApiServer, type Watch } from '../test/kube/fake-api-server.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '200' },
    syncs: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '30' },
    every: { type: 'string', default: '1000' },
  },
});
const VIEWERS = Number(values.viewers);
const SYNCS = Number(values.syncs);
const SECONDS = Number(values.seconds);
const EVERY = Number(values.every);
const NS = 'bench';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');
if (!existsSync(MAIN)) {
  console.error(`${MAIN} is missing: run npm run build first`);
  process.exit(2);
}

const api = await new FakeApiServer().start();
const collection = consolePaths.mailSyncs(NS);
api.collections.add(collection);
const nameOf = (i: number) => `x-${String(i).padStart(16, '0')}`;
const syncAt = (i: number, step: number, sentAt: number): MailSync => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: { name: nameOf(i), namespace: NS, labels: { [LABEL_CONSOLE]: CONSOLE_MADE } },
  spec: { source: { host: 'old.example', user: `u${i}` }, destination: { host: 'new.example', user: `u${i}` } },
  status: {
    phase: 'Running',
    progress: { messagesCopied: step * 10, messagesTotal: 1_000_000, rate: '35.0 msg/s', etaSeconds: 1000 },
    // The send time rides in the log tail (the view carries it to the viewer unchanged).
    logTail: [
      ...Array.from({ length: 49 }, (_, k) => `Folder INBOX/${k} -> INBOX/${k} (1234 messages)`),
      `sent ${sentAt}`,
    ],
  },
});
for (let i = 0; i < SYNCS; i++) api.put(`${collection}/${nameOf(i)}`, syncAt(i, 0, performance.now()) as never);
// Watches of the console still open (it re-watches after its timeout: the events go to the newest).
const watches = new Set<Watch>();
void (async () => {
  for (;;) {
    const watch = await api.nextWatch();
    watches.add(watch);
    void watch.closed.then(() => watches.delete(watch));
  }
})();
await api.client(); // writes the kubeconfig next to the token file
const kubeconfig = path.join(path.dirname(api.tokenFile), 'kubeconfig');

const port = await freePort();
const child: ChildProcess = spawn(
  process.execPath,
  [MAIN, 'console', '--namespace', NS, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'error'],
  { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'inherit', 'inherit'] },
);
const pid = child.pid ?? 0;
for (let tries = 0; ; tries++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok && watches.size > 0) break;
  } catch {
    // not listening yet
  }
  if (child.exitCode !== null || tries > 300) throw new Error('the console did not start');
  await new Promise((r) => setTimeout(r, 100));
}

const delays: number[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const requests: http.ClientRequest[] = [];
for (let v = 0; v < VIEWERS; v++) {
  const req = http.get({ host: '127.0.0.1', port, path: `/X/sync/${nameOf(v % SYNCS)}/events`, agent }, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const sent = /sent (\d+(?:\.\d+)?)/.exec(event)?.[1];
        if (sent) delays.push(performance.now() - Number(sent));
        end = buffer.indexOf('\n\n');
      }
    });
  });
  requests.push(req);
}
await new Promise((r) => setTimeout(r, 2000));
delays.length = 0;

/** utime + stime of the console process, in seconds. */
const cpuOf = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100 on Linux)
};
const cpuStart = cpuOf();
const wallStart = performance.now();
let step = 0;
const timer = setInterval(() => {
  step++;
  // Spread the syncs' updates over the interval, as real status writes arrive.
  for (let i = 0; i < SYNCS; i++) {
    setTimeout(
      () => {
        const stored = api.put(`${collection}/${nameOf(i)}`, syncAt(i, step, performance.now()) as never);
        for (const w of watches) w.send('MODIFIED', stored);
      },
      (i * EVERY) / SYNCS,
    );
  }
}, EVERY);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
clearInterval(timer);
await new Promise((r) => setTimeout(r, EVERY + 500));
const cpuSeconds = cpuOf() - cpuStart;
const wallSeconds = (performance.now() - wallStart) / 1000;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

const sorted = [...delays].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
console.log(
  JSON.stringify(
    {
      viewers: VIEWERS,
      syncs: SYNCS,
      seconds: SECONDS,
      updatesPerSyncEveryMs: EVERY,
      watchesOpened: api.watches.filter((w) => w.query.get('labelSelector') === CONSOLE_SELECTOR).length,
      eventsDelivered: delays.length,
      eventsExpected: VIEWERS * step,
      delayMs: { p50: +pct(50).toFixed(2), p99: +pct(99).toFixed(2), max: +(sorted.at(-1) ?? Number.NaN).toFixed(2) },
      console: {
        process: 'node dist/main.js console (alone in its process)',
        peakRssMiB: hwm ? Math.round(Number(hwm) / 1024) : undefined,
        cpuSecondsPerSecond: +(cpuSeconds / wallSeconds).toFixed(3),
      },
    },
    null,
    2,
  ),
);
for (const r of requests) r.destroy();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await api.stop();
process.exit(0);
