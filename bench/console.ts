/**
 * The web console's live views at scale (`npm run bench:console`; not a test): V viewers (SSE
 * streams over real HTTP on 127.0.0.1) following S running syncs, fed by ONE source of MailSync
 * changes as the console's one watch feeds them. The API side is simulated: every `--every` ms
 * each sync gets a new status (progress and log tail), put into the hub as the informer would.
 *
 *   npm run bench:console -- [--viewers 200] [--syncs 50] [--seconds 30] [--every 1000]
 *
 * Measured: the delay from a status change entering the hub to a viewer having read its event
 * (p50, p99, max, over every delivered event), events delivered, and the process's peak RSS
 * (VmHWM) and CPU time. Viewers run in the same process (their parsing cost counts in the CPU).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import pino from 'pino';
import type { MailSync } from '../src/api/mailsync.js';
import { consoleApp } from '../src/console/app.js';
import { LiveHub, type MailSyncSource } from '../src/console/live-hub.js';
import { KeyedRateLimit } from '../src/console/rate-limit.js';
import type { ChangeHandler } from '../src/kube/informers.js';

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

class Source implements MailSyncSource {
  readonly objects = new Map<string, MailSync>();
  readonly handlers: ChangeHandler<MailSync>[] = [];
  onChange(handler: ChangeHandler<MailSync>) {
    this.handlers.push(handler);
  }
  list() {
    return [...this.objects.values()];
  }
  put(ms: MailSync) {
    const type = this.objects.has(ms.metadata.name ?? '') ? 'update' : 'add';
    this.objects.set(ms.metadata.name ?? '', ms);
    for (const h of this.handlers) h(ms, type);
  }
}

const source = new Source();
const syncAt = (i: number, step: number, sentAt: number): MailSync => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: { name: `x-${String(i).padStart(16, '0')}` },
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
for (let i = 0; i < SYNCS; i++) source.put(syncAt(i, 0, performance.now()));

const app = consoleApp({
  namespace: 'bench',
  key: Buffer.alloc(32, 1),
  hub: new LiveHub(source),
  store: { start: async () => {}, abort: async () => {}, forgetPasswords: async () => {} },
  checkLogins: async () => {
    throw new Error('not in this bench');
  },
  limits: {
    perAddress: new KeyedRateLimit({ burst: 1, perMinute: 1 }),
    perPair: new KeyedRateLimit({ burst: 1, perMinute: 1 }),
  },
  maxRunning: SYNCS,
  secureCookies: false,
  script: async () => '',
  log: pino({ level: 'silent' }),
});
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
});
const port = (server.address() as AddressInfo).port;

const delays: number[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const requests: http.ClientRequest[] = [];
for (let v = 0; v < VIEWERS; v++) {
  const name = `x-${String(v % SYNCS).padStart(16, '0')}`;
  const req = http.get({ host: '127.0.0.1', port, path: `/X/sync/${name}/events`, agent }, (res) => {
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

const cpuStart = process.cpuUsage();
let step = 0;
const timer = setInterval(() => {
  step++;
  // Spread the syncs' updates over the interval, as real status writes arrive.
  for (let i = 0; i < SYNCS; i++) {
    setTimeout(() => source.put(syncAt(i, step, performance.now())), (i * EVERY) / SYNCS);
  }
}, EVERY);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
clearInterval(timer);
await new Promise((r) => setTimeout(r, EVERY + 500));
const cpu = process.cpuUsage(cpuStart);

const sorted = [...delays].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
const expected = VIEWERS * step;
console.log(
  JSON.stringify(
    {
      viewers: VIEWERS,
      syncs: SYNCS,
      seconds: SECONDS,
      updatesPerSyncEveryMs: EVERY,
      eventsDelivered: delays.length,
      eventsExpected: expected,
      delayMs: { p50: +pct(50).toFixed(2), p99: +pct(99).toFixed(2), max: +(sorted.at(-1) ?? Number.NaN).toFixed(2) },
      peakRssMiB: hwm ? Math.round(Number(hwm) / 1024) : undefined,
      cpuSecondsPerSecond: +((cpu.user + cpu.system) / 1e6 / SECONDS).toFixed(3),
    },
    null,
    2,
  ),
);
for (const r of requests) r.destroy();
server.close();
process.exit(0);
