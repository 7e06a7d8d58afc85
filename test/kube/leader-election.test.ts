/**
 * Leader election against the fake API server: one leader among two
 * candidates, renewals, hand-over on release, and a leader whose renewals
 * hang or fail steps down within its renew deadline, before the Lease it
 * last wrote can expire for the others (never two leaders).
 */
import type { V1Lease } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { LeaderElector } from '../../src/kube/leader-election.js';
import { FakeApiServer } from './fake-api-server.js';

const LEASE = '/apis/coordination.k8s.io/v1/namespaces/ns/leases/lock';
const TIMES = { leaseDurationSeconds: 2, renewDeadlineSeconds: 1, retryPeriodSeconds: 0.1 };
const log = pino({ level: 'silent' });

let server: FakeApiServer;
const clients: KubeClient[] = [];
const electors: LeaderElector[] = [];

beforeEach(async () => {
  server = await new FakeApiServer().start();
});
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
  for (const client of clients.splice(0)) client.close();
  await server.stop();
});

async function candidate(identity: string) {
  const client = await server.client({ timeoutMs: 5000 });
  clients.push(client);
  const elector = new LeaderElector(client, log, { namespace: 'ns', name: 'lock', identity, ...TIMES });
  electors.push(elector);
  const events: string[] = [];
  let startedResolve!: () => void;
  let stoppedResolve!: (at: number) => void;
  const started = new Promise<void>((resolve) => {
    startedResolve = resolve;
  });
  const stopped = new Promise<number>((resolve) => {
    stoppedResolve = resolve;
  });
  const running = elector.run({
    onStarted: () => {
      events.push('started');
      startedResolve();
    },
    onStopped: () => {
      events.push('stopped');
      stoppedResolve(Date.now());
    },
  });
  return { elector, events, started, stopped, running };
}

const lease = () => server.objects.get(LEASE) as unknown as V1Lease | undefined;
const renewedAt = () => Date.parse(String(lease()?.spec?.renewTime));
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('leader election', () => {
  it('elects one of two candidates, renews, and hands over when the leader releases', async () => {
    const a = await candidate('a');
    await a.started;
    const b = await candidate('b');
    const first = renewedAt();
    await until(() => renewedAt() > first);
    expect(lease()?.spec?.holderIdentity).toBe('a');
    expect(lease()?.spec?.leaseTransitions).toBe(0);
    expect(b.events).toEqual([]);
    expect(b.elector.leading).toBe(false);

    await a.elector.stop();
    await b.started;
    expect(lease()?.spec?.holderIdentity).toBe('b');
    // client-go counts every acquisition by a new holder, a released (empty) Lease included.
    expect(lease()?.spec?.leaseTransitions).toBe(1);
    expect(a.events).toEqual(['started']);
  });

  it('a leader renews with one request (the Lease it wrote last), as client-go does', async () => {
    const a = await candidate('a');
    await a.started;
    const before = { gets: server.seen('GET', LEASE).length, puts: server.seen('PUT', LEASE).length };
    const first = renewedAt();
    await until(() => server.seen('PUT', LEASE).length >= before.puts + 3);
    expect(renewedAt()).toBeGreaterThan(first);
    expect(server.seen('GET', LEASE).length).toBe(before.gets);
  });

  it('a leader whose Lease was changed by someone else reads it again (409), and steps down for a live holder', async () => {
    const a = await candidate('a');
    await a.started;
    // another candidate (a split brain the resourceVersion must catch) takes the Lease and keeps it
    const takeOver = () => {
      const current = lease()!;
      server.put(LEASE, {
        ...current,
        spec: { ...current.spec, holderIdentity: 'other', renewTime: new Date().toISOString() },
      } as never);
    };
    takeOver();
    const gets = server.seen('GET', LEASE).length;
    const keepRenewing = setInterval(takeOver, 50);
    try {
      await a.stopped;
    } finally {
      clearInterval(keepRenewing);
    }
    expect(server.seen('GET', LEASE).length).toBeGreaterThan(gets);
    expect(lease()?.spec?.holderIdentity).toBe('other');
    expect(a.events).toEqual(['started', 'stopped']);
  });

  it('steps down within the renew deadline when renewals hang, before the Lease expires', async () => {
    const a = await candidate('a');
    await a.started;
    server.fail(LEASE, { kind: 'hang' }, 1000);
    const stoppedAt = await a.stopped;
    await a.running;
    const lastRenewal = renewedAt();
    expect(a.elector.leading).toBe(false);
    expect(a.events).toEqual(['started', 'stopped']);
    // the others may take over only leaseDuration after the last renewal they saw
    expect(stoppedAt).toBeLessThan(lastRenewal + TIMES.leaseDurationSeconds * 1000);
  });

  it('steps down when renewals fail (500) and the deadline passes', async () => {
    const a = await candidate('a');
    await a.started;
    server.fail(LEASE, { kind: 'status', status: 500 }, 1000);
    const stoppedAt = await a.stopped;
    expect(stoppedAt).toBeLessThan(renewedAt() + TIMES.leaseDurationSeconds * 1000);
  });

  it('a standby does not take a Lease that is being renewed by someone else', async () => {
    server.put(LEASE, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'lock', namespace: 'ns' },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 1, renewTime: new Date().toISOString() },
    });
    const b = await candidate('b');
    // the other holder keeps renewing for a while: b must wait
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const current = lease()!;
      server.put(LEASE, { ...current, spec: { ...current.spec, renewTime: new Date().toISOString() } } as never);
      expect(b.elector.leading).toBe(false);
    }
    // then it stops renewing: b takes over after the lease duration
    await b.started;
    expect(lease()?.spec?.holderIdentity).toBe('b');
  });
});
