/**
 * A MailMigration at fleet size in the cluster (issue 9, "Done when"): the
 * controller (a local process, no controller-wide cap) runs real worker pods
 * (host network) between two real Dovecot servers on 127.0.0.1.
 * - 50 accounts from a file.txt with `concurrency.perSourceHost: 5`: Jobs,
 *   pods and children are watched from before the apply to the end, the
 *   running workers are counted on every event, never more than 5 and 5
 *   reached; queued children show Queued with a position; all 50 end exact;
 * - `mailsync report` matches the 50 children (JSON, CSV and the table);
 * - a run-now annotation on the migration starts a delta pass over every
 *   account, under the same cap;
 * - a transient failure (the destination refuses connections) of one account
 *   is retried by the migration's retry policy and then succeeds; the pass
 *   waits for it;
 * - deleting the migration in the middle of a pass aborts every child, the
 *   queued ones included, and no worker is left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailMigration } from '../../src/api/migration-object.js';
import type { ReportRow } from '../../src/api/migration-report.js';
import { dispatch } from '../../src/cli/dispatch.js';
import { paths } from '../../src/controller/migration/paths.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { type FaultProxy, startFaultProxy } from '../harness/fault-proxy.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { removeNamespace, waitMigration as waitMigrationState } from './helpers/fixture.js';
import {
  connect,
  createNamespace,
  createSecret,
  IMAGE,
  imageSkipReason,
  installCrd,
  listEvents,
  listJobs,
  listPods,
  sleep,
  waitFor,
} from './helpers/kube.js';
import { mailboxes, seedMailbox } from './helpers/mail.js';
import {
  childrenOf,
  createMigration,
  getMigration,
  installMigrationCrd,
  migrationTemplate,
  secretsOf,
} from './helpers/migration.js';
import { type RunWatch, watchRuns } from './helpers/run-watch.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/migration-fleet.e2e.test.ts: ${skip}`);

const ACCOUNTS = 50;
const CAP = 5;
/** seedMailbox(…, 6): 6 messages in INBOX, 3 in Projects. */
const SEED = 6;
const MIGRATION = 'fifty';

/** Run `task` over `items`, `limit` at once (the Dovecot pair and the machine are shared). */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

