/**
 * SIGTERM to the controller process (`mailsync controller`, dist/main.js, as the pod runs it) against
 * the fake API server: the leader stops, releases its Lease and exits 0, and a standby takes over at
 * once, not after the lease duration (60 s here, longer than this test may take). A standby that gets
 * SIGTERM exits 0 and leaves the Lease alone. Needs the build (`npm run build`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { V1Lease } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from './fake-api-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'dist/main.js');
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/ns/leases/lock';
const LEASE_DURATION_SECONDS = 60;
const WAIT_MS = 20_000;

interface Controller {
  name: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

let server: FakeApiServer;
const controllers: Controller[] = [];

beforeEach(async () => {
  server = await new FakeApiServer().start();
  // Every list the controller's informers make is answered (empty); the Lease is the store's.
  server.handlers.push((method, p) =>
    method === 'GET' && !p.includes('/leases/') && !server.objects.has(p)
      ? { code: 200, body: { metadata: { resourceVersion: server.resourceVersion }, items: [] } }
      : undefined,
  );
  await (await server.client()).close();
});
afterEach(async () => {
  for (const c of controllers.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  await server.stop();
});

function startController(name: string): Controller {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'controller',
      '--leader-elect',
      '--lease-name=lock',
      '--lease-namespace=ns',
      `--lease-duration-seconds=${LEASE_DURATION_SECONDS}`,
      '--renew-deadline-seconds=10',
      '--retry-period-seconds=1',
      '--worker-image=mailsync-operator:test',
      '--metrics-port=0',
      '--shutdown-timeout-seconds=10',
    ],
    {
      env: {
        PATH: process.env.PATH,
        KUBECONFIG: path.join(path.dirname(server.tokenFile), 'kubeconfig'),
        POD_NAME: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const controller = { name, child, lines, exited };
  controllers.push(controller);
  return controller;
}

const lease = () => server.objects.get(LEASE) as unknown as V1Lease | undefined;
const holder = () => lease()?.spec?.holderIdentity ?? '';
const logged = (c: Controller, msg: string) => c.lines.some((l) => l.includes(`"msg":"${msg}"`));

async function until(what: string, condition: () => boolean, c?: Controller): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${c?.lines.join('\n') ?? ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!existsSync(MAIN))(
  'controller shutdown on SIGTERM (skipped without dist/main.js: npm run build)',
  () => {
    it('the leader releases its Lease and exits 0; the standby takes over without waiting for the Lease to expire', async () => {
      const a = startController('ctrl-a');
      await until('ctrl-a to lead', () => holder().startsWith('ctrl-a_'), a);
      await until('ctrl-a to sync its caches', () => logged(a, 'caches synced'), a);
      const b = startController('ctrl-b');
      await until('ctrl-b to start', () => logged(b, 'mailsync controller starting'), b);
      // the standby has read the Lease (held by ctrl-a) at least once
      const bStarted = Date.now();
      await until('ctrl-b to try the Lease', () => server.seen('GET', LEASE).some((r) => r.at > bStarted), b);
      expect(holder()).toMatch(/^ctrl-a_/);
      const lastRenewByA = Date.parse(String(lease()?.spec?.renewTime));

      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect(logged(a, 'shutting down')).toBe(true);
      expect(logged(a, 'released the lease')).toBe(true);
      expect(logged(a, 'shutdown ran out of time')).toBe(false);

      await until('ctrl-b to lead', () => holder().startsWith('ctrl-b_'), b);
      const takenOver = Date.now();
      // ctrl-a's last renewal would have held the Lease for another 60 s: ctrl-b did not wait for that
      expect(takenOver).toBeLessThan(lastRenewByA + LEASE_DURATION_SECONDS * 1000);
      await until('ctrl-b to sync its caches', () => logged(b, 'caches synced'), b);

      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      expect(holder()).toBe('');
    }, 60_000);

    it('a standby that gets SIGTERM exits 0 and leaves the leader its Lease', async () => {
      const a = startController('ctrl-a');
      await until('ctrl-a to lead', () => holder().startsWith('ctrl-a_'), a);
      const b = startController('ctrl-b');
      await until('ctrl-b to start', () => logged(b, 'mailsync controller starting'), b);
      const bStarted = Date.now();
      await until('ctrl-b to try the Lease', () => server.seen('GET', LEASE).some((r) => r.at > bStarted), b);

      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
      expect(logged(b, 'released the lease')).toBe(false);
      const renewedBefore = lease()?.spec?.renewTime;
      await until('ctrl-a to renew again', () => lease()?.spec?.renewTime !== renewedBefore, a);
      expect(holder()).toMatch(/^ctrl-a_/);
    }, 60_000);
  },
);
