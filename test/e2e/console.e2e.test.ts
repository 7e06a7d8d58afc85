/**
 * The web console end to end, in a real browser: Debian's chromium (playwright-core, executablePath)
 * against `mailsync console` as a process (the build, test/e2e/helpers/console-process.ts) on the
 * local cluster's API server, the controller running real worker pods (MAILSYNC_IMAGE, host network)
 * that sync between two real Dovecot servers on 127.0.0.1. Nothing is moved by the test but the
 * browser: the pages follow what the controller and the workers write.
 *
 * Checked: Test logins right and wrong; Sync! of a small mailbox reaching 100% with the worker's
 * final statistics; a bigger mailbox (the console's --max-messages-per-second paces it, so it is
 * still running while the browsers act: no timing assumption but "slower than a few clicks")
 * followed live, a second browser context with the same accounts attached to it, a reload that
 * keeps following, Abort! refused with a wrong password and accepted with the right one from the
 * second context (the sync stops mid-way: fewer messages on the destination than on the source);
 * the admin view signed in with a ServiceAccount token (real TokenReview and SubjectAccessReview),
 * an account file uploaded as a MailMigration that the controller runs, the page updating itself
 * until the migration is done (its live signal), the migration listed and its report downloaded. axe-core on each page (no serious violation), no console error or CSP
 * violation, and no password in any page, console log or controller log. Screenshots:
 * artifacts/browser/e2e-*.png (e2e-04 is the README's docs/console-sync.png).
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMigration } from '../../src/api/migration-object.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { axeViolations, chromiumSkipReason, launch, screenshot, serious } from '../browser/browser.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { type ConsoleProcess, startConsole } from './helpers/console-process.js';
import { type ControllerProcess, startController } from './helpers/controller-process.js';
import { removeNamespace, waitMigration } from './helpers/fixture.js';
import {
  connect,
  createNamespace,
  createSecret,
  getMailSync,
  IMAGE,
  imageSkipReason,
  installCrd,
  waitFor,
} from './helpers/kube.js';
import { addUserOnBoth, mailboxView, seedMailbox, seedMailboxBatched } from './helpers/mail.js';
import { installMigrationCrd, migrationTemplate } from './helpers/migration.js';
import { grantMigrationRole, serviceAccountToken } from './helpers/rbac.js';

const skip = imageSkipReason() ?? chromiumSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/console.e2e.test.ts: ${skip}`);

/** Pace of every self-service sync (--max-messages-per-second): the 12-message sync takes seconds, the 300-message one minutes. */
const PACE = 3;

