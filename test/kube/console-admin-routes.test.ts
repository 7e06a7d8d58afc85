/**
 * The admin view's routes on the fake API server (console-admin-fixture.ts): sign-in (bearer header, the
 * form's session, a trusted proxy), lists and filters, per-host load, the RBAC gate on every list
 * and action (403 with a clear message; a failing review refuses), CSRF, abort / suspend / run now,
 * the report download and the upload of an account file (its passwords never in a page or a log),
 * the live "changed" stream.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminChanges } from '../../src/console/admin/admin-changes.js';
import { fakeConsole } from '../unit/console/fakes.js';
import { adminFixture } from './console-admin-fixture.js';

type Fixture = Awaited<ReturnType<typeof adminFixture>>;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

async function setup(options: Parameters<typeof adminFixture>[0] = {}) {
  fixture = await adminFixture(options);
  const { app } = fakeConsole({ admin: fixture.admin });
  return { ...fixture, app };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const item = (kind: string, ns: string, name: string) => `/apis/mailsync.io/v1alpha1/namespaces/${ns}/${kind}/${name}`;

/** The CSRF cookie and token of a page (GET /admin). */
async function csrfOf(app: Fixture['admin'], headers: Record<string, string>) {
  const res = await app.request('/admin', { headers });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const token = /name="csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '';
  return { cookie, token };
}

async function post(
  app: Fixture['admin'],
  path: string,
  headers: Record<string, string>,
  fields: Record<string, string>,
) {
  const { cookie, token } = await csrfOf(app, headers);
  return app.request(path, {
    method: 'POST',
    headers: { ...headers, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: token, ...fields }).toString(),
  });
}

describe('admin view: authentication', () => {
  it('without credentials: the sign-in form (401), under the strict CSP, no script', async () => {
    const { app } = await setup();
    const res = await app.request('/admin');
    expect(res.status).toBe(401);
    const page = await res.text();
    expect(page).toContain('<form method="post" action="/admin/login"');
    expect(page).not.toContain('<script');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('a refused token is said so; a failing TokenReview is a 503, not a sign-in', async () => {
    const { app, reviews } = await setup();
    const refused = await app.request('/admin', { headers: bearer('forged') });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('This token was not accepted by the Kubernetes API server.');
    reviews.failTokenReviews = 500;
    const down = await app.request('/admin', { headers: bearer('other-token') });
    expect(down.status).toBe(503);
    expect(await down.text()).toContain('TokenReview failed');
  });

  it('the sign-in form opens a session whose cookie stands for the token; sign-out ends it', async () => {
    const { app, logLines } = await setup();
    const { cookie, token } = await csrfOf(app, {});
    const login = await app.request('/admin/login', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: token, token: 'admin-token' }).toString(),
    });
    expect(login.status).toBe(303);
    const session = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(session).toMatch(/^mailsync_admin=[A-Za-z0-9_-]{32}$/);
    expect(session).not.toContain('admin-token');
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const page = await app.request('/admin', { headers: { Cookie: `${cookie}; ${session}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('alice');
    expect(html).not.toContain('admin-token');
    const logout = await app.request('/admin/logout', {
      method: 'POST',
      headers: { Cookie: `${cookie}; ${session}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: token }).toString(),
    });
    expect(logout.status).toBe(303);
    expect((await app.request('/admin', { headers: { Cookie: `${cookie}; ${session}` } })).status).toBe(401);
    expect(logLines.join('\n')).not.toContain('admin-token');
  });

  it('sign-in attempts are rate-limited per peer address (each one is a TokenReview)', async () => {
    const { app, reviews } = await setup({ peer: '127.0.0.9', loginBurst: 2 });
    const { cookie, token } = await csrfOf(app, {});
    const attempt = () =>
      app.request('/admin/login', {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: token, token: `guess-${Math.random()}` }).toString(),
      });
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    const third = await attempt();
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await third.text()).toContain('Too many sign-in attempts');
    expect(reviews.tokenReviews).toBe(2);
  });

  it('bearer tokens to review are rate-limited per peer address; a token already reviewed is not', async () => {
    const { app, reviews } = await setup({ peer: '127.0.0.9', bearerBurst: 2 });
    expect((await app.request('/admin', { headers: bearer('admin-token') })).status).toBe(200);
    expect((await app.request('/admin', { headers: bearer('made-up-1') })).status).toBe(401);
    const third = await app.request('/admin', { headers: bearer('made-up-2') });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await third.text()).toContain('Too many tokens to check from your address');
    expect(reviews.tokenReviews).toBe(2);
    // admin-token's review is cached: it still gets in
    expect((await app.request('/admin', { headers: bearer('admin-token') })).status).toBe(200);
    expect(reviews.tokenReviews).toBe(2);
  });

  it('proxy headers identify the user only from a trusted peer', async () => {
    const trustedSetup = await setup({ trusted: '127.0.0.1', peer: '127.0.0.1' });
    const headers = { 'X-Forwarded-User': 'alice', 'X-Forwarded-Groups': 'ops' };
    expect((await trustedSetup.app.request('/admin', { headers })).status).toBe(200);
    expect(trustedSetup.reviews.accessReviews.at(-1)).toMatchObject({ user: 'alice', groups: ['ops'] });
    await trustedSetup.stop();
    const untrusted = await setup({ trusted: '127.0.0.1', peer: '10.9.9.9' });
    expect((await untrusted.app.request('/admin', { headers })).status).toBe(401);
  });
});

