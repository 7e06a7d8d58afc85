/**
 * MailMigration `concurrency: auto` end to end: the controller (a local
 * process) runs real worker pods (host network) between two real Dovecot
 * servers on 127.0.0.1.
 * - A source that takes at most 2 connections at once (a proxy in front of
 *   its STARTTLS port answers `* BYE [UNAVAILABLE] Too many connections`
 *   beyond that) and a migration starting at 6 per host: the refused runs end
 *   ServerBusy, the limit comes down to about 2, the runs are retried, and
 *   every account ends exact.
 * - A source that takes everything, starting at 1: the limit grows.
 * The limits are read from status.concurrency all along (what `kubectl get mm
 * -o wide` shows).
 */
import { afterAll, beforeAll, describe, type ExpectStatic, expect, it } from 'vitest';
import type { MailMigration } from '../../src/api/migration-object.js';
import type { MailMigrationSpec } from '../../src/api/migration-spec.js';
import { paths } from '../../src/controller/paths.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { type BusyProxy, startBusyProxy } from './helpers/busy-proxy.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import {
  connect,
  createNamespace,
  createSecret,
  deleteNamespaceAndWait,
  type EventItem,
  IMAGE,
  imageSkipReason,
  installCrd,
  rejection,
  sleep,
  waitFor,
} from './helpers/kube.js';
import { addUserOnBoth, mailboxes, seedMailbox } from './helpers/mail.js';
import { childrenOf, createMigration, getMigration, installMigrationCrd } from './helpers/migration.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/auto-concurrency.e2e.test.ts: ${skip}`);

/** Connections the busy source takes at once (each sync holds one: folderConcurrency 1). */
const SERVER_LIMIT = 2;

