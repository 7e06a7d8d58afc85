/**
 * Bad input all at once (issue 10): MailSyncs and MailMigrations applied in parallel to one
 * namespace beside a running controller and a good MailSync. Each bad one is rejected at admission
 * with a message naming the field, or admitted and given a clear condition (reason and a message
 * naming the field) within 30 s; then none loops (no Job, or the one of its run; its
 * resourceVersion and its Events stand still over a window of three resyncs) and the good
 * MailSync succeeds beside them.
 *
 * The controller runs with --secret-selector, --max-worker-resources and --egress-deny-cidrs
 * 127.0.0.2: one row points a MailSync at a real Dovecot behind a counting TCP forwarder on
 * 127.0.0.2; its worker ends EgressDenied and the forwarder counts no connection.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailMigration } from '../../src/api/migration-object.js';
import type { MailMigrationSpec } from '../../src/api/migration-spec.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import type { Condition } from '../../src/api/status.js';
import { paths as migrationPaths } from '../../src/controller/migration/paths.js';
import { paths } from '../../src/controller/paths.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { BAD_SPECS, type Doc, validSpec } from './helpers/bad-specs.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { removeNamespace } from './helpers/fixture.js';
import {
  connect,
  createNamespace,
  IMAGE,
  imageSkipReason,
  installCrd,
  listJobs,
  mailSyncObject,
  rejection,
  sleep,
  waitFor,
} from './helpers/kube.js';
import { addUserOnBoth, mailboxes, seedMailbox } from './helpers/mail.js';
import { installMigrationCrd } from './helpers/migration.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/bad-manifests.e2e.test.ts: ${skip}`);

/** The bound the issue sets for a clear condition. */
const CLEAR_WITHIN_MS = 30_000;
/** Three resyncs of the controller (--resync-seconds 5): a loop shows in that time. */
const RESYNC_SECONDS = 5;
const QUIET_WINDOW_MS = 3 * RESYNC_SECONDS * 1000;
const SELECTOR = 'mailsync.io/credentials=true';
const DENIED = '127.0.0.2';

const GOOD_PW = { a: `src-${Math.random().toString(36).slice(2)}`, b: `dst-${Math.random().toString(36).slice(2)}` };

/** An admitted bad MailSync: what it changes in a good spec, the Ready reason and the message it must get. */
type Admitted = [
  name: string,
  mutate: (s: Doc, env: { forwarderPort: number }) => void,
  reason: string,
  message: RegExp,
];