describe('admin view: live updates (GET /admin/events)', () => {
  function changeSource() {
    const handlers: (() => void)[] = [];
    return {
      onChange: (h: () => void) => {
        handlers.push(h);
      },
      change: () => {
        for (const h of handlers) h();
      },
    };
  }

  it('a signed-in user who may list gets a "changed" event when a watched object changes; the page says it is live', async () => {
    const source = changeSource();
    const changes = new AdminChanges([source], { coalesceMs: 1, minIntervalMs: 1 });
    const { app } = await setup({ changes });
    const page = await (await app.request('/admin', { headers: bearer('admin-token') })).text();
    expect(page).toContain(`data-events="/admin/events?since=${changes.version}"`);
    expect(page).toContain('<script type="module" src="/X/static/console.js"></script>');
    const res = await app.request('/admin/events', { headers: bearer('viewer-token') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    await vi.waitFor(() => expect(changes.subscribers).toBe(1));
    source.change();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe('event: changed\ndata: {}\n\n');
    await reader.cancel();
    await vi.waitFor(() => expect(changes.subscribers).toBe(0));
  });

  it('a page that connects after a change it does not show is signalled at once (the change came while it loaded)', async () => {
    const source = changeSource();
    const changes = new AdminChanges([source], { coalesceMs: 1, minIntervalMs: 1 });
    const { app } = await setup({ changes });
    const page = await (await app.request('/admin', { headers: bearer('admin-token') })).text();
    const events = /data-events="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(events).toMatch(/^\/admin\/events\?since=/);
    source.change(); // nobody listens yet
    const res = await app.request(events, { headers: bearer('admin-token') });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe('event: changed\ndata: {}\n\n');
    await reader.cancel();

    // Up to date: a page rendered after the change gets no signal until the next change.
    const fresh = await (await app.request('/admin', { headers: bearer('admin-token') })).text();
    const current = await app.request(/data-events="([^"]+)"/.exec(fresh)?.[1] ?? '', {
      headers: bearer('admin-token'),
    });
    const quiet = current.body!.getReader();
    await vi.waitFor(() => expect(changes.subscribers).toBe(1));
    const first = quiet.read();
    const early = await Promise.race([
      first.then(() => 'signalled'),
      new Promise((r) => setTimeout(() => r('quiet'), 200)),
    ]);
    expect(early).toBe('quiet');
    source.change();
    expect(new TextDecoder().decode((await first).value)).toBe('event: changed\ndata: {}\n\n');
    await quiet.cancel();
  });

  it('without credentials 401, without list rights 403; without live updates no stream and no script', async () => {
    const changes = new AdminChanges([changeSource()]);
    const { app, stop } = await setup({ changes });
    expect((await app.request('/admin/events')).status).toBe(401);
    expect((await app.request('/admin/events', { headers: bearer('nobody-token') })).status).toBe(403);
    expect(changes.subscribers).toBe(0);
    await stop();
    const plain = await setup();
    expect((await plain.app.request('/admin/events', { headers: bearer('admin-token') })).status).toBe(404);
    const page = await (await plain.app.request('/admin', { headers: bearer('admin-token') })).text();
    expect(page).not.toContain('<script');
  });
});

