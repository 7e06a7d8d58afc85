/**
 * MailMigration end to end in the cluster: the controller (a local process)
 * turns an imapsync file.txt held in a Secret into child MailSyncs whose
 * worker pods sync between two real Dovecot servers on 127.0.0.1. The
 * mailboxes are compared by listing both servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailMigration } from '../../src/api/migration-object.js';
import type { ReportRow } from '../../src/api/migration-report.js';
import { dispatch } from '../../src/cli/dispatch.js';
import { paths } from '../../src/controller/migration/paths.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
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
  listPods,
  waitFor,
} from './helpers/kube.js';
import { mailboxes, seedMailbox } from './helpers/mail.js';
import {
  childrenOf,
  createMigration,
  fileAccounts,
  installMigrationCrd,
  migrationTemplate,
  secretsOf,
} from './helpers/migration.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/migration.e2e.test.ts: ${skip}`);

describe.skipIf(skip)(
  'MailMigration end to end (file.txt Secret, worker pods, real Dovecot)',
  { timeout: 900_000 },
  () => {
    let client: KubeClient;
    let ns: string;
    let pair: DovecotPair;
    let controller: ControllerProcess;
    /** Every password used: none may appear in any status, event, log or report. */
    const { secrets, user, line } = fileAccounts(() => pair);
    const seen: string[] = [];

    const template = () => migrationTemplate(pair);

    const waitMigration = (name: string, what: string, test: (mm: MailMigration) => boolean, timeoutMs = 300_000) =>
      waitMigrationState(client, ns, name, what, test, { timeoutMs, seen: (mm) => seen.push(JSON.stringify(mm)) });
    const setFile = (name: string, text: string) =>
      client.mergePatch(paths.secret(ns, name), { stringData: { 'file.txt': text } });

    beforeAll(async () => {
      ({ client } = await connect());
      await installCrd(client);
      await installMigrationCrd(client);
      ns = await createNamespace(client, 'e2e-mm');
      pair = await startDovecotPair();
      await createSecret(client, ns, 'ca', { 'ca.crt': pair.a.caPem });
      controller = await startController({ namespaces: [ns], image: IMAGE! });
    });

    afterAll(async () => {
      // The namespace goes first, while the controller still runs: the children's finalizers need it.
      await removeNamespace(client, ns);
      await controller?.stop();
      await pair?.stop();
    });

    const USERS = ['ann', 'bob', 'cid', 'dot'];

    it('a migration from a file.txt Secret: presync pass over every account, all children Succeeded and exact', async () => {
      const totals = new Map<string, number>();
      for (const [i, name] of USERS.entries()) totals.set(name, await user(name, 8 + i));
      const file = [
        '# customers of the old server',
        line('ann'),
        line('bob', '--exclude ^Nothing'),
        '',
        line('cid'),
        line('dot'),
      ];
      await createSecret(client, ns, 'accounts', { 'file.txt': `${file.join('\n')}\n` });
      await createMigration(client, ns, 'acme', {
        template: template(),
        accountsFrom: { secretRef: { name: 'accounts', key: 'file.txt' }, format: 'imapsync' },
      });
      const done = await waitMigration(
        'acme',
        'presync pass ended',
        (mm) => mm.status?.pass?.id === 'presync-1' && mm.status.pass.endTime !== undefined,
      );
      expect(done.status?.phase).toBe('Waiting');
      expect(done.status?.accounts).toMatchObject({ total: 4, invalid: 0, succeeded: 4, failed: 0, display: '4/4' });
      expect(done.status?.conditions?.find((c) => c.type === 'AccountsValid')).toMatchObject({ status: 'True' });
      const children = await childrenOf(client, ns, 'acme');
      expect(children).toHaveLength(4);
      for (const child of children) {
        seen.push(JSON.stringify(child));
        expect(child.status?.phase, child.metadata.name).toBe('Succeeded');
        expect(child.metadata.ownerReferences?.[0]).toMatchObject({
          kind: 'MailMigration',
          name: 'acme',
          controller: true,
        });
        expect(child.metadata.name).toMatch(/^acme-[0-9a-f]{10}$/);
        expect(child.metadata.annotations?.['mailsync.io/requested-at']).toBe('presync-1');
        const name = child.spec.source.user;
        expect(child.status?.summary?.messagesTransferred, name).toBe(totals.get(name));
      }
      expect(done.status?.pass?.messages).toBe([...totals.values()].reduce((a, b) => a + b, 0));
      for (const name of USERS) {
        const { source, destination } = await mailboxes(pair, name);
        expect(destination, name).toEqual(source);
      }
      // Per-account Secrets hold the passwords of the file, owned by the migration.
      const owned = await secretsOf(client, ns, 'acme');
      expect(owned.map((s) => s.metadata.name).sort()).toEqual(children.map((c) => c.metadata.name).sort());
      expect(owned.every((s) => s.metadata.ownerReferences?.[0]?.uid === done.metadata.uid)).toBe(true);
    });

    it('mailsync report: one row per account, matching the children', async () => {
      const out: string[] = [];
      const io = {
        env: { ...process.env },
        stdout: (t: string) => out.push(t),
        stderr: (t: string) => out.push(t),
        stdoutIsTTY: false,
      };
      expect(await dispatch(['report', 'acme', '-n', ns, '--format', 'json'], io)).toBe(0);
      const rows = JSON.parse(out.join('')) as ReportRow[];
      const children = await childrenOf(client, ns, 'acme');
      expect(rows).toHaveLength(children.length);
      for (const child of children) {
        const row = rows.find((r) => r.mailsync === child.metadata.name);
        expect(row).toMatchObject({
          phase: child.status?.phase,
          messages: child.status?.summary?.messagesTransferred,
          bytes: child.status?.summary?.bytesTransferred,
          sourceUser: child.spec.source.user,
          attempts: 1,
        });
      }
      expect(rows.map((r) => r.line)).toEqual([2, 3, 5, 6]);
      const table: string[] = [];
      await dispatch(['report', 'acme', '-n', ns], { ...io, stdout: (t: string) => table.push(t) });
      expect(table.join('')).toContain('4 account(s): 4 Succeeded');
      seen.push(out.join(''), table.join(''));
    });

    it('editing the account list: a bad row deletes nothing and is reported by line; then one child goes, one comes', async () => {
      const before = await childrenOf(client, ns, 'acme');
      const dot = before.find((c) => c.spec.source.user === 'dot')!;
      await setFile('accounts', `${[line('ann'), line('bob'), line('cid'), 'bad;row'].join('\n')}\n`);
      const invalid = await waitMigration(
        'acme',
        'the bad row reported',
        (mm) => (mm.status?.accounts?.invalid ?? 0) > 0,
      );
      expect(invalid.status?.invalidAccounts).toEqual([
        { line: 4, message: expect.stringContaining('found 2 field(s)') },
      ]);
      expect(invalid.status?.conditions?.find((c) => c.type === 'AccountsValid')).toMatchObject({
        status: 'False',
        reason: 'InvalidAccounts',
      });
      expect((await childrenOf(client, ns, 'acme')).map((c) => c.metadata.name)).toContain(dot.metadata.name);

      const eveTotal = await user('eve', 5);
      await setFile('accounts', `${[line('ann'), line('bob'), line('cid'), line('eve')].join('\n')}\n`);
      await waitFor(
        'dot gone, eve Succeeded',
        async () => {
          const children = await childrenOf(client, ns, 'acme');
          const users = children.map((c) => c.spec.source.user).sort();
          const eve = children.find((c) => c.spec.source.user === 'eve');
          return users.join() === 'ann,bob,cid,eve' && eve?.status?.phase === 'Succeeded' ? eve : undefined;
        },
        240_000,
        1000,
      );
      const { source, destination } = await mailboxes(pair, 'eve');
      expect(destination).toEqual(source);
      expect(Object.values(source).flat()).toHaveLength(eveTotal);
      // The migration's status follows its children a moment later (child changes are coalesced).
      const mm = await waitMigration(
        'acme',
        'valid again, every account succeeded',
        (m) => m.status?.accounts?.invalid === 0 && m.status.accounts.total === 4 && m.status.accounts.succeeded === 4,
      );
      expect(mm.status?.accounts).toMatchObject({ failed: 0, running: 0, queued: 0, display: '4/4' });
      expect((await secretsOf(client, ns, 'acme')).map((s) => s.metadata.name)).not.toContain(dot.metadata.name);
    });

    it('passes: the schedule starts a delta pass on every child, finalPass one more, then Completed', async () => {
      const before = await childrenOf(client, ns, 'acme');
      const newMail = await seedMailbox(pair.a, 'ann', 3);
      // Every minute (the smallest cron step): the next tick starts delta-2.
      await client.mergePatch(paths.mailMigration(ns, 'acme'), {
        spec: { schedule: '* * * * *', timeZone: 'Europe/Paris' },
      });
      const delta = await waitMigration(
        'acme',
        'delta-2 ended',
        (mm) => mm.status?.pass?.id === 'delta-2' && mm.status.pass.endTime !== undefined,
        240_000,
      );
      expect(delta.status?.pass).toMatchObject({ kind: 'delta', accounts: { total: 4, succeeded: 4, failed: 0 } });
      expect(delta.status?.pass?.messages).toBe(newMail);
      const children = await childrenOf(client, ns, 'acme');
      for (const child of children) {
        expect(child.metadata.annotations?.['mailsync.io/requested-at']).toBe('delta-2');
        expect(child.status?.lastRequestedAt).toBe('delta-2');
        const previous = before.find((c) => c.metadata.name === child.metadata.name);
        if (previous) expect(child.status?.startTime).not.toBe(previous.status?.startTime);
      }
      const { source, destination } = await mailboxes(pair, 'ann');
      expect(destination).toEqual(source);

      await client.mergePatch(paths.mailMigration(ns, 'acme'), { spec: { finalPass: true } });
      const completed = await waitMigration('acme', 'Completed', (mm) => mm.status?.phase === 'Completed', 240_000);
      expect(completed.status?.pass).toMatchObject({ kind: 'final', accounts: { total: 4, succeeded: 4 } });
      expect(completed.status?.passes?.map((p) => p.id)).toEqual(['presync-1', 'delta-2', 'final-3']);
      expect(completed.status?.conditions?.find((c) => c.type === 'Completed')).toMatchObject({ status: 'True' });
      const events = (
        await client.get<{ items: { reason: string; involvedObject: { kind: string } }[] }>(paths.events(ns))
      ).items;
      expect(events.filter((e) => e.involvedObject.kind === 'MailMigration').map((e) => e.reason)).toEqual(
        expect.arrayContaining(['PassStarted', 'PassEnded']),
      );
    });

    it('deleting the migration aborts every child: TERM, pods gone, children and their Secrets garbage-collected', async () => {
      const names = ['fay', 'gus', 'hal'];
      for (const name of names) await user(name, 40);
      await createSecret(client, ns, 'slow', { 'file.txt': `${names.map((n) => line(n)).join('\n')}\n` });
      await createMigration(client, ns, 'slow', {
        template: {
          ...template(),
          throttle: { maxMessagesPerSecond: 2 },
          performance: { batchMessages: 1 },
          gracePeriodSeconds: 60,
        },
        accountsFrom: { secretRef: { name: 'slow', key: 'file.txt' } },
      });
      await waitFor(
        'every child copying',
        async () => {
          const children = await childrenOf(client, ns, 'slow');
          return children.length === 3 && children.every((c) => (c.status?.progress?.messagesCopied ?? 0) >= 2);
        },
        240_000,
        1000,
      );
      const children = await childrenOf(client, ns, 'slow');
      const deletedAt = Date.now();
      await client.delete(paths.mailMigration(ns, 'slow'), { propagationPolicy: 'Background' });
      await waitFor('children gone', async () => (await childrenOf(client, ns, 'slow')).length === 0, 180_000, 1000);
      for (const child of children) {
        await waitFor(
          `${child.metadata.name}: worker pods gone`,
          async () => (await listPods(client, ns, `mailsync.io/mailsync=${child.metadata.name}`)).length === 0,
          120_000,
          1000,
        );
      }
      expect(
        (Date.now() - deletedAt) / 1000,
        'workers stopped on TERM, not KILL at the end of the grace period',
      ).toBeLessThan(60);
      const events = await listEvents(client, ns);
      for (const child of children) {
        const aborted = events.find((e) => e.involvedObject.name === child.metadata.name && e.reason === 'Aborted');
        expect(aborted?.message, child.metadata.name).toMatch(/^sync aborted by deletion/);
      }
      await waitFor(
        'per-account Secrets gone',
        async () => (await secretsOf(client, ns, 'slow')).length === 0,
        60_000,
        1000,
      );
      // Nothing half-written: every destination message is a source message.
      for (const name of names) {
        const partial = await mailboxes(pair, name);
        for (const [folder, messages] of Object.entries(partial.destination)) {
          for (const m of messages) expect(partial.source[folder]).toContain(m);
        }
      }
    });

    it('no password in any status, event, report or controller log', async () => {
      const events = await client.get<{ items: unknown[] }>(paths.events(ns));
      const children: MailSync[] = await childrenOf(client, ns, 'acme');
      const haystack = [...seen, JSON.stringify(events), JSON.stringify(children), controller.output()].join('\n');
      for (const secret of secrets) expect(haystack).not.toContain(secret);
    });
  },
);