/** Polls a migration and its children: the source host's limit over time and the failure reasons seen. */
function watch(client: KubeClient, ns: string, name: string) {
  const limits: number[] = [];
  const reasons = new Set<string>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const mm = await getMigration(client, ns, name);
        const source = mm?.status?.concurrency?.hosts.find((h) => h.role === 'source');
        if (source && limits.at(-1) !== source.limit) limits.push(source.limit);
        for (const child of await childrenOf(client, ns, name)) {
          const reason = child.status?.lastError?.reason;
          if (reason) reasons.add(reason);
        }
      } catch {
        // a busy API server: look again
      }
      await sleep(500);
    }
  })();
  return {
    limits,
    reasons,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

describe.skipIf(skip)('MailMigration concurrency: auto (worker pods, real Dovecot)', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  let controller: ControllerProcess;
  let proxy: BusyProxy;
  const secrets: string[] = [];

  /** The harness rewrites one passwd file per server: users are added one at a time, whichever test asks. */
  let usersInTurn: Promise<unknown> = Promise.resolve();

  async function accounts(prefix: string, count: number, messages: number): Promise<string[]> {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const user = `${prefix}${i}`;
      const pw = { a: `src-${user}-${Math.random().toString(36).slice(2)}`, b: `dst-${user}-x1` };
      secrets.push(pw.a, pw.b);
      const added = usersInTurn.then(() => addUserOnBoth(pair, user, pw));
      usersInTurn = added.catch(() => {});
      await added;
      await seedMailbox(pair.a, user, messages);
      lines.push(`;${user};${pw.a};;${user};${pw.b};`);
    }
    await createSecret(client, ns, `${prefix}-accounts`, { 'file.txt': `${lines.join('\n')}\n` });
    return lines.map((l) => l.split(';')[1]!);
  }

  const spec = (prefix: string, sourcePort: number, over: Partial<MailMigrationSpec>): MailMigrationSpec => ({
    template: {
      source: { host: '127.0.0.1', port: sourcePort, tls: 'starttls', caSecretRef: { name: 'ca', key: 'ca.crt' } },
      destination: {
        host: '127.0.0.1',
        port: pair.b.implicitTlsPort,
        tls: 'implicit',
        caSecretRef: { name: 'ca', key: 'ca.crt' },
      },
      // One connection per side and sync. A refused run (ServerBusy) fails its Job at once: the controller retries.
      performance: { folderConcurrency: 1 },
      retry: { limit: 20, initialBackoffSeconds: 2, maxBackoffSeconds: 6 },
    },
    accountsFrom: { secretRef: { name: `${prefix}-accounts`, key: 'file.txt' } },
    ...over,
  });

  const passEnded = (name: string) =>
    waitFor(
      `${name}: presync pass ended`,
      async () => {
        const mm = await getMigration(client, ns, name);
        return mm?.status?.pass?.endTime ? mm : undefined;
      },
      420_000,
      1000,
      async () => JSON.stringify((await getMigration(client, ns, name))?.status ?? 'none').slice(0, 3000),
    );

  async function expectExact(expect: ExpectStatic, name: string, users: string[], mm: MailMigration) {
    expect(mm.status?.accounts).toMatchObject({ total: users.length, succeeded: users.length, failed: 0 });
    for (const user of users) {
      const { source, destination } = await mailboxes(pair, user);
      expect(destination, `${name}: ${user}`).toEqual(source);
    }
  }

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    await installMigrationCrd(client);
    ns = await createNamespace(client, 'e2e-auto');
    pair = await startDovecotPair();
    proxy = await startBusyProxy({ host: '127.0.0.1', port: pair.a.starttlsPort }, SERVER_LIMIT);
    await createSecret(client, ns, 'ca', { 'ca.crt': pair.a.caPem });
    controller = await startController({ namespaces: [ns], image: IMAGE! });
  });

  afterAll(async () => {
    if (client && ns) await deleteNamespaceAndWait(client, ns, 180_000).catch((e) => console.warn(String(e)));
    await controller?.stop();
    await proxy?.close();
    await pair?.stop();
    // No password in the controller's log.
    for (const secret of secrets) expect(controller?.output() ?? '').not.toContain(secret);
  });

  it('refuses auto settings that contradict each other, with clear messages', async () => {
    await installMigrationCrd(client);
    const message = await rejection(
      createMigration(client, ns, 'bad-auto', {
        template: { source: { host: 'a.example' }, destination: { host: 'b.example' } },
        accounts: [{ source: { user: 'joe' } }],
        concurrency: { auto: { initial: 2, min: 5, max: 3, windowSeconds: 3 } },
      }),
    );
    expect(message).toContain('auto: min is above initial');
    expect(message).toContain('auto: min is above max');
    expect(message).toMatch(/windowSeconds.*greater than or equal to 10/);
  });

  // The two migrations run side by side (separate limits): the file stays near 3 minutes.
  it.concurrent('backs off to about the server limit on ServerBusy, retries, and ends every account exact', async ({
    expect,
  }) => {
    // Other e2e runs on the shared cluster may have installed an older CRD (without auto).
    await installMigrationCrd(client);
    const users = await accounts('busy', 8, 12);
    const watcher = watch(client, ns, 'busy');
    await createMigration(
      client,
      ns,
      'busy',
      spec('busy', proxy.port, {
        concurrency: { auto: { initial: 6, windowSeconds: 10 } },
        // Each sync holds its connection for several seconds: syncs overlap at the server.
        template: { ...spec('busy', proxy.port, {}).template, throttle: { maxMessagesPerSecond: 3 } },
      }),
    );
    const done = await passEnded('busy');
    await watcher.stop();
    console.log(
      `busy source: limits ${watcher.limits.join(' -> ')}; reasons ${[...watcher.reasons].join(', ')}; ` +
        `proxy refused ${proxy.refused}, at most ${proxy.maxOpen} at once`,
    );
    await expectExact(expect, 'busy', users, done);
    expect(proxy.refused).toBeGreaterThan(0);
    expect(proxy.maxOpen).toBeLessThanOrEqual(SERVER_LIMIT);
    expect(watcher.reasons.has('ServerBusy')).toBe(true);
    // Started at 6, came down to about the server's limit at once, and never went back far above it.
    expect(watcher.limits[0]).toBe(6);
    const firstDown = watcher.limits.findIndex((l) => l < 6);
    expect(firstDown).toBeGreaterThan(0);
    expect(watcher.limits[firstDown]).toBeLessThanOrEqual(SERVER_LIMIT + 1);
    expect(Math.max(...watcher.limits.slice(firstDown))).toBeLessThanOrEqual(SERVER_LIMIT + 2);
    const events = (await client.get<{ items: EventItem[] }>(paths.events(ns))).items.filter(
      (e) => e.involvedObject.kind === 'MailMigration' && e.reason === 'ConcurrencyChanged',
    );
    expect(events.map((e) => e.message).join('\n')).toMatch(
      /source host 127\.0\.0\.1: \d+ -> \d running syncs \(\d+ throttling signals?: halved from \d+\)/,
    );
  });

  it.concurrent('grows above initial while the server takes more and throughput rises', async ({ expect }) => {
    // Other e2e runs on the shared cluster may have installed an older CRD (without auto).
    await installMigrationCrd(client);
    const users = await accounts('free', 4, 20);
    const watcher = watch(client, ns, 'free');
    await createMigration(
      client,
      ns,
      'free',
      spec('free', pair.a.starttlsPort, {
        concurrency: { auto: { initial: 1, windowSeconds: 10 } },
        // Each sync lasts longer than a window: the limit is in use when the window ends.
        template: {
          ...spec('free', pair.a.starttlsPort, {}).template,
          throttle: { maxMessagesPerSecond: 2 },
        },
      }),
    );
    const grown = await waitFor(
      'free: the source limit above 1',
      async () => {
        const mm = await getMigration(client, ns, 'free');
        const source = mm?.status?.concurrency?.hosts.find((h) => h.role === 'source');
        return source && source.limit > 1 ? source : undefined;
      },
      240_000,
      1000,
      async () => JSON.stringify((await getMigration(client, ns, 'free'))?.status?.concurrency ?? 'none'),
    );
    expect(grown.reason).toMatch(/one more$/);
    const done = await passEnded('free');
    await watcher.stop();
    console.log(`free source: limits ${watcher.limits.join(' -> ')}`);
    expect(watcher.limits[0]).toBe(1);
    await expectExact(expect, 'free', users, done);
  });
});
