/**
 * The console's routes in process (hono's app.request), with an in-memory
 * MailSync source and store: CSRF, CSP, escaping, rate limits, body limit,
 * the cap, attach and abort by credential hash. The real server against real
 * Dovecot is test/integration/console-logins.test.ts; in a browser,
 * test/browser/.
 */
import { describe, expect, it } from 'vitest';
import { LABEL_CONSOLE_PAIR } from '../../../src/console/sync-objects.js';
import { fakeConsole, goodFields } from './fakes.js';

type App = ReturnType<typeof fakeConsole>['app'];

/** A visitor: keeps its cookie, reads the CSRF token from the form. */
async function visitor(app: App) {
  const first = await app.request('/X');
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await first.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    app.request('/X', {
      method: 'POST',
      body: new URLSearchParams({ csrf, ...fields }),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  return { first, page, cookie, csrf, post };
}

describe('console routes', () => {
  it('serves the form with a strict CSP (no inline script) and a SameSite cookie', async () => {
    const { app } = fakeConsole();
    const { first, page, cookie } = await visitor(app);
    expect(first.status).toBe(200);
    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly.*SameSite=Strict|SameSite=Strict.*HttpOnly/);
    expect(cookie).toMatch(/^mailsync_console=/);
    expect(page).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(page).toContain('<script type="module" src="/X/static/console.js"></script>');
    for (const label of ['s_host', 's_user', 's_password', 'd_host', 'd_user', 'd_password', 'exclude']) {
      expect(page).toContain(`<label for="${label}"`);
    }
  });

  it('refuses a POST without the token of its cookie', async () => {
    const { app, store } = fakeConsole();
    const { post } = await visitor(app);
    const other = await visitor(app);
    const res = await app.request('/X', {
      method: 'POST',
      body: new URLSearchParams({ ...goodFields, action: 'sync', csrf: other.csrf }),
      headers: { cookie: (await visitor(app)).cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('This form has expired');
    expect(store.secrets).toEqual([]);
    expect((await post({ ...goodFields, action: 'sync' })).status).toBe(303);
  });

  it('escapes what it shows again and never sends a password back', async () => {
    const { app } = fakeConsole();
    const { post } = await visitor(app);
    const res = await post({ ...goodFields, s_host: '"><img src=x onerror=alert(1)>', action: 'test' });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('source host must be a host name or an IP address');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain(goodFields.d_password);
    expect(page).not.toContain(goodFields.s_password);
  });

  it('Test logins: both sides, with TLS and certificate per side', async () => {
    const { app } = fakeConsole();
    const { post } = await visitor(app);
    const page = await (await post({ ...goodFields, action: 'test' })).text();
    expect(page).toContain('source: logged in to imap.old.example:993 with TLS (implicit), certificate verified.');
    expect(page).toContain('destination: logged in to 127.0.0.1:993 with TLS (implicit), certificate verified.');
    expect(page).not.toContain('new-pass');
  });

  it('Sync! creates a labelled Secret and MailSync, and redirects to the sync page', async () => {
    const { app, store, source, logLines } = fakeConsole();
    const { post } = await visitor(app);
    const res = await post({ ...goodFields, action: 'sync' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/X\/sync\/x-[0-9a-f]{16}$/);
    const name = location.split('/').pop() ?? '';
    const ms = source.objects.get(name);
    expect(ms?.metadata.labels).toMatchObject({ 'console.mailsync.io/made-by': 'self-service' });
    expect(ms?.metadata.labels?.[LABEL_CONSOLE_PAIR]).toMatch(/^[0-9a-f]{40}$/);
    expect(ms?.spec).toMatchObject({
      mode: 'dryRun',
      source: { host: 'imap.old.example', passwordSecretRef: { name: `${name}-credentials`, key: 'source' } },
      destination: {
        port: 10993,
        tls: 'implicit',
        passwordSecretRef: { name: `${name}-credentials`, key: 'destination' },
      },
      folders: { exclude: ['^Junk', '^Trash$'] },
    });
    expect(store.secrets[0]?.stringData).toEqual({ source: ' old pass ', destination: 'new-pass' });
    const everything = JSON.stringify(ms) + logLines.join('');
    expect(everything).not.toContain('new-pass');
    expect(everything).not.toContain('old pass');
    const page = await (await app.request(location)).text();
    expect(page).toContain(`data-events="/X/sync/${name}/events"`);
    expect(page).toContain('change both passwords');
    // The page's Abort! form has the accounts, never the passwords.
    expect(page).toContain('value="imap.old.example"');
    expect(page).not.toContain('new-pass');
  });

  it('--max-messages-per-second paces every sync it starts (spec.throttle); without it, no throttle', async () => {
    for (const [rate, throttle] of [
      [0.5, { maxMessagesPerSecond: 0.5 }],
      [undefined, undefined],
    ] as const) {
      const { app, source } = fakeConsole(rate !== undefined ? { maxMessagesPerSecond: rate } : {});
      const { post } = await visitor(app);
      const name = ((await post({ ...goodFields, action: 'sync' })).headers.get('location') ?? '').split('/').pop();
      expect(source.objects.get(name ?? '')?.spec.throttle).toEqual(throttle);
    }
  });

  it('the same pair with the same credentials is attached; other credentials may neither follow nor abort', async () => {
    const { app, store } = fakeConsole();
    const first = await visitor(app);
    const started = await first.post({ ...goodFields, action: 'sync' });
    const location = started.headers.get('location') ?? '';

    const second = await visitor(app);
    const again = await second.post({ ...goodFields, action: 'sync' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`${location}?attached=1`);
    expect(await (await app.request(`${location}?attached=1`)).text()).toContain('this is its live log');

    const wrong = { ...goodFields, d_password: 'guess' };
    const refused = await second.post({ ...wrong, action: 'sync' });
    expect(refused.status).toBe(409);
    const abortRefused = await second.post({ ...wrong, action: 'abort' });
    expect(abortRefused.status).toBe(403);
    expect(await abortRefused.text()).toContain('Abort refused');
    expect(store.aborted).toEqual([]);

    const aborted = await second.post({ ...goodFields, action: 'abort' });
    expect(aborted.status).toBe(303);
    expect(store.aborted).toEqual([location.split('/').pop()]);
    // The page of a deleted sync still says what happened.
    const page = await (await app.request(location)).text();
    expect(page).toContain('data-field="phase">Aborted<');
  });

  it('caps the self-service syncs running at once', async () => {
    const { app, store } = fakeConsole({ maxRunning: 1 });
    const { post } = await visitor(app);
    expect((await post({ ...goodFields, action: 'sync' })).status).toBe(303);
    const res = await post({ ...goodFields, s_user: 'jim', action: 'sync' });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('too many syncs are running');
    expect(store.secrets).toHaveLength(1);
  });

  it('rate limits per client address and per account pair', async () => {
    const byAddress = fakeConsole({ perAddress: 2 });
    const a = await visitor(byAddress.app);
    expect((await a.post({ ...goodFields, action: 'test' })).status).toBe(200);
    expect((await a.post({ ...goodFields, s_user: 'other', action: 'test' })).status).toBe(200);
    const limited = await a.post({ ...goodFields, s_user: 'third', action: 'test' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const byPair = fakeConsole({ perPair: 1 });
    const b = await visitor(byPair.app);
    expect((await b.post({ ...goodFields, action: 'test' })).status).toBe(200);
    expect((await b.post({ ...goodFields, action: 'test' })).status).toBe(429);
    expect((await b.post({ ...goodFields, s_user: 'someone-else', action: 'test' })).status).toBe(200);
  });

  it('refuses a body over the limit', async () => {
    const { app, store } = fakeConsole();
    const { post } = await visitor(app);
    const res = await post({ ...goodFields, exclude: 'x'.repeat(40_000), action: 'sync' });
    expect(res.status).toBe(413);
    expect(store.secrets).toEqual([]);
  });

  it('server-sent events: the current view first, then each change, from the one source', async () => {
    const { app, source, hub } = fakeConsole();
    const { post } = await visitor(app);
    const location = (await post({ ...goodFields, action: 'sync' })).headers.get('location') ?? '';
    const name = location.split('/').pop() ?? '';
    const res = await app.request(`${location}/events`);
    await expect.poll(() => hub.listenerCount).toBe(1);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const readEvent = async () => {
      let text = '';
      while (!text.includes('\n\n')) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`the stream ended after ${JSON.stringify(text)}`);
        text += decoder.decode(chunk.value);
      }
      return JSON.parse(/data: (.*)/.exec(text)?.[1] ?? '{}');
    };
    expect(await readEvent()).toMatchObject({ name, phase: 'Running', finished: false });
    const ms = source.objects.get(name)!;
    source.put({
      ...ms,
      status: {
        phase: 'Succeeded',
        progress: { messagesCopied: 10, messagesTotal: 10 },
        logTail: ['Connected to the source (implicit, 12 capabilities)'],
        summary: { message: 'all 10 messages present on the destination', messagesTransferred: 10 },
      },
    });
    expect(await readEvent()).toMatchObject({
      phase: 'Succeeded',
      percent: 100,
      finished: true,
      source: { tls: 'implicit', certificateVerified: true },
      summary: { transferred: 10 },
    });
    // The final view ends the stream and its listener on the hub.
    expect((await reader.read()).done).toBe(true);
    expect(hub.listenerCount).toBe(0);
  });

  it('unknown syncs are a 404 page, not an error', async () => {
    const { app } = fakeConsole();
    expect((await app.request('/X/sync/x-0000000000000000')).status).toBe(404);
    expect((await app.request('/X/sync/x-0000000000000000/events')).status).toBe(404);
  });
});