const ADMITTED: Admitted[] = [
  [
    'missing-secret',
    (s) => (s.source.passwordSecretRef.name = 'nope'),
    'SecretNotFound',
    /spec\.source\.passwordSecretRef: Secret \S+\/nope not found/,
  ],
  [
    'missing-key',
    (s) => (s.destination.passwordSecretRef.key = 'nokey'),
    'SecretKeyNotFound',
    /spec\.destination\.passwordSecretRef: Secret \S+\/creds has no key "nokey"/,
  ],
  [
    'missing-ca',
    (s) => (s.source.caSecretRef = { name: 'nope-ca', key: 'ca.crt' }),
    'SecretNotFound',
    /spec\.source\.caSecretRef: Secret \S+\/nope-ca not found/,
  ],
  [
    'missing-token',
    (s) => {
      delete s.destination.passwordSecretRef;
      s.destination.oauth2TokenSecretRef = { name: 'nope-token', key: 'token' };
    },
    'SecretNotFound',
    /spec\.destination\.oauth2TokenSecretRef: Secret \S+\/nope-token not found/,
  ],
  [
    'unlabelled-secret',
    (s) => (s.source.passwordSecretRef.name = 'unlabelled'),
    'SecretNotAllowed',
    /spec\.source\.passwordSecretRef: Secret \S+\/unlabelled is not allowed.*mailsync\.io\/credentials=true/,
  ],
  [
    'too-much-memory',
    (s) => (s.resources = { limits: { memory: '8Gi' } }),
    'ResourcesOverMaximum',
    /spec\.resources\.limits\.memory/,
  ],
  [
    'bad-include',
    (s) => (s.folders = { include: ['INBOX', '('] }),
    'InvalidConfiguration',
    /spec\.folders\.include\[1\]: invalid regular expression/,
  ],
  [
    'bad-exclude',
    (s) => (s.folders = { exclude: ['[z-a]'] }),
    'InvalidConfiguration',
    /spec\.folders\.exclude\[0\]: invalid regular expression/,
  ],
  [
    'bad-rename',
    (s) => (s.folders = { rename: [{ from: '(', to: 'x' }] }),
    'InvalidConfiguration',
    /spec\.folders\.rename\[0\]/,
  ],
  [
    'bad-rewrite',
    (s) => (s.messages = { rewrite: [{ from: '(a)\\1', to: 'b' }] }),
    'InvalidConfiguration',
    /spec\.messages\.rewrite\[0\]\.from/,
  ],
  ['bad-schedule', (s) => (s.schedule = 'every day at noon'), 'InvalidConfiguration', /schedule/],
  [
    'bad-time-zone',
    (s) => Object.assign(s, { schedule: '@daily', timeZone: 'Mars/Olympus_Mons' }),
    'InvalidConfiguration',
    /Mars\/Olympus_Mons/,
  ],
  ['planted', () => {}, 'ConfigMapNotOwned', /ConfigMap \S*mailsync-planted/],
  // decided by the worker (a Job of its own, one run: retry.limit 0)
  ['wrong-password', (s) => (s.destination.passwordSecretRef.key = 'wrong'), 'AuthenticationFailed', /destination/],
  ['connect-refused', (s) => (s.source.port = 1), 'ConnectFailed', /127\.0\.0\.1:1/],
  [
    'egress-denied',
    (s, env) => Object.assign(s.source, { host: DENIED, port: env.forwarderPort }),
    'EgressDenied',
    /source server 127\.0\.0\.2:\d+: the egress policy does not allow this destination/,
  ],
];

/** Admitted bad MailMigrations: spec, and a condition reason and message the status must carry. */
const MIGRATIONS: [name: string, spec: (template: Doc) => Doc, reason: string, message: RegExp][] = [
  [
    'mm-no-secret',
    (template) => ({ template, accountsFrom: { secretRef: { name: 'nope', key: 'file.txt' }, format: 'imapsync' } }),
    'SecretNotFound',
    /Secret \S+\/nope not found/,
  ],
  [
    'mm-no-key',
    (template) => ({ template, accountsFrom: { secretRef: { name: 'bad-rows', key: 'nokey' }, format: 'imapsync' } }),
    'SecretKeyNotFound',
    /nokey/,
  ],
  [
    'mm-bad-rows',
    (template) => ({
      template,
      accountsFrom: { secretRef: { name: 'bad-rows', key: 'file.txt' }, format: 'imapsync' },
    }),
    'InvalidAccounts',
    /line 1: .*line 2: /,
  ],
  [
    'mm-bad-schedule',
    // no usable account either: nothing runs
    (template) => ({
      template,
      accountsFrom: { secretRef: { name: 'bad-rows', key: 'file.txt' }, format: 'imapsync' },
      schedule: 'whenever',
    }),
    'InvalidSchedule',
    /whenever/,
  ],
];

/** MailMigrations the API server refuses (user names that would break IMAP commands). */
const REJECTED_MIGRATIONS: [string, (s: Doc) => void, RegExp][] = [
  ['inline user with CR/LF', (s) => (s.accounts[0].source.user = 'a\r\nA1 LOGOUT'), /accounts\[0\]\.source\.user/],
  [
    'inline user with NUL',
    (s) => (s.accounts[0].destination = { user: 'a\u0000' }),
    /accounts\[0\]\.destination\.user/,
  ],
  [
    'no accounts at all',
    (s) => delete s.accounts,
    /give the accounts either inline \(accounts\) or from a Secret \(accountsFrom\)/,
  ],
  ['template admin with LF', (s) => (s.template.destination.authUser = 'admin\n'), /template\.destination\.authUser/],
];

