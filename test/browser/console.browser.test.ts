/**
 * The self-service page in a real browser (Debian's chromium via playwright-core): the console's
 * HTTP server on 127.0.0.1 with the engine's real login check against real Dovecot, and an
 * in-memory API side (the MailSync source and store of test/unit/console/fakes.ts) whose status
 * the test moves, as the controller would. What is checked is the page: the form, Test logins
 * right and wrong, Sync!, the live view reaching 100% with the final statistics through
 * server-sent events, a second browser context attached to the running sync, Abort! refused with
 * wrong credentials and accepted with the right ones, a reload that keeps following, no
 * console error or CSP violation, and axe-core with no serious violation. Screenshots of each
 * step go to artifacts/browser/. The same flow with the real controller and worker pods:
 * test/e2e/console.e2e.test.ts.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import pino from 'pino';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import { consoleApp } from '../../src/console/app.js';
import { LiveHub } from '../../src/console/live-hub.js';
import { KeyedRateLimit } from '../../src/console/rate-limit.js';
import { checkLogin } from '../../src/sync/login-check.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { FakeSource, FakeStore } from '../unit/console/fakes.js';
import { axeViolations, chromiumSkipReason, launch, screenshot, serious } from './browser.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`SKIPPED test/browser/console.browser.test.ts: ${skip}`);

const SOURCE_PASSWORD = 'src-Browser-Pa55';
const DESTINATION_PASSWORD = 'dst-Browser-Pa55';

describe.skipIf(skip)('the self-service page in chromium', { timeout: 120_000 }, () => {
  let pair: DovecotPair;
  let browser: Browser;
  let base: string;
  let close: () => void;
  const source = new FakeSource();
  const store = new FakeStore(source);
  const problems: string[] = [];

  beforeAll(async () => {
    pair = await startDovecotPair();
    await pair.a.addUser('dana', SOURCE_PASSWORD);
    await pair.b.addUser('dana', DESTINATION_PASSWORD);
    const log = pino({ level: 'silent' });
    const app = consoleApp({
      namespace: 'web',
      key: Buffer.alloc(32, 5),
      hub: new LiveHub(source),
      store,
      checkLogins: (endpoint, side, env) => checkLogin(endpoint, side, { logger: log, env }),
      limits: {
        perAddress: new KeyedRateLimit({ burst: 100, perMinute: 100 }),
        perPair: new KeyedRateLimit({ burst: 100, perMinute: 100 }),
      },
      maxRunning: 5,
      caFile: pair.a.caFile,
      secureCookies: false,
      script: async () => {
        const { readFile } = await import('node:fs/promises');
        return readFile(new URL('../../dist/console/client/live.js', import.meta.url), 'utf8');
      },
      log,
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
    await pair?.stop();
  });

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      // Error statuses the tests cause on purpose (403 for a refused abort) are not problems; a CSP violation or a script error is.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    return { context, page };
  }

  async function fill(page: Page, destinationPassword = DESTINATION_PASSWORD) {
    await page.goto(`${base}/X`);
    await page.getByLabel('IMAP server').first().fill(pair.a.host);
    await page.getByLabel('User').first().fill('dana');
    await page.getByLabel('Password').first().fill(SOURCE_PASSWORD);
    // Port and TLS are folded away (a <details>): open them as a visitor would.
    const closed = page.locator('details:not([open]) > summary');
    while ((await closed.count()) > 0) await closed.first().click();
    await page.locator('#s_port').fill(String(pair.a.implicitTlsPort));
    await page.locator('#d_host').fill(pair.b.host);
    await page.locator('#d_user').fill('dana');
    await page.locator('#d_password').fill(destinationPassword);
    await page.locator('#d_port').fill(String(pair.b.implicitTlsPort));
  }

  const running = () => [...source.objects.values()].find((ms) => ms.status?.phase === 'Running');
  function progress(ms: MailSync, copied: number, extra: Partial<NonNullable<MailSync['status']>> = {}) {
    source.put({
      ...ms,
      status: {
        phase: 'Running',
        progress: {
          messagesCopied: copied,
          messagesTotal: 40,
          foldersDone: 1,
          foldersTotal: 3,
          rate: '12.5 msg/s',
          etaSeconds: 4,
        },
        logTail: [
          'Sync started (sync): dana@127.0.0.1 -> dana@127.0.0.1',
          'Connected to the source (implicit, 12 capabilities)',
          'Connected to the destination (implicit, 12 capabilities)',
          `Folder INBOX -> INBOX (${copied} messages)`,
        ],
        ...extra,
      },
    });
  }

  it('the form is accessible and Test logins answers per side (right, then wrong password)', async () => {
    const { context, page } = await newPage();
    await fill(page);
    expect(serious(await axeViolations(page))).toEqual([]);
    await screenshot(page, '01-form');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '01-form-phone');
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.getByRole('button', { name: 'Test logins' }).click();
    await expect.poll(() => page.locator('ul.logins li.ok').count()).toBe(2);
    expect(await page.locator('ul.logins li[data-side="destination"]').textContent()).toContain(
      'with TLS (implicit), certificate verified',
    );
    // The form keeps what was typed, except the passwords.
    expect(await page.locator('#s_host').inputValue()).toBe(pair.a.host);
    expect(await page.locator('#s_password').inputValue()).toBe('');
    expect(await page.content()).not.toContain(SOURCE_PASSWORD);
    await screenshot(page, '02-test-logins-ok');

    await fill(page, 'not-the-password');
    await page.getByRole('button', { name: 'Test logins' }).click();
    await expect.poll(() => page.locator('ul.logins li.error').count()).toBe(1);
    expect(await page.locator('ul.logins li.error').textContent()).toContain('destination: AuthenticationFailed');
    expect(serious(await axeViolations(page))).toEqual([]);
    await screenshot(page, '03-test-logins-wrong');
    await context.close();
  });

  it('Sync!, the live view to 100% with the final statistics, a second visitor attached, abort rules, reload', async () => {
    const first = await newPage();
    await fill(first.page);
    await first.page.getByRole('button', { name: 'Sync!' }).click();
    await first.page.waitForURL(/\/X\/sync\/x-[0-9a-f]{16}$/);
    const url = first.page.url();
    const ms = running()!;
    expect(ms.metadata.name).toBe(url.split('/').pop());
    expect(await first.page.locator('[data-field="phase"]').textContent()).toBe('Running');

    // Live: the page follows status changes without a reload.
    progress(ms, 10);
    await expect.poll(() => first.page.locator('[data-field="percent"]').textContent()).toBe('25%');
    expect(await first.page.locator('[data-field="source-tls"]').textContent()).toBe(
      'TLS (implicit), certificate verified',
    );
    expect(await first.page.locator('[data-field="rate"]').textContent()).toBe('12.5 msg/s');
    expect(await first.page.locator('[data-field="log"]').textContent()).toContain(
      'Folder INBOX -> INBOX (10 messages)',
    );
    await screenshot(first.page, '04-sync-in-progress');
    expect(serious(await axeViolations(first.page))).toEqual([]);

    // A second browser with the same accounts and passwords is attached to the running sync.
    const second = await newPage();
    await fill(second.page);
    await second.page.getByRole('button', { name: 'Sync!' }).click();
    await second.page.waitForURL(`${url}?attached=1`);
    expect(await second.page.locator('.notice.info').first().textContent()).toContain('this is its live log');
    expect(await second.page.locator('[data-field="percent"]').textContent()).toBe('25%');
    await screenshot(second.page, '05-second-visitor-attached');

    // Abort! with a wrong password is refused, and the sync goes on.
    await fill(second.page, 'wrong-password');
    await second.page.getByRole('button', { name: 'Abort!' }).click();
    await expect.poll(() => second.page.locator('.notice.error').first().textContent()).toContain('Abort refused');
    expect(store.aborted).toEqual([]);
    await screenshot(second.page, '06-abort-refused');

    // A reload keeps following (the URL is the sync's).
    progress(ms, 30);
    await first.page.reload();
    expect(await first.page.locator('[data-field="percent"]').textContent()).toBe('75%');
    source.put({
      ...ms,
      status: {
        phase: 'Succeeded',
        progress: { messagesCopied: 40, messagesTotal: 40, foldersDone: 3, foldersTotal: 3 },
        logTail: ['Connected to the source (implicit, 12 capabilities)', 'all 40 messages present on the destination'],
        summary: {
          verdict: 'success',
          message: 'all 40 messages present on the destination',
          messagesTransferred: 40,
          messagesSkipped: 0,
          messagesFailed: 0,
          bytesTransferred: 81_920,
          durationSeconds: 4,
        },
      },
    });
    await expect.poll(() => first.page.locator('[data-field="percent"]').textContent()).toBe('100%');
    expect(await first.page.locator('[data-field="phase"]').textContent()).toBe('Succeeded');
    expect(await first.page.locator('[data-field="summary"]').textContent()).toContain('all 40 messages present');
    expect(await first.page.locator('[data-field="summary"] dd').first().textContent()).toBe('40');
    await screenshot(first.page, '07-sync-done');
    await first.context.close();
    await second.context.close();
  });

  it('Abort! from another browser with the same credentials stops a running sync', async () => {
    const first = await newPage();
    await fill(first.page);
    await first.page.getByRole('button', { name: 'Sync!' }).click();
    await first.page.waitForURL(/\/X\/sync\/x-/);
    const ms = running()!;
    progress(ms, 5);
    const other = await newPage();
    await fill(other.page);
    await other.page.getByRole('button', { name: 'Abort!' }).click();
    await other.page.waitForURL(/\?aborted=1$/);
    expect(store.aborted).toEqual([ms.metadata.name]);
    // The first page learns it over its live stream.
    await expect.poll(() => first.page.locator('[data-field="phase"]').textContent()).toBe('Aborted');
    await screenshot(first.page, '08-aborted');
    expect(problems).toEqual([]);
    await first.context.close();
    await other.context.close();
  });
});
