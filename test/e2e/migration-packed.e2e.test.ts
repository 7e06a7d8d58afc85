/**
 * Packed runs end to end (MailMigration spec.accountsPerWorker > 1): the
 * controller (a local process) runs several accounts of a migration in one
 * worker pod; each child MailSync still gets its own progress, outcome and
 * delta state, and the mailboxes are compared by listing both real Dovecot
 * servers. Deleting the migration stops the batch pods with TERM.
 */
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMigration } from '../../src/api/migration-object.js';
import { batchMembers } from '../../src/controller/batch-job.js';
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
  listJobs,
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
} from './helpers/migration.js';

const skip = imageSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/migration-packed.e2e.test.ts: ${skip}`);

describe.skipIf(skip)(
  'MailMigration with accountsPerWorker: several accounts per worker pod',
  { timeout: 900_000 },
  () => {
    let client: KubeClient;
    let ns: string;
    let pair: DovecotPair;
    let controller: ControllerProcess;
    /** Every password used: none may appear in any status, event, log or report. */
    const { secrets, user, line } = fileAccounts(() => pair);
    const seen: string[] = [];
    const waitMigration = (name: string, what: string, test: (mm: MailMigration) => boolean, timeoutMs = 300_000) =>
      waitMigrationState(client, ns, name, what, test, { timeoutMs, seen: (mm) => seen.push(JSON.stringify(mm)) });
    const batchJobs = async () => (await listJobs(client, ns)).filter((j: V1Job) => batchMembers(j).length > 0);

    beforeAll(async () => {
      ({ client } = await connect());
      await installCrd(client);
      await installMigrationCrd(client);
      ns = await createNamespace(client, 'e2e-packed');
      pair = await startDovecotPair();
      await createSecret(client, ns, 'ca', { 'ca.crt': pair.a.caPem });
      controller = await startController({ namespaces: [ns], image: IMAGE! });
    });

    afterAll(async () => {
      await removeNamespace(client, ns);
      await controller?.stop();
      await pair?.stop();
    });

    const USERS = ['pa', 'pb', 'pc', 'pd', 'pe', 'pf'];

    it('six accounts, three per pod: two batch Jobs, every child Succeeded with its own summary, mailboxes exact', async () => {
      const totals = new Map<string, number>();
      for (const [i, name] of USERS.entries()) totals.set(name, await user(name, 5 + i));
      await createSecret(client, ns, 'accounts', { 'file.txt': `${USERS.map((n) => line(n)).join('\n')}\n` });
      await createMigration(client, ns, 'packed', {
        template: migrationTemplate(pair),
        accountsFrom: { secretRef: { name: 'accounts', key: 'file.txt' }, format: 'imapsync' },
        accountsPerWorker: 3,
      });
      const done = await waitMigration(
        'packed',
        'presync pass ended',
        (mm) => mm.status?.pass?.id === 'presync-1' && mm.status.pass.endTime !== undefined,
      );
      expect(done.status?.accounts).toMatchObject({ total: 6, succeeded: 6, failed: 0 });
      const children = await childrenOf(client, ns, 'packed');
      const jobs = await batchJobs();
      // Fewer pods than accounts: at most three accounts each (how they group depends on when each was admitted).
      expect(jobs.length).toBeGreaterThanOrEqual(2);
      expect(jobs.length).toBeLessThan(USERS.length);
      for (const job of jobs) expect(batchMembers(job).length).toBeLessThanOrEqual(3);
      const listed = jobs.flatMap((j) => batchMembers(j).map((m) => m.name)).sort();
      expect(listed).toEqual(children.map((c) => c.metadata.name).sort());
      expect((await listPods(client, ns, 'mailsync.io/batch=true')).length).toBe(jobs.length);
      for (const child of children) {
        seen.push(JSON.stringify(child));
        const name = child.spec.source.user;
        expect(child.status?.phase, name).toBe('Succeeded');
        expect(jobs.map((j) => j.metadata?.name)).toContain(child.status?.jobName);
        expect(child.status?.summary?.messagesTransferred, name).toBe(totals.get(name));
        // Its own lines only: the tail names no other account.
        expect(child.status?.logTail?.join('\n')).not.toMatch(/account=/);
      }
      for (const name of USERS) {
        const { source, destination } = await mailboxes(pair, name);
        expect(destination, name).toEqual(source);
      }
    });

    it('a run-now request starts a delta pass in batches again: only the new mail is copied, each child from its state', async () => {
      const added = await seedMailbox(pair.a, 'pc', 4);
      await client.mergePatch(paths.mailMigration(ns, 'packed'), {
        metadata: { annotations: { 'mailsync.io/requested-at': 'now-1' } },
      });
      const delta = await waitMigration(
        'packed',
        'the requested pass ended',
        (mm) => mm.status?.pass?.id !== 'presync-1' && mm.status?.pass?.endTime !== undefined,
      );
      expect(delta.status?.pass?.accounts).toMatchObject({ total: 6, succeeded: 6, failed: 0 });
      expect(delta.status?.pass?.messages).toBe(added);
      const { source, destination } = await mailboxes(pair, 'pc');
      expect(destination).toEqual(source);
      // Run in batch Jobs again: every child's last run is a batch Job that lists it.
      const jobs = await batchJobs();
      for (const child of await childrenOf(client, ns, 'packed')) {
        const job = jobs.find((j) => j.metadata?.name === child.status?.jobName);
        expect(job && batchMembers(job).map((m) => m.uid), child.metadata.name).toContain(child.metadata.uid);
        expect(child.status?.phase).toBe('Succeeded');
      }
      // A child's steps are no Events (its status has them); its outcome is one.
      const events = await listEvents(client, ns);
      expect(events.filter((e) => ['JobCreated', 'Running', 'Queued'].includes(e.reason ?? ''))).toEqual([]);
      expect(events.some((e) => e.reason === 'Succeeded' && e.involvedObject.kind === 'MailSync')).toBe(true);
    });

    it('deleting the migration stops its batch pods with TERM; children gone; nothing half-written', async () => {
      const names = ['sa', 'sb', 'sc', 'sd'];
      for (const name of names) await user(name, 40);
      await createSecret(client, ns, 'slow', { 'file.txt': `${names.map((n) => line(n)).join('\n')}\n` });
      await createMigration(client, ns, 'slow', {
        template: {
          ...migrationTemplate(pair),
          throttle: { maxMessagesPerSecond: 2 },
          performance: { batchMessages: 1 },
          gracePeriodSeconds: 60,
        },
        accountsFrom: { secretRef: { name: 'slow', key: 'file.txt' } },
        accountsPerWorker: 4,
      });
      await waitFor(
        'every child copying',
        async () => {
          const children = await childrenOf(client, ns, 'slow');
          return children.length === 4 && children.every((c) => (c.status?.progress?.messagesCopied ?? 0) >= 2);
        },
        240_000,
        1000,
      );
      const deletedAt = Date.now();
      await client.delete(paths.mailMigration(ns, 'slow'), { propagationPolicy: 'Background' });
      await waitFor('children gone', async () => (await childrenOf(client, ns, 'slow')).length === 0, 180_000, 1000);
      await waitFor(
        'batch pods gone',
        async () => (await listPods(client, ns, 'mailsync.io/batch=true,mailsync.io/migration=slow')).length === 0,
        120_000,
        1000,
      );
      expect((Date.now() - deletedAt) / 1000, 'workers stopped on TERM, not KILL at the grace end').toBeLessThan(60);
      for (const name of names) {
        const partial = await mailboxes(pair, name);
        for (const [folder, messages] of Object.entries(partial.destination)) {
          for (const m of messages) expect(partial.source[folder]).toContain(m);
        }
      }
    });

    it('no password in any status, event or controller log', async () => {
      const events = await client.get<{ items: unknown[] }>(paths.events(ns));
      const children = await childrenOf(client, ns, 'packed');
      const haystack = [...seen, JSON.stringify(events), JSON.stringify(children), controller.output()].join('\n');
      for (const secret of secrets) expect(haystack).not.toContain(secret);
    });
  },
);