describe('admin view: lists, filters, load', () => {
  it('migrations and syncs with phase, progress and failures; running per host against the caps; values escaped', async () => {
    const { app } = await setup();
    const res = await app.request('/admin', { headers: bearer('admin-token') });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-migration="mail/acme"');
    expect(html).toContain('AuthenticationFailed ×1');
    for (const name of ['mail/acme-1', 'mail/acme-2', 'team-b/solo']) expect(html).toContain(`data-sync="${name}"`);
    expect(html).toContain('<td>50%</td>');
    expect(html).toContain('LOGIN refused &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('<b>bold</b>');
    // imap.old.example: acme-1 (Running) of mail/acme, cap 3 for all, 2 per source host for the migration.
    expect(html).toMatch(
      /<th scope="row">imap\.old\.example<\/th><td>source<\/td><td>1<\/td><td>3<\/td><td>mail\/acme: 1 \/ 2<\/td>/,
    );
    expect(html).toContain('action="/admin/upload"');
    expect(html).toContain('href="/admin/report/mail/acme.csv"');
    // Browsers compile pattern="..." with the v flag: an invalid one is a console error and no check.
    const patterns = [...html.matchAll(/pattern="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) expect(() => new RegExp(`^(?:${pattern})$`, 'v'), pattern).not.toThrow();
    expect(new RegExp(`^(?:${patterns[0]})$`, 'v').test('acme-2026')).toBe(true);
  });

  it.each([
    ['phase=Failed', ['mail/acme-2'], []],
    ['host=mx.other', ['team-b/solo'], []],
    ['migration=acme', ['mail/acme-1', 'mail/acme-2'], ['mail/acme']],
    ['namespace=team-b', ['team-b/solo'], []],
    ['host=IMAP.OLD', ['mail/acme-1', 'mail/acme-2'], ['mail/acme']],
  ])('filter %s', async (query, syncs, migrations) => {
    const { app } = await setup();
    const html = await (await app.request(`/admin?${query}`, { headers: bearer('admin-token') })).text();
    expect([...html.matchAll(/data-sync="([^"]+)"/g)].map((m) => m[1])).toEqual(syncs);
    expect([...html.matchAll(/data-migration="([^"]+)"/g)].map((m) => m[1])).toEqual(migrations);
  });

  it('a user sees only the namespaces they may list, and no upload without create rights', async () => {
    const { app } = await setup();
    const html = await (await app.request('/admin', { headers: bearer('viewer-token') })).text();
    expect(html).toContain('data-sync="mail/acme-1"');
    expect(html).not.toContain('team-b/solo');
    expect(html).toContain(
      'Your Kubernetes permissions do not allow: list mailmigrations.mailsync.io in namespace team-b',
    );
    expect(html).not.toContain('action="/admin/upload"');
  });

  it('a user who may list nothing gets a clear 403', async () => {
    const { app } = await setup();
    const res = await app.request('/admin', { headers: bearer('nobody-token') });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(
      'Your Kubernetes permissions do not allow: list mailmigrations.mailsync.io in namespace',
    );
  });

  it('a failing SubjectAccessReview refuses, and says the permission could not be checked', async () => {
    const { app, reviews } = await setup();
    reviews.failAccessReviews = 500;
    const res = await app.request('/admin', { headers: bearer('admin-token') });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('could not be checked (SubjectAccessReview failed: InternalError); refused.');
  });
});

describe('admin view: actions', () => {
  it('abort deletes, suspend and resume patch spec.suspend, run now sets the annotation, each after its review', async () => {
    const { app, api, reviews } = await setup();
    const h = bearer('admin-token');
    const act = (kind: string, namespace: string, name: string, action: string) =>
      post(app, '/admin/action', h, { kind, namespace, name, action });
    const suspend = await act('mailmigrations', 'mail', 'acme', 'suspend');
    expect(suspend.status).toBe(303);
    expect(suspend.headers.get('location')).toContain('done=');
    expect(
      (api.objects.get(item('mailmigrations', 'mail', 'acme')) as unknown as { spec: { suspend?: boolean } }).spec
        .suspend,
    ).toBe(true);
    expect(reviews.accessReviews.at(-1)).toMatchObject({
      user: 'alice',
      verb: 'patch',
      resource: 'mailmigrations',
      namespace: 'mail',
      name: 'acme',
    });
    await act('mailmigrations', 'mail', 'acme', 'resume');
    expect(
      (api.objects.get(item('mailmigrations', 'mail', 'acme')) as unknown as { spec: { suspend?: boolean } }).spec
        .suspend,
    ).toBe(false);
    await act('mailsyncs', 'team-b', 'solo', 'run-now');
    expect(api.objects.get(item('mailsyncs', 'team-b', 'solo'))?.metadata.annotations).toEqual({
      'mailsync.io/requested-at': '2026-12-03T10:00:00.000Z',
    });
    expect((await act('mailsyncs', 'team-b', 'solo', 'abort')).status).toBe(303);
    expect(api.objects.has(item('mailsyncs', 'team-b', 'solo'))).toBe(false);
    expect(reviews.accessReviews.at(-1)).toMatchObject({
      verb: 'delete',
      resource: 'mailsyncs',
      namespace: 'team-b',
      name: 'solo',
    });
  });

  it('an action the user may not do is a 403 naming it, and nothing changes', async () => {
    const { app, api } = await setup();
    const res = await post(app, '/admin/action', bearer('viewer-token'), {
      kind: 'mailmigrations',
      namespace: 'mail',
      name: 'acme',
      action: 'abort',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(
      'Your Kubernetes permissions do not allow: delete mailmigrations.mailsync.io acme in namespace mail',
    );
    expect(api.objects.has(item('mailmigrations', 'mail', 'acme'))).toBe(true);
  });

  it('without the CSRF token, or for an unknown namespace or action: refused', async () => {
    const { app, api } = await setup();
    const noCsrf = await app.request('/admin/action', {
      method: 'POST',
      headers: { ...bearer('admin-token'), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'kind=mailmigrations&namespace=mail&name=acme&action=abort',
    });
    expect(noCsrf.status).toBe(403);
    expect(api.objects.has(item('mailmigrations', 'mail', 'acme'))).toBe(true);
    const h = bearer('admin-token');
    expect(
      (
        await post(app, '/admin/action', h, {
          kind: 'mailmigrations',
          namespace: 'kube-system',
          name: 'x',
          action: 'abort',
        })
      ).status,
    ).toBe(400);
    expect(
      (await post(app, '/admin/action', h, { kind: 'secrets', namespace: 'mail', name: 'x', action: 'abort' })).status,
    ).toBe(400);
  });
});

describe('admin view: report and upload', () => {
  it('the report downloads as CSV (mailsync report --format csv); refused without the rights', async () => {
    const { app } = await setup();
    const res = await app.request('/admin/report/mail/acme.csv', { headers: bearer('viewer-token') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="mail-acme-report.csv"');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'line,account,sourceHost,sourceUser,destinationHost,destinationUser,mailsync,phase,reason,messages,bytes,durationSeconds,attempts,lastError',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['1,joe -> joe', '2,ann -> ann']);
    expect((await app.request('/admin/report/mail/acme.csv', { headers: bearer('nobody-token') })).status).toBe(403);
    expect((await app.request('/admin/report/mail/nope.csv', { headers: bearer('admin-token') })).status).toBe(404);
  });

  const FILE =
    'imap.old.example;joe;Src-Secret-1;imap.new.example;joe;Dst-Secret-1\nimap.old.example;ann;Src-Secret-2;imap.new.example;ann;Dst-Secret-2\n';

  async function upload(
    app: Fixture['admin'],
    token: string,
    file: string,
    extra: Record<string, string> = {},
    fileName = 'Customers 2026.txt',
  ) {
    const h = bearer(token);
    const { cookie, token: csrf } = await csrfOf(app, h);
    const form = new FormData();
    form.set('csrf', csrf);
    form.set('namespace', 'mail');
    for (const [k, v] of Object.entries(extra)) form.set(k, v);
    form.set('file', new File([file], fileName, { type: 'text/plain' }));
    return app.request('/admin/upload', { method: 'POST', headers: { ...h, Cookie: cookie }, body: form });
  }

  it('an imapsync file.txt becomes a Secret and a MailMigration; its passwords are in no page and no log', async () => {
    const { app, api, logLines } = await setup();
    const res = await upload(app, 'admin-token', FILE, { template: 'mode: sync' });
    expect(res.status).toBe(303);
    expect(decodeURIComponent(res.headers.get('location') ?? '')).toContain(
      'MailMigration mail/customers-2026 created with 2 account(s).',
    );
    const secret = api.objects.get('/api/v1/namespaces/mail/secrets/customers-2026-accounts') as unknown as {
      stringData: Record<string, string>;
      metadata: { ownerReferences?: { kind: string; name: string }[] };
    };
    expect(secret.stringData['file.txt']).toBe(FILE);
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'MailMigration', name: 'customers-2026' }),
    ]);
    const mm = api.objects.get(item('mailmigrations', 'mail', 'customers-2026')) as unknown as {
      spec: Record<string, unknown>;
    };
    expect(mm.spec).toMatchObject({
      template: { mode: 'sync' },
      accountsFrom: { secretRef: { name: 'customers-2026-accounts', key: 'file.txt' }, format: 'imapsync' },
    });
    const page = await (await app.request('/admin', { headers: bearer('admin-token') })).text();
    expect(page).toContain('data-migration="mail/customers-2026"');
    expect(`${page}${logLines.join('\n')}`).not.toMatch(/Secret-\d/);
  });

  it('a bad row: nothing written, the line named, no password echoed', async () => {
    const { app, api, logLines } = await setup();
    const res = await upload(app, 'admin-token', `${FILE}imap.old.example;eve;Src-Secret-3\n`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('line 3:');
    expect(`${page}${logLines.join('\n')}`).not.toMatch(/Secret-\d/);
    expect(api.objects.has('/api/v1/namespaces/mail/secrets/customers-2026-accounts')).toBe(false);
  });

  it('a CSV: with its header it imports; without one, the first account is not echoed back', async () => {
    const { app, api } = await setup();
    const csv =
      'host1,user1,password1,host2,user2,password2\nimap.old.example,joe,Src-Secret-5,imap.new.example,joe,Dst-Secret-5\n';
    const res = await upload(app, 'admin-token', csv, { name: 'from-csv' }, 'accounts.csv');
    expect(res.status).toBe(303);
    const secret = api.objects.get('/api/v1/namespaces/mail/secrets/from-csv-accounts') as unknown as {
      stringData: Record<string, string>;
    };
    expect(secret.stringData).toEqual({ 'accounts.csv': csv });
    const headerless = await upload(app, 'admin-token', csv.split('\n').slice(1).join('\n'), {}, 'b.csv');
    expect(headerless.status).toBe(400);
    const page = await headerless.text();
    expect(page).toContain('the first line is not a header');
    expect(page).not.toMatch(/secret-5/i);
  });

  it('too large: 413; without create rights: 403', async () => {
    const { app } = await setup();
    expect((await upload(app, 'admin-token', 'x'.repeat(1024 * 1024 + 40 * 1024))).status).toBe(413);
    const refused = await upload(app, 'viewer-token', FILE);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('create mailmigrations.mailsync.io in namespace mail');
  });
});