describe.skipIf(skip)(
  `MailMigration of ${ACCOUNTS} accounts with a cap of ${CAP} (worker pods, real Dovecot)`,
  { timeout: 900_000 },
  () => {
    let client: KubeClient;
    let ns: string;
    let pair: DovecotPair;
    let controller: ControllerProcess;
    let watch: RunWatch;
    let proxy: FaultProxy | undefined;
    const passwords = new Map<string, { a: string; b: string }>();
    const secrets: string[] = [];
    const seen: string[] = [];
    const users = Array.from({ length: ACCOUNTS }, (_, i) => `acct${String(i).padStart(2, '0')}`);
    const totals = new Map<string, number>();

    /** Users on both servers at once: Dovecot re-reads its passwd-file at most once per second. */
    async function addUsers(names: string[]) {
      for (const name of names) {
        const pw = {
          a: `src-${name}-${Math.random().toString(36).slice(2)}`,
          b: `dst-${name}-${Math.random().toString(36).slice(2)}`,
        };
        passwords.set(name, pw);
        secrets.push(pw.a, pw.b);
        await pair.a.addUser(name, pw.a);
        await pair.b.addUser(name, pw.b);
      }
      await sleep(1100);
    }

    /** imapsync's file.txt: host1;user1;password1;host2;user2;password2 (hosts from the template). */
    const line = (name: string) => {
      const pw = passwords.get(name)!;
      return `;${name};${pw.a};;${name};${pw.b}`;
    };

    const template = () => migrationTemplate(pair);

    const waitMigration = (name: string, what: string, test: (mm: MailMigration) => boolean, timeoutMs = 300_000) =>
      waitMigrationState(client, ns, name, what, test, {
        timeoutMs,
        seen: (mm) => seen.push(JSON.stringify(mm.status ?? {})),
      });

    const passEnded = (id: string) => (mm: MailMigration) => mm.status?.pass?.id === id && !!mm.status.pass.endTime;

    async function report(name: string, format: 'json' | 'csv' | 'table'): Promise<string> {
      const out: string[] = [];
      const err: string[] = [];
      const code = await dispatch(['report', name, '-n', ns, ...(format === 'table' ? [] : ['--format', format])], {
        env: { ...process.env },
        stdout: (t: string) => out.push(t),
        stderr: (t: string) => err.push(t),
        stdoutIsTTY: false,
      });
      expect(code, err.join('')).toBe(0);
      seen.push(out.join(''), err.join(''));
      return out.join('');
    }

    beforeAll(async () => {
      ({ client } = await connect());
      await installCrd(client);
      await installMigrationCrd(client);
      ns = await createNamespace(client, 'e2e-mmfleet');
      pair = await startDovecotPair();
      await createSecret(client, ns, 'ca', { 'ca.crt': pair.a.caPem });
      controller = await startController({ namespaces: [ns], image: IMAGE! });
      // Watching from before the apply: every Job and pod of the migration is seen from its creation.
      watch = await watchRuns(client, ns, `mailsync.io/migration=${MIGRATION}`);
    });

    afterAll(async () => {
      watch?.stop();
      // The namespace goes first, while the controller still runs: the children's finalizers need it.
      await removeNamespace(client, ns);
      await controller?.stop();
      await proxy?.close();
      await pair?.stop();
    });

    it(`${ACCOUNTS} accounts, perSourceHost ${CAP}: never more than ${CAP} workers at any event, ${CAP} reached, the rest Queued with a position, all exact`, async () => {
      await addUsers(users);
      await eachLimited(users, 4, async (name) => {
        totals.set(name, await seedMailbox(pair.a, name, SEED));
      });
      await createSecret(client, ns, 'accounts', { 'file.txt': `${users.map(line).join('\n')}\n` });
      const started = Date.now();
      await createMigration(client, ns, MIGRATION, {
        // About 3 s of copying per account: the runs overlap and the queue stays full for a while.
        template: { ...template(), throttle: { maxMessagesPerSecond: 3 } },
        accountsFrom: { secretRef: { name: 'accounts', key: 'file.txt' } },
        concurrency: { perSourceHost: CAP },
      });

      // While the pass runs, the migration's own counts respect the cap too.
      const midway = await waitMigration(
        MIGRATION,
        'running, with queued accounts',
        (mm) => (mm.status?.accounts?.running ?? 0) > 0 && (mm.status?.accounts?.queued ?? 0) > 0,
        120_000,
      );
      expect(midway.status?.phase).toBe('Running');
      expect(midway.status?.accounts?.running).toBeLessThanOrEqual(CAP);

      const done = await waitMigration(MIGRATION, 'presync-1 ended', passEnded('presync-1'), 600_000);
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(
        `${ACCOUNTS} accounts, cap ${CAP}: presync pass in ${seconds} s; peak Jobs ${watch.jobs.count} ` +
          `(${watch.jobs.names.join(' ')}), peak pods ${watch.pods.count}, ${watch.events} Job/pod events, ` +
          `${watch.queued.length} Queued statuses seen, peak Running statuses ${watch.runningStatuses}`,
      );
      expect(done.status?.accounts).toMatchObject({ total: ACCOUNTS, succeeded: ACCOUNTS, failed: 0, invalid: 0 });
      expect(done.status?.pass?.messages).toBe([...totals.values()].reduce((a, b) => a + b, 0));

      // The cap at every moment: every event of both streams was counted.
      expect(watch.events).toBeGreaterThanOrEqual(2 * ACCOUNTS);
      expect(watch.jobs.count, `Jobs at the peak: ${watch.jobs.names.join(' ')}`).toBeLessThanOrEqual(CAP);
      expect(watch.pods.count, `pods at the peak: ${watch.pods.names.join(' ')}`).toBeLessThanOrEqual(CAP);
      // ... and reached: the runs did overlap, so the bound above means something.
      expect(watch.jobs.count).toBe(CAP);
      expect(watch.pods.count).toBe(CAP);

      // Queued children said so, with a position, and the Ready condition told why.
      const queuedNames = new Set(watch.queued.map((q) => q.name));
      expect(queuedNames.size).toBeGreaterThanOrEqual(ACCOUNTS - 2 * CAP);
      for (const q of watch.queued) {
        expect(q.position, q.name).toBeGreaterThanOrEqual(1);
        expect(q.position, q.name).toBeLessThanOrEqual(ACCOUNTS - CAP);
        expect(q.readyReason, q.name).toBe('Queued');
      }
      expect(Math.max(...watch.queued.map((q) => q.position ?? 0))).toBeGreaterThan(CAP);

      const children = await childrenOf(client, ns, MIGRATION);
      expect(children).toHaveLength(ACCOUNTS);
      for (const child of children) {
        seen.push(JSON.stringify(child.status ?? {}));
        const name = child.spec.source.user;
        expect(child.status?.phase, name).toBe('Succeeded');
        expect(child.status?.summary?.messagesTransferred, name).toBe(totals.get(name));
      }
      await eachLimited(users, 4, async (name) => {
        const { source, destination } = await mailboxes(pair, name);
        expect(destination, name).toEqual(source);
      });
    });

    it('mailsync report matches the children: one row each (JSON, CSV), and the table sums them up', async () => {
      const children = await childrenOf(client, ns, MIGRATION);
      const rows = JSON.parse(await report(MIGRATION, 'json')) as ReportRow[];
      expect(rows).toHaveLength(children.length);
      expect(rows.map((r) => r.line).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(users.map((_, i) => i + 1));
      for (const child of children) {
        const row = rows.find((r) => r.mailsync === child.metadata.name);
        expect(row, child.metadata.name).toMatchObject({
          account: `${child.spec.source.user} -> ${child.spec.destination.user}`,
          sourceUser: child.spec.source.user,
          destinationUser: child.spec.destination.user,
          phase: 'Succeeded',
          reason: '',
          messages: child.status?.summary?.messagesTransferred,
          bytes: child.status?.summary?.bytesTransferred,
          attempts: 1,
          lastError: '',
        });
        expect(row?.messages).toBe(totals.get(child.spec.source.user));
        expect(row?.bytes).toBeGreaterThan(0);
      }
      const csv = (await report(MIGRATION, 'csv')).trim().split('\n');
      expect(csv).toHaveLength(ACCOUNTS + 1);
      for (const child of children) {
        expect(csv.filter((l) => l.includes(child.metadata.name ?? '?'))).toHaveLength(1);
      }
      expect(await report(MIGRATION, 'table')).toContain(`${ACCOUNTS} account(s): ${ACCOUNTS} Succeeded`);
    });

    it('a run-now annotation on the migration starts a delta pass over every account, under the same cap', async () => {
      const before = await childrenOf(client, ns, MIGRATION);
      const extra = await seedMailbox(pair.a, 'acct07', 2);
      const value = new Date().toISOString();
      await client.mergePatch(paths.mailMigration(ns, MIGRATION), {
        metadata: { annotations: { 'mailsync.io/requested-at': value } },
      });
      const delta = await waitMigration(MIGRATION, 'delta-2 ended', passEnded('delta-2'), 400_000);
      expect(delta.status?.lastRequestedAt).toBe(value);
      expect(delta.status?.pass).toMatchObject({
        kind: 'delta',
        accounts: { total: ACCOUNTS, succeeded: ACCOUNTS, failed: 0 },
        messages: extra,
      });
      expect(delta.status?.passes?.map((p) => p.id)).toEqual(['presync-1', 'delta-2']);
      expect(delta.status?.phase).toBe('Waiting');
      const children = await childrenOf(client, ns, MIGRATION);
      for (const child of children) {
        expect(child.status?.lastRequestedAt, child.metadata.name).toBe('delta-2');
        expect(child.status?.phase, child.metadata.name).toBe('Succeeded');
        const previous = before.find((c) => c.metadata.name === child.metadata.name);
        expect(child.status?.startTime, child.metadata.name).not.toBe(previous?.status?.startTime);
      }
      const { source, destination } = await mailboxes(pair, 'acct07');
      expect(destination).toEqual(source);
      expect(watch.jobs.count).toBeLessThanOrEqual(CAP);
      expect(watch.pods.count).toBeLessThanOrEqual(CAP);

      // The same value again is no new request.
      await client.mergePatch(paths.mailMigration(ns, MIGRATION), {
        metadata: { annotations: { 'mailsync.io/requested-at': value } },
      });
      await sleep(3000);
      expect((await getMigration(client, ns, MIGRATION))?.status?.pass?.id).toBe('delta-2');
    });

    it("a transient failure (destination refuses connections) is retried by the migration's retry policy, then succeeds; the pass waits for it", async () => {
      const names = ['flaky1', 'steady1'];
      await addUsers(names);
      for (const name of names) totals.set(name, await seedMailbox(pair.a, name, 4));
      proxy = await startFaultProxy({ host: '127.0.0.1', port: pair.b.implicitTlsPort });
      proxy.refuse(true);
      // A CSV this time; the flaky account's destination port goes through the proxy.
      const csv = [
        'user1,password1,port2,password2',
        ...names.map((n) => `${n},${passwords.get(n)!.a},${n === 'flaky1' ? proxy!.port : ''},${passwords.get(n)!.b}`),
      ];
      await createSecret(client, ns, 'flaky', { 'accounts.csv': `${csv.join('\n')}\n` });
      await createMigration(client, ns, 'flaky', {
        template: {
          ...template(),
          backoffLimit: 0,
          retry: { limit: 5, initialBackoffSeconds: 5, maxBackoffSeconds: 10 },
        },
        accountsFrom: { secretRef: { name: 'flaky', key: 'accounts.csv' }, format: 'csv' },
      });
      const failing = await waitFor(
        'flaky1 failed with a retry scheduled',
        async () => {
          const child = (await childrenOf(client, ns, 'flaky')).find((c) => c.spec.source.user === 'flaky1');
          return child?.status?.phase === 'Failed' && child.status.nextRetryAt ? child : undefined;
        },
        180_000,
        500,
      );
      expect(failing.status?.lastError?.reason).toBe('ConnectFailed');
      // The steady account ends; the pass does not, and the flaky one is not counted as failed.
      const waiting = await waitMigration(
        'flaky',
        'steady1 done, the pass still open',
        (mm) => (mm.status?.pass?.accounts.succeeded ?? 0) >= 1,
        180_000,
      );
      expect(waiting.status?.pass?.endTime).toBeUndefined();
      expect(waiting.status?.pass?.accounts.failed).toBe(0);
      proxy.refuse(false);
      const done = await waitMigration('flaky', 'presync-1 ended', passEnded('presync-1'), 240_000);
      expect(done.status?.pass?.accounts).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
      expect(done.status?.failureReasons).toBeUndefined();
      const flaky = (await childrenOf(client, ns, 'flaky')).find((c) => c.spec.source.user === 'flaky1')!;
      expect(flaky.status?.retries).toBeGreaterThanOrEqual(1);
      expect(flaky.status?.summary?.messagesTransferred).toBe(totals.get('flaky1'));
      for (const name of names) {
        const { source, destination } = await mailboxes(pair, name);
        expect(destination, name).toEqual(source);
      }
      const rows = JSON.parse(await report('flaky', 'json')) as ReportRow[];
      expect(rows.find((r) => r.sourceUser === 'flaky1')).toMatchObject({
        phase: 'Succeeded',
        reason: '',
        attempts: (flaky.status?.retries ?? 0) + 1,
      });
      expect(rows.find((r) => r.sourceUser === 'steady1')).toMatchObject({ phase: 'Succeeded', attempts: 1 });
    });

    it('deleting the migration in the middle of a pass aborts every child, queued ones included; no worker is left', async () => {
      // Another delta pass, 12 new messages per account at 1 message/s: the cap is full, the queue long,
      // and a child seen copying is most likely still copying when the deletion reaches it.
      await eachLimited(users, 4, async (name) => {
        await seedMailbox(pair.a, name, 8);
      });
      await client.mergePatch(paths.mailMigration(ns, MIGRATION), {
        metadata: { annotations: { 'mailsync.io/requested-at': new Date().toISOString() } },
        spec: { template: { throttle: { maxMessagesPerSecond: 1 }, performance: { batchMessages: 1 } } },
      });
      const copying = (c: MailSync) =>
        c.status?.phase === 'Running' &&
        c.status.lastRequestedAt === 'delta-3' &&
        (c.status.progress?.messagesCopied ?? 0) >= 1 &&
        (c.status.progress?.messagesCopied ?? 0) <= 3;
      const running = await waitFor(
        'delta-3: children copying, others queued',
        async () => {
          const children = await childrenOf(client, ns, MIGRATION);
          const names = children.filter(copying).map((c) => c.metadata.name ?? '');
          const queued = children.filter((c) => c.status?.phase === 'Queued').length;
          return names.length > 0 && queued > 0 ? names : undefined;
        },
        240_000,
        500,
      );
      const seenAt = Date.now();
      await client.delete(paths.mailMigration(ns, MIGRATION), { propagationPolicy: 'Background' });
      await waitFor('children gone', async () => (await childrenOf(client, ns, MIGRATION)).length === 0, 240_000, 1000);
      await waitFor(
        'no worker Job or pod of the migration left',
        async () => {
          const jobs = (await listJobs(client, ns)).filter(
            (j) => j.metadata?.labels?.['mailsync.io/migration'] === MIGRATION,
          );
          const pods = await listPods(client, ns, `mailsync.io/migration=${MIGRATION}`);
          return jobs.length === 0 && pods.length === 0;
        },
        180_000,
        1000,
      );
      // Every child seen copying was aborted by the deletion, unless its status was a few seconds
      // stale (the machine is loaded) and its worker had already finished: then it has a Succeeded
      // event for this pass (newer than the status read). Most must have been aborted.
      const events = await listEvents(client, ns);
      let aborted = 0;
      for (const name of running) {
        const mine = events.filter((e) => e.involvedObject.name === name);
        const abort = mine.find((e) => e.reason === 'Aborted');
        if (abort) {
          expect(abort.message, name).toMatch(/^sync aborted by deletion/);
          aborted++;
          continue;
        }
        // Event times have whole seconds. Earlier passes' Succeeded events are older than seenAt.
        const finishedAt = Math.max(
          ...mine
            .filter((e) => e.reason === 'Succeeded')
            .map((e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? '') || 0),
          0,
        );
        expect(finishedAt, `${name}: neither aborted nor finished before the deletion`).toBeGreaterThanOrEqual(
          Math.floor(seenAt / 1000) * 1000 - 1000,
        );
      }
      expect(aborted, `children aborted of ${running.join(' ')}`).toBeGreaterThan(running.length / 2);
      await waitFor(
        'per-account Secrets gone',
        async () => (await secretsOf(client, ns, MIGRATION)).length === 0,
        60_000,
        1000,
      );
      // Gone with the migration, its caps must not let the queued children start at once.
      expect(
        watch.jobs.count,
        `Jobs at the peak (${watch.jobs.at}): ${watch.jobs.names.join(' ')}`,
      ).toBeLessThanOrEqual(CAP);
      expect(
        watch.pods.count,
        `pods at the peak (${watch.pods.at}): ${watch.pods.names.join(' ')}`,
      ).toBeLessThanOrEqual(CAP);
    });

    it('no password in any status, event, report or controller log', async () => {
      const events = await client.get<{ items: unknown[] }>(paths.events(ns));
      const haystack = [...seen, JSON.stringify(events), controller.output()].join('\n');
      for (const secret of secrets) expect(haystack).not.toContain(secret);
    });
  },
);
