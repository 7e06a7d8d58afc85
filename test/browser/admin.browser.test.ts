/**
 * The console's admin view in a real browser (Debian's chromium via playwright-core): the console's
 * HTTP server on 127.0.0.1 with the admin routes on the in-process fake API server
 * (test/kube/console-admin-fixture.ts), which answers TokenReviews and SubjectAccessReviews from a
 * table of tokens and rules. Checked: the sign-in form, the migration and its syncs listed, a
 * filter, Suspend, the report downloaded as CSV, a user without rights shown a clear 403, axe-core
 * with no serious violation on each page, no console error or CSP violation. Screenshots go to
 * artifacts/browser/admin-*.png. With a real API server (TokenReview, RBAC) and a migration the real
 * controller runs: test/e2e/console.e2e.test.ts (in chromium) and test/e2e/console-admin.e2e.test.ts.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminChanges } from '../../src/console/admin/admin-changes.js';
import { adminFixture } from '../kube/console-admin-fixture.js';
import { fakeConsole } from '../unit/console/fakes.js';
import { axeViolations, chromiumSkipReason, launch, screenshot, serious } from './browser.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`SKIPPED test/browser/admin.browser.test.ts: ${skip}`);

describe.skipIf(skip)('the admin view in chromium', { timeout: 120_000 }, () => {
  let fixture: Awaited<ReturnType<typeof adminFixture>>;
  let browser: Browser;
  let base: string;
  let close: () => void;
  const problems: string[] = [];

  /** What the console's informers would say: the fake API's objects changed. */
  const handlers: (() => void)[] = [];
  const changed = () => {
    for (const h of handlers) h();
  };
  const changes = new AdminChanges([{ onChange: (h) => handlers.push(h) }], { coalesceMs: 50, minIntervalMs: 50 });

  beforeAll(async () => {
    fixture = await adminFixture({ changes });
    const { app } = fakeConsole({
      admin: fixture.admin,
      script: () => readFile(new URL('../../dist/console/client/live.js', import.meta.url), 'utf8'),
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    close?.();
    await fixture?.stop();
  });

  async function signIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      // The 403 of the denied user is on purpose; a CSP violation or a script error is a problem.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${base}/admin`);
    await page.getByLabel('Kubernetes token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  it('signs in, lists the migration and its syncs, filters, suspends, downloads the report', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const login = await context.newPage();
    await login.goto(`${base}/admin`);
    expect(serious(await axeViolations(login))).toEqual([]);
    await screenshot(login, 'admin-01-sign-in');
    await context.close();

    const page = await signIn('admin-token');
    await page.waitForURL(`${base}/admin`);
    const migrationRow = page.locator('tr[data-migration="mail/acme"]');
    await expect.poll(() => migrationRow.count()).toBe(1);
    expect(await migrationRow.locator('[data-field="phase"]').textContent()).toBe('Running');
    expect(await migrationRow.textContent()).toContain('AuthenticationFailed ×1');
    expect(await page.locator('tr[data-sync]').count()).toBe(3);
    expect(await page.locator('#hosts').textContent()).toContain('imap.old.example');
    expect(serious(await axeViolations(page))).toEqual([]);
    await screenshot(page, 'admin-02-overview');

    // Filter by phase: only the failed sync is left.
    await page.getByLabel('Phase').selectOption('Failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/phase=Failed/);
    expect(
      await page.locator('tr[data-sync]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-sync'))),
    ).toEqual(['mail/acme-2']);
    await screenshot(page, 'admin-03-filter-failed');

    // Suspend the migration: a notice, and spec.suspend in the API.
    await page.goto(`${base}/admin`);
    await page.getByRole('button', { name: 'Suspend mail/acme' }).click();
    await expect
      .poll(() => page.locator('.notice.ok').first().textContent())
      .toContain('suspend MailMigration mail/acme: done.');
    const stored = fixture.api.objects.get(
      '/apis/mailsync.io/v1alpha1/namespaces/mail/mailmigrations/acme',
    ) as unknown as {
      spec: { suspend?: boolean };
    };
    expect(stored.spec.suspend).toBe(true);
    expect(await page.getByRole('button', { name: 'Resume mail/acme' }).count()).toBe(1);
    await screenshot(page, 'admin-04-suspended');

    // The per-account report as a CSV download.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('tr[data-migration="mail/acme"] a', { hasText: 'Report (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('mail-acme-report.csv');
    const csv = await readFile((await download.path()) ?? '', 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^line,account,sourceHost,/);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['joe -> joe', 'ann -> ann']);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('live: the list page reloads itself when a migration changes, not while the upload form is open', async () => {
    const page = await signIn('admin-token');
    await page.waitForURL(`${base}/admin`);
    const phase = page.locator('tr[data-sync="team-b/solo"] td').nth(1);
    expect(await phase.textContent()).toBe('Running');
    await expect.poll(() => changes.subscribers).toBe(1);
    const path = '/apis/mailsync.io/v1alpha1/namespaces/team-b/mailsyncs/solo';
    const solo = fixture.api.objects.get(path) as unknown as { status: { phase: string } };
    fixture.api.put(path, { ...solo, status: { ...solo.status, phase: 'Failed' } } as never);
    changed();
    await expect.poll(() => phase.textContent()).toBe('Failed');
    expect(await page.locator('#admin-live').textContent()).toContain('reloads itself');
    await screenshot(page, 'admin-06-live-update');

    // Busy with the upload form: no reload (what was typed stays), a note says an update waits.
    await page.locator('details.upload > summary').click();
    await page.locator('#u-name').fill('typed-name');
    await expect.poll(() => changes.subscribers).toBe(1);
    fixture.api.put(path, { ...solo, status: { ...solo.status, phase: 'Succeeded' } } as never);
    changed();
    await expect.poll(() => page.locator('#admin-live').textContent()).toContain('reload it to see the new state');
    expect(await page.locator('#u-name').inputValue()).toBe('typed-name');
    expect(await phase.textContent()).toBe('Failed');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a user whose RBAC allows nothing sees a clear 403', async () => {
    const page = await signIn('nobody-token');
    await page.waitForURL(`${base}/admin`);
    expect(await page.locator('h2').textContent()).toBe('Forbidden (403)');
    expect(await page.locator('.notice.error').textContent()).toContain(
      'Your Kubernetes permissions do not allow: list mailmigrations.mailsync.io in namespace mail',
    );
    expect(await page.locator('tr[data-migration]').count()).toBe(0);
    expect(serious(await axeViolations(page))).toEqual([]);
    await screenshot(page, 'admin-05-forbidden');
    await page.context().close();
  });
});