const ready = (ms: MailSync | undefined): Condition | undefined =>
  ms?.status?.conditions?.find((c) => c.type === 'Ready');

interface CountingForwarder {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** A TCP forwarder on 127.0.0.2 to a Dovecot port, counting every connection it gets. */
async function countingForwarder(target: number): Promise<CountingForwarder> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, DENIED, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(skip)('bad manifests beside a running controller', { timeout: 600_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let pair: DovecotPair;
  let controller: ControllerProcess;
  let forwarder: CountingForwarder;
  let goodTotal = 0;
  const timings = new Map<string, number>();

  const goodSpec = (): MailSyncSpec => {
    const side = (port: number, key: 'source' | 'destination') => ({
      host: '127.0.0.1',
      port,
      tls: 'implicit' as const,
      user: 'good',
      passwordSecretRef: { name: 'creds', key },
      caSecretRef: { name: 'creds', key: 'ca.crt' },
    });
    return {
      source: side(pair.a.implicitTlsPort, 'source'),
      destination: side(pair.b.implicitTlsPort, 'destination'),
      retry: { limit: 0 },
    };
  };
  const get = async <T>(path: string): Promise<T | undefined> => client.get<T>(path).catch(() => undefined);
  const secret = (name: string, data: Record<string, string>, labels?: Record<string, string>) =>
    client.create(`/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
      stringData: data,
    });

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    await installMigrationCrd(client);
    ns = await createNamespace(client, 'e2e-bad');
    pair = await startDovecotPair();
    await addUserOnBoth(pair, 'good', GOOD_PW);
    goodTotal = await seedMailbox(pair.a, 'good', 12);
    forwarder = await countingForwarder(pair.a.implicitTlsPort);
    const labelled = { 'mailsync.io/credentials': 'true' };
    await secret(
      'creds',
      { source: GOOD_PW.a, destination: GOOD_PW.b, wrong: 'not-the-password', 'ca.crt': pair.a.caPem },
      labelled,
    );
    await secret('unlabelled', { source: GOOD_PW.a, destination: GOOD_PW.b });
    // no usable line: a migration of it creates no child
    await secret('bad-rows', { 'file.txt': 'not;enough;fields\nalso;bad\n' }, labelled);
    // a ConfigMap named like MailSync "planted"'s state, owned by nobody
    await client.create(paths.configMaps(ns), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'mailsync-planted', namespace: ns },
      data: { 'spec.json': '{}' },
    });
    controller = await startController({
      namespaces: [ns],
      image: IMAGE!,
      resyncSeconds: RESYNC_SECONDS,
      env: {
        MAILSYNC_SECRET_SELECTOR: SELECTOR,
        MAILSYNC_MAX_WORKER_RESOURCES: 'memory=4Gi',
        MAILSYNC_EGRESS_DENY_CIDRS: `${DENIED}/32`,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await removeNamespace(client, ns);
    await controller?.stop();
    await forwarder?.close();
    await pair?.stop();
  });

  it(`applies ${BAD_SPECS.length + REJECTED_MIGRATIONS.length + ADMITTED.length + MIGRATIONS.length} bad manifests and a good one at once: each rejected or clearly failed, none loops, the good one succeeds`, async () => {
    const started = Date.now();
    const template = {
      source: { host: '127.0.0.1', port: pair.a.implicitTlsPort, tls: 'implicit' },
      destination: { host: '127.0.0.1', port: pair.b.implicitTlsPort, tls: 'implicit' },
    };
    const admittedSpec = (name: string, mutate: Admitted[1]) => {
      const spec = structuredClone(goodSpec()) as Doc;
      // an account pair of its own: none waits for the good one's (AccountPairBusy is not what is tested)
      spec.destination.user = `for-${name}`;
      mutate(spec, { forwarderPort: forwarder.port });
      return spec as MailSyncSpec;
    };
    const rejectedMigration = (mutate: (s: Doc) => void) => {
      const s: Doc = {
        template: { source: { host: 'imap.source.example' }, destination: { host: 'imap.dest.example' } },
        accounts: [{ source: { user: 'alice', passwordSecretRef: { name: 'creds', key: 'source' } } }],
      };
      mutate(s);
      return s as MailMigrationSpec;
    };
    const migrationObject = (name: string, spec: Doc) => ({
      apiVersion: 'mailsync.io/v1alpha1',
      kind: 'MailMigration',
      metadata: { name, namespace: ns },
      spec,
    });

    // everything at once
    const [rejectedSyncs, rejectedMigrations] = await Promise.all([
      Promise.all(
        BAD_SPECS.map(async ([what, mutate, expected], i) => {
          const spec = validSpec() as Doc;
          mutate(spec);
          const message = await rejection(
            client.create(paths.mailSyncs(ns), mailSyncObject(ns, `rejected-${i}`, spec as MailSyncSpec)),
          ).catch((error: unknown) => String(error));
          return expected.test(message) ? undefined : `${what}: ${message}`;
        }),
      ),
      Promise.all(
        REJECTED_MIGRATIONS.map(async ([what, mutate, expected], i) => {
          const message = await rejection(
            client.create(
              migrationPaths.mailMigrations(ns),
              migrationObject(`rejected-mm-${i}`, rejectedMigration(mutate)),
            ),
          ).catch((error: unknown) => String(error));
          return expected.test(message) ? undefined : `${what}: ${message}`;
        }),
      ),
      client.create(paths.mailSyncs(ns), mailSyncObject(ns, 'good', goodSpec())),
      ...ADMITTED.map(([name, mutate]) =>
        client.create(paths.mailSyncs(ns), mailSyncObject(ns, name, admittedSpec(name, mutate))),
      ),
      ...MIGRATIONS.map(([name, spec]) =>
        client.create(migrationPaths.mailMigrations(ns), migrationObject(name, spec(template))),
      ),
    ]);
    expect([...rejectedSyncs, ...rejectedMigrations].filter(Boolean), 'rejections that do not name the field').toEqual(
      [],
    );

    // each admitted one: a clear condition within the bound
    const unclear: string[] = [];
    await Promise.all([
      ...ADMITTED.map(async ([name, , reason, message]) => {
        let last: MailSync | undefined;
        try {
          await waitFor(
            `${name}: ${reason}`,
            async () => {
              last = await get<MailSync>(paths.mailSync(ns, name));
              const condition = ready(last);
              return condition?.status === 'False' && condition.reason === reason ? true : undefined;
            },
            CLEAR_WITHIN_MS,
            250,
          );
          timings.set(name, Date.now() - started);
          const condition = ready(last);
          if (!message.test(condition?.message ?? '')) unclear.push(`${name}: message ${condition?.message}`);
        } catch {
          unclear.push(
            `${name}: no ${reason} within ${CLEAR_WITHIN_MS} ms; last: ${JSON.stringify(last?.status)?.slice(0, 600)}`,
          );
        }
      }),
      ...MIGRATIONS.map(async ([name, , reason, message]) => {
        let last: MailMigration | undefined;
        try {
          const condition = await waitFor(
            `${name}: ${reason}`,
            async () => {
              last = await get<MailMigration>(migrationPaths.mailMigration(ns, name));
              return last?.status?.conditions?.find((c) => c.reason === reason);
            },
            CLEAR_WITHIN_MS,
            250,
          );
          timings.set(name, Date.now() - started);
          if (!message.test(condition.message ?? '')) unclear.push(`${name}: message ${condition.message}`);
        } catch {
          unclear.push(
            `${name}: no ${reason} within ${CLEAR_WITHIN_MS} ms; last: ${JSON.stringify(last?.status)?.slice(0, 600)}`,
          );
        }
      }),
    ]);
    expect(unclear, 'admitted manifests without a clear condition').toEqual([]);

    // the good one, applied at the same time, succeeds
    const good = await waitFor(
      'good: Succeeded',
      async () => {
        const ms = await get<MailSync>(paths.mailSync(ns, 'good'));
        return ms?.status?.phase === 'Succeeded' || ms?.status?.phase === 'Failed' ? ms : undefined;
      },
      300_000,
    );
    expect(good.status?.phase, JSON.stringify(good.status)).toBe('Succeeded');
    expect(good.status?.summary?.messagesTransferred).toBe(goodTotal);
    const { source, destination } = await mailboxes(pair, 'good');
    expect(destination).toEqual(source);
    timings.set('good', Date.now() - started);

    // nothing reached the denied address
    expect(forwarder.connections).toBe(0);

    // none loops: over three resyncs nothing of theirs changes
    const snapshot = async () => {
      const syncs = await client.get<{ items: MailSync[] }>(paths.mailSyncs(ns));
      const migrations = await client.get<{ items: MailMigration[] }>(migrationPaths.mailMigrations(ns));
      const events = await client.get<{ items: { involvedObject: { name: string }; count?: number }[] }>(
        paths.events(ns),
      );
      const jobs = await listJobs(client, ns);
      const versions = Object.fromEntries(
        [...syncs.items, ...migrations.items].map((o) => [o.metadata.name, o.metadata.resourceVersion]),
      );
      const eventCounts: Record<string, number> = {};
      for (const e of events.items)
        eventCounts[e.involvedObject.name] = (eventCounts[e.involvedObject.name] ?? 0) + (e.count ?? 1);
      const jobsOf: Record<string, number> = {};
      for (const job of jobs) {
        const owner = job.metadata?.ownerReferences?.find((r) => r.controller)?.name ?? '?';
        jobsOf[owner] = (jobsOf[owner] ?? 0) + 1;
      }
      return { versions, eventCounts, jobsOf };
    };
    const before = await snapshot();
    await sleep(QUIET_WINDOW_MS);
    const after = await snapshot();
    expect(after.versions, 'resourceVersions changed while nothing happened').toEqual(before.versions);
    expect(after.eventCounts, 'Events raised while nothing happened').toEqual(before.eventCounts);
    expect(after.jobsOf).toEqual(before.jobsOf);
    const workerRows = ['good', 'wrong-password', 'connect-refused', 'egress-denied'];
    expect(Object.keys(after.jobsOf).sort()).toEqual([...workerRows].sort());
    expect(Object.values(after.jobsOf).every((n) => n === 1)).toBe(true);
    // migrations with bad input create no child
    const children = await client.get<{ items: MailSync[] }>(paths.mailSyncs(ns), {
      labelSelector: 'mailsync.io/migration',
    });
    expect(children.items.map((c) => c.metadata.name)).toEqual([]);

    // no password anywhere the controller wrote
    const written = JSON.stringify([
      await snapshot(),
      await client.get(paths.mailSyncs(ns)),
      await client.get(paths.events(ns)),
    ]);
    for (const pw of [GOOD_PW.a, GOOD_PW.b]) {
      expect(written).not.toContain(pw);
      expect(controller.output()).not.toContain(pw);
    }
    console.log(
      `bad manifests: ${BAD_SPECS.length + REJECTED_MIGRATIONS.length} rejected at admission, ${ADMITTED.length + MIGRATIONS.length} admitted with a clear condition; ms after the apply: ${JSON.stringify(Object.fromEntries(timings))}`,
    );
  });
});