describe.skipIf(skip)(
  'the web console in chromium, on the cluster with real workers and Dovecot',
  { timeout: 600_000 },
  () => {
    let client: KubeClient;
    let ns: string;
    let pair: DovecotPair;
    let controller: ControllerProcess;
    let web: ConsoleProcess;
    let browser: Browser;
    const passwords = new Map<string, { a: string; b: string }>();
    const problems: string[] = [];
    const pages: string[] = [];

    async function user(name: string, messages: number, batched = false): Promise<number> {
      const pw = {
        a: `src-${name}-${Math.random().toString(36).slice(2)}`,
        b: `dst-${name}-${Math.random().toString(36).slice(2)}`,
      };
      passwords.set(name, pw);
      await addUserOnBoth(pair, name, pw);
      return batched ? seedMailboxBatched(pair.a, name, messages) : seedMailbox(pair.a, name, messages);
    }

    beforeAll(async () => {
      ({ client } = await connect());
      await installCrd(client);
      await installMigrationCrd(client);
      ns = await createNamespace(client, 'e2e-console');
      pair = await startDovecotPair();
      // Both Dovecot servers have certificates of one CA: the syncs trust it through this Secret.
      await createSecret(client, ns, 'ca', { 'ca.crt': pair.a.caPem });
      controller = await startController({ namespaces: [ns], image: IMAGE! });
      web = await startConsole({
        namespace: ns,
        args: [
          '--ca-secret=ca:ca.crt',
          `--ca-file=${pair.a.caFile}`,
          `--max-messages-per-second=${PACE}`,
          '--admin',
          `--admin-namespaces=${ns}`,
          '--rate-per-address=100',
          '--rate-per-pair=100',
        ],
      });
      browser = await launch();
    });

    afterAll(async () => {
      await browser?.close();
      await web?.stop();
      // The namespace goes while the controller still runs: the MailSyncs' finalizers need it.
      await removeNamespace(client, ns);
      await controller?.stop();
      await pair?.stop();
      client?.close();
    });

    async function newPage(
      options: { acceptDownloads?: boolean } = {},
    ): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.on('console', (m) => {
        // Error statuses caused on purpose (403 for the refused abort) are not problems; a CSP violation or a script error is.
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('load', () => {
        void page
          .content()
          .then((html) => pages.push(html))
          .catch(() => {});
      });
      return { context, page };
    }

    /** The form of /X filled for `name` on both servers (implicit TLS ports of the Dovecot pair). */
    async function fill(page: Page, name: string, wrongDestination = false) {
      const pw = passwords.get(name)!;
      await page.goto(`${web.base}/X`);
      await page.getByLabel('IMAP server').first().fill('127.0.0.1');
      await page.getByLabel('User').first().fill(name);
      await page.getByLabel('Password').first().fill(pw.a);
      const closed = page.locator('details:not([open]) > summary');
      while ((await closed.count()) > 0) await closed.first().click();
      await page.locator('#s_port').fill(String(pair.a.implicitTlsPort));
      await page.locator('#d_host').fill('127.0.0.1');
      await page.locator('#d_user').fill(name);
      await page.locator('#d_password').fill(wrongDestination ? `${pw.b}-wrong` : pw.b);
      await page.locator('#d_port').fill(String(pair.b.implicitTlsPort));
    }

    const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`).textContent();
    /**
     * The live figures (messages, rate, time left): the rate and the time left move with every status
     * write (5 s), the messages with each batch the paced worker finishes.
     */
    const figures = async (page: Page) =>
      (await page.locator('[data-field="messages"], [data-field="rate"], [data-field="eta"]').allTextContents()).join(
        ' | ',
      );
    /** N of the page's "N / M" messages figure (copied, skipped and failed); -1 while unknown. */
    const doneOf = async (page: Page) => {
      const match = /^([\d,]+) \//.exec((await field(page, 'messages')) ?? '');
      return match?.[1] ? Number(match[1].replaceAll(',', '')) : -1;
    };

    it('Test logins answers per side: right, then a wrong destination password', async () => {
      await user('dana', 8);
      const { context, page } = await newPage();
      await fill(page, 'dana');
      expect(serious(await axeViolations(page))).toEqual([]);
      await screenshot(page, 'e2e-01-form');
      await page.getByRole('button', { name: 'Test logins' }).click();
      await expect.poll(() => page.locator('ul.logins li.ok').count()).toBe(2);
      expect(await page.locator('ul.logins li[data-side="source"]').textContent()).toContain(
        'with TLS (implicit), certificate verified',
      );
      await screenshot(page, 'e2e-02-test-logins-ok');
      await fill(page, 'dana', true);
      await page.getByRole('button', { name: 'Test logins' }).click();
      await expect.poll(() => page.locator('ul.logins li.error').count()).toBe(1);
      expect(await page.locator('ul.logins li.error').textContent()).toContain('destination: AuthenticationFailed');
      expect(serious(await axeViolations(page))).toEqual([]);
      await screenshot(page, 'e2e-03-test-logins-wrong');
      await context.close();
    });

    it('Sync!: the live view reaches 100% with the worker’s final statistics', async () => {
      const total = 12; // 8 in INBOX, 4 in Projects (dana, seeded above)
      const { context, page } = await newPage();
      await fill(page, 'dana');
      await page.getByRole('button', { name: 'Sync!' }).click();
      await page.waitForURL(/\/X\/sync\/x-[0-9a-f]{16}$/);
      const name = page.url().split('/').pop() ?? '';
      const ms = await getMailSync(client, ns, name);
      expect(ms?.spec.throttle).toEqual({ maxMessagesPerSecond: PACE });
      // Live: no reload; the page learns each status change over its event stream.
      await expect.poll(() => field(page, 'phase'), { timeout: 240_000 }).toBe('Succeeded');
      expect(await field(page, 'percent')).toBe('100%');
      expect(await field(page, 'messages')).toBe(`${total} / ${total}`);
      const summary = page.locator('[data-field="summary"]');
      expect(await summary.locator('h3').textContent()).toBe('Final statistics');
      // Transferred, skipped, failed: the worker's own counts.
      expect(await summary.locator('dd').evaluateAll((dds) => dds.slice(0, 3).map((d) => d.textContent))).toEqual([
        String(total),
        '0',
        '0',
      ]);
      expect(await field(page, 'log')).toContain('Connected to the source (implicit');
      expect(await field(page, 'source-tls')).toBe('TLS (implicit), certificate verified');
      expect(await field(page, 'destination-tls')).toBe('TLS (implicit), certificate verified');
      const source = await mailboxView(pair.a, 'dana');
      expect(await mailboxView(pair.b, 'dana')).toEqual(source);
      expect(serious(await axeViolations(page))).toEqual([]);
      await screenshot(page, 'e2e-07-sync-done');
      // The Secret with the passwords goes when the run ends.
      await waitFor('the sync’s Secret deleted', async () => {
        const list = await client.get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${ns}/secrets`);
        return !list.items.some((s) => s.metadata.name === `${name}-credentials`);
      });
      await context.close();
    });

    it('a paced sync: followed live, a second browser attached, a reload keeps following, Abort! refused then accepted mid-sync', async () => {
      const total = await user('erin', 400, true); // 600 messages: at PACE per second, minutes
      const first = await newPage();
      await fill(first.page, 'erin');
      await first.page.getByRole('button', { name: 'Sync!' }).click();
      await first.page.waitForURL(/\/X\/sync\/x-[0-9a-f]{16}$/);
      const url = first.page.url();
      const name = url.split('/').pop() ?? '';
      await expect.poll(() => doneOf(first.page), { timeout: 240_000 }).toBeGreaterThan(0);
      expect(await field(first.page, 'phase')).toBe('Running');
      expect(await field(first.page, 'source-tls')).toBe('TLS (implicit), certificate verified');
      expect(serious(await axeViolations(first.page))).toEqual([]);
      await screenshot(first.page, 'e2e-04-sync-in-progress');

      // A second browser with the same accounts and passwords is attached to the running sync.
      const second = await newPage();
      await fill(second.page, 'erin');
      await second.page.getByRole('button', { name: 'Sync!' }).click();
      await second.page.waitForURL(`${url}?attached=1`);
      expect(await second.page.locator('.notice.info').first().textContent()).toContain('this is its live log');
      expect(await doneOf(second.page)).toBeGreaterThan(0);
      const attachedAt = await figures(second.page);
      await expect.poll(() => figures(second.page), { timeout: 60_000 }).not.toBe(attachedAt);
      await screenshot(second.page, 'e2e-05-second-visitor-attached');

      // A reload of the first page shows the same sync, and it keeps moving.
      await first.page.reload();
      expect(first.page.url()).toBe(url);
      expect(await field(first.page, 'phase')).toBe('Running');
      const reloadedAt = await figures(first.page);
      await expect.poll(() => figures(first.page), { timeout: 60_000 }).not.toBe(reloadedAt);

      // Abort! with a wrong password is refused, and the sync goes on.
      await fill(second.page, 'erin', true);
      await second.page.getByRole('button', { name: 'Abort!' }).click();
      await expect.poll(() => second.page.locator('.notice.error').first().textContent()).toContain('Abort refused');
      await screenshot(second.page, 'e2e-06-abort-refused');
      const running = await getMailSync(client, ns, name);
      expect(running?.metadata.deletionTimestamp).toBeUndefined();
      expect(running?.status?.phase).toBe('Running');

      // With the right credentials, from the second browser: stopped, and the first page learns it live.
      await fill(second.page, 'erin');
      await second.page.getByRole('button', { name: 'Abort!' }).click();
      await second.page.waitForURL(/\?aborted=1$/);
      await expect.poll(() => field(first.page, 'phase'), { timeout: 120_000 }).toBe('Aborted');
      await screenshot(first.page, 'e2e-08-aborted');
      await waitFor(
        'the aborted MailSync gone (finalizer done)',
        async () => !(await getMailSync(client, ns, name)),
        180_000,
      );
      const copied = Object.values(await mailboxView(pair.b, 'erin')).reduce((n, f) => n + f.length, 0);
      expect(copied).toBeGreaterThan(0);
      expect(copied).toBeLessThan(total);
      await first.context.close();
      await second.context.close();
    });

    it('the admin view: a ServiceAccount token signs in, an uploaded account file becomes a migration that runs, its report downloads', async () => {
      const messages = await user('gina', 4);
      await grantMigrationRole(client, ns, 'operator');
      const token = await serviceAccountToken(client, ns, 'operator');

      const { context, page } = await newPage({ acceptDownloads: true });
      await page.goto(`${web.base}/admin`);
      await page.getByLabel('Kubernetes token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${web.base}/admin`);
      const pw = passwords.get('gina')!;
      await page.locator('details.upload > summary').click();
      await page.locator('#u-file').setInputFiles({
        name: 'file.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from(`# one customer\n;gina;${pw.a};;gina;${pw.b};\n`),
      });
      await page.locator('#u-name').fill('acme');
      await page.locator('#u-template').fill(JSON.stringify(migrationTemplate(pair)));
      await page.getByRole('button', { name: 'Create the migration' }).click();
      await expect
        .poll(() => page.locator('.notice.ok').first().textContent())
        .toContain(`MailMigration ${ns}/acme created with 1 account(s).`);
      expect(await page.locator(`tr[data-migration="${ns}/acme"]`).count()).toBe(1);

      const done = await waitMigration(
        client,
        ns,
        'acme',
        'its first pass ended',
        (mm: MailMigration) => mm.status?.pass?.endTime !== undefined,
      );
      expect(done.status?.accounts).toMatchObject({ total: 1, succeeded: 1, failed: 0 });
      // No reload by the test: the page reloads itself on the console's "changed" signal (its informers).
      const row = page.locator(`tr[data-migration="${ns}/acme"]`);
      await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 60_000 }).toContain('1/1');
      // The self-service syncs of the page are listed too (same namespace).
      expect(await page.locator('tr[data-sync]').count()).toBeGreaterThan(0);
      expect(serious(await axeViolations(page))).toEqual([]);
      await screenshot(page, 'e2e-09-admin-migration');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        row.locator('a', { hasText: 'Report (CSV)' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`${ns}-acme-report.csv`);
      const lines = (await readFile((await download.path()) ?? '', 'utf8')).trim().split('\n');
      expect(lines[0]).toMatch(/^line,account,sourceHost,/);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain('gina -> gina');
      expect(lines[1]).toContain('Succeeded');
      expect(lines[1]).toContain(`,${messages},`);
      await context.close();
    });

    it('no console error or CSP violation, and no password in any page or log', () => {
      expect(problems).toEqual([]);
      const everything = [...pages, web.output(), controller.output()].join('\n');
      expect(pages.length).toBeGreaterThan(5);
      for (const pw of passwords.values()) {
        expect(everything).not.toContain(pw.a);
        expect(everything).not.toContain(pw.b);
      }
    });
  },
);
