/**
 * The console's HTTP routes (hono), independent of how it is served:
 *   GET  /X                    the self-service form
 *   POST /X                    action=test (Test logins), sync (Sync!), abort (Abort!)
 *   GET  /X/sync/:name         one sync, live (a reload shows it again)
 *   GET  /X/sync/:name/events  its server-sent events (fed by the one watch, live-hub.ts)
 *   GET  /X/static/...         the script and the style sheet
 *   GET  /healthz
 *   /admin/...                 the admin view, when enabled (admin/admin-routes.ts)
 * Every POST needs the CSRF token of its cookie, fits in the body limit and
 * passes the rate limits (client address, then account pair). Passwords go
 * from the form to the login check or the Secret and nowhere else: never in
 * a page, a log line or a URL.
 */
import { randomBytes } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import type { MailSync } from '../api/mailsync.js';
import { credentialHash, pairKey, sameHash } from './credential-hash.js';
import { CSRF_COOKIE, CSRF_FIELD, csrfToken, csrfValid, isSessionId, newSessionId } from './csrf.js';
import { echoFields, type FormSide, type PostedFields, parseForm, SIDE_PREFIX } from './form.js';
import { credentialHashOf, type LiveHub } from './live-hub.js';
import { type LoginChecker, loginResults } from './login-results.js';
import { type FormPageInput, formPage, messagePage, type Notice, syncPage } from './pages.js';
import type { KeyedRateLimit } from './rate-limit.js';
import { CONSOLE_CSS } from './styles.js';
import { type CaRef, syncObjects } from './sync-objects.js';
import type { SyncStore } from './sync-store.js';

export interface ConsoleAppOptions {
  namespace: string;
  /** HMAC key of the credential hashes and CSRF tokens. */
  key: Buffer;
  hub: LiveHub;
  store: SyncStore;
  checkLogins: LoginChecker;
  limits: { perAddress: KeyedRateLimit; perPair: KeyedRateLimit };
  /** Cap on self-service syncs running at once. */
  maxRunning: number;
  /** Cap on open live views (server-sent event streams). */
  maxStreams?: number;
  ca?: CaRef;
  /** More labels of the Secrets (--secret-labels). */
  secretLabels?: Record<string, string>;
  /** spec.throttle.maxMessagesPerSecond of every sync started here (--max-messages-per-second). */
  maxMessagesPerSecond?: number;
  /** The same CA as a file, for Test logins (they run in the console, not in a pod). */
  caFile?: string;
  /** Take the client address from X-Forwarded-For (behind a proxy or ingress). */
  trustForwardedFor?: boolean;
  /** Cookies with the Secure attribute (served over HTTPS). */
  secureCookies: boolean;
  /** The admin view's routes (--admin), mounted at /admin. */
  admin?: Hono;
  /** The compiled client script (dist/console/client/live.js). */
  script: () => Promise<string>;
  log: Logger;
}

export const BODY_LIMIT_BYTES = 32 * 1024;

const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

export function consoleApp(options: ConsoleAppOptions): Hono {
  const app = new Hono();
  const { hub, log } = options;
  let streams = 0;

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: CSP,
      referrerPolicy: 'no-referrer',
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    // Pages carry CSRF tokens and live figures: never cached.
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  const session = (c: Context): string => {
    const existing = getCookie(c, CSRF_COOKIE);
    if (isSessionId(existing)) return existing;
    const id = newSessionId();
    setCookie(c, CSRF_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: options.secureCookies,
      path: '/X',
    });
    return id;
  };
  const csrf = (c: Context) => csrfToken(options.key, session(c));
  const address = (c: Context): string => {
    if (options.trustForwardedFor) {
      const first = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
      if (first) return first;
    }
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // Not served by node:http (app.request() in tests): one shared bucket.
      return 'unknown';
    }
  };
  const refuse = (c: Context, status: 400 | 403 | 404 | 409 | 413 | 429 | 503, title: string, text: string) =>
    c.html(messagePage(title, { kind: 'error', text }), status);

  app.get('/', (c) => c.redirect('/X'));
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/X/static/console.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(CONSOLE_CSS);
  });
  app.get('/X/static/console.js', async (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(await options.script());
  });

  if (options.admin) app.route('/admin', options.admin);

  app.get('/X', (c) => c.html(formPage({ csrf: csrf(c), values: {} })));

  app.post(
    '/X',
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: (c) => refuse(c, 413, 'Too large', `The form is larger than ${BODY_LIMIT_BYTES / 1024} KiB.`),
    }),
    async (c) => {
      const fields: PostedFields = await c.req.parseBody().catch(() => ({}));
      const token = typeof fields[CSRF_FIELD] === 'string' ? (fields[CSRF_FIELD] as string) : undefined;
      if (!csrfValid(options.key, getCookie(c, CSRF_COOKIE), token)) {
        return refuse(
          c,
          403,
          'Expired form',
          'This form has expired or did not come from this site: reload the page and try again.',
        );
      }
      const byAddress = options.limits.perAddress.take(address(c));
      if (!byAddress.allowed) {
        c.header('Retry-After', String(byAddress.retryAfterSeconds));
        return refuse(
          c,
          429,
          'Too many attempts',
          `Too many attempts from your address: wait ${byAddress.retryAfterSeconds} s.`,
        );
      }
      const action = fields.action;
      const page = (input: Partial<FormPageInput>, status: 200 | 400 | 403 | 404 | 409 | 429 | 503 = 200) =>
        c.html(formPage({ csrf: csrf(c), values: echoFields(fields), ...input }), status);
      const parsed = parseForm(fields);
      if (!parsed.ok) return page({ errors: parsed.errors }, 400);
      const { request } = parsed;
      const pair = pairKey(options.key, request.pair);
      const byPair = options.limits.perPair.take(pair);
      if (!byPair.allowed) {
        c.header('Retry-After', String(byPair.retryAfterSeconds));
        const text = `Too many attempts for these two mailboxes: wait ${byPair.retryAfterSeconds} s.`;
        return page({ notices: [{ kind: 'error', text }] }, 429);
      }
      const hash = credentialHash(options.key, request.pair);
      const running = hub.runningForPair(pair);

      if (action === 'test') {
        const logins = await loginResults(options.checkLogins, request, options.ca, options.caFile);
        return page({ logins });
      }
      if (action === 'abort') {
        if (!running)
          return page({ notices: [{ kind: 'error', text: 'No sync of these two mailboxes is running.' }] }, 404);
        if (!sameHash(credentialHashOf(running), hash)) {
          const text = 'Abort refused: the accounts or passwords differ from those of the running sync. It goes on.';
          return page({ notices: [{ kind: 'error', text }] }, 403);
        }
        const name = running.metadata.name ?? '';
        await options.store.abort(name);
        log.info({ sync: name }, 'self-service sync aborted');
        return c.redirect(`/X/sync/${name}?aborted=1`, 303);
      }
      if (action !== 'sync') return page({ notices: [{ kind: 'error', text: 'Unknown action.' }] }, 400);

      if (running) {
        const name = running.metadata.name ?? '';
        if (sameHash(credentialHashOf(running), hash)) return c.redirect(`/X/sync/${name}?attached=1`, 303);
        const text =
          'A sync of these two mailboxes is already running. Give the same accounts and passwords to follow it or abort it.';
        return page({ notices: [{ kind: 'error', text }] }, 409);
      }
      if (hub.running().length >= options.maxRunning) {
        const text = 'The service is busy: too many syncs are running. Please try again in a few minutes.';
        return page({ notices: [{ kind: 'error', text }] }, 503);
      }
      const name = `x-${randomBytes(8).toString('hex')}`;
      const objects = syncObjects({
        namespace: options.namespace,
        name,
        request,
        pairKey: pair,
        credentialHash: hash,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.secretLabels ? { secretLabels: options.secretLabels } : {}),
        ...(options.maxMessagesPerSecond !== undefined ? { maxMessagesPerSecond: options.maxMessagesPerSecond } : {}),
      });
      try {
        await options.store.start(objects.secret, objects.mailSync);
      } catch (error) {
        const reason = (error as { reason?: string }).reason ?? 'Error';
        log.error({ sync: name, reason, status: (error as { status?: number }).status }, 'could not start a sync');
        return page(
          { notices: [{ kind: 'error', text: `The sync could not be started (${reason}). Please try again.` }] },
          503,
        );
      }
      log.info({ sync: name, dryRun: request.options.dryRun }, 'self-service sync started');
      return c.redirect(`/X/sync/${name}`, 303);
    },
  );

  app.get('/X/sync/:name', (c) => {
    const name = c.req.param('name');
    const view = hub.view(name);
    if (!view)
      return refuse(c, 404, 'Unknown sync', 'No such sync (it may have ended long ago): start it again from the form.');
    const ms = hub.source.list().find((m) => m.metadata.name === name);
    const notice: Notice | undefined =
      c.req.query('attached') !== undefined
        ? { kind: 'info', text: 'A sync of these two mailboxes was already running: this is its live log.' }
        : c.req.query('aborted') !== undefined
          ? { kind: 'ok', text: 'Abort requested: the sync stops cleanly in a few seconds.' }
          : undefined;
    return c.html(syncPage(view, { csrf: csrf(c), values: ms ? formValuesOf(ms) : {} }, notice));
  });

  app.get('/X/sync/:name/events', (c) => {
    const name = c.req.param('name');
    const first = hub.view(name);
    if (!first) return c.text('no such sync', 404);
    if (streams >= (options.maxStreams ?? 2000)) return c.text('too many live views', 503);
    streams++;
    return streamSSE(c, async (stream) => {
      let closed = false;
      let wake: (() => void) | undefined;
      // Writes in order, and the last one (the final view) is out before the stream closes.
      let writes: Promise<void> = Promise.resolve();
      const send = (view: typeof first) => {
        writes = writes.then(() => stream.writeSSE({ event: 'view', data: JSON.stringify(view) })).catch(() => {});
        if (view.finished) {
          closed = true;
          wake?.();
        }
      };
      const unsubscribe = hub.subscribe(name, send);
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        send(first);
        while (!closed) {
          // A comment line now and then keeps proxies from closing an idle stream.
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 25_000).unref();
          });
          if (!closed) await stream.write(': keep-alive\n\n');
        }
        await writes;
      } finally {
        unsubscribe();
        streams--;
      }
    });
  });

  return app;
}

/** The form values of a running sync (for its page's Abort! form): accounts and options, no password. */
export function formValuesOf(ms: MailSync): Record<string, string> {
  const values: Record<string, string> = {};
  for (const side of ['source', 'destination'] as FormSide[]) {
    const p = SIDE_PREFIX[side];
    const e = ms.spec[side];
    values[`${p}_host`] = e.host;
    values[`${p}_user`] = e.user;
    if (e.port !== undefined) values[`${p}_port`] = String(e.port);
    values[`${p}_tls`] = e.tls ?? 'auto';
    if (e.insecureSkipVerify) values[`${p}_insecure`] = 'on';
  }
  values.exclude = (ms.spec.folders?.exclude ?? []).join('\n');
  if (ms.spec.mode === 'dryRun') values.dryrun = 'on';
  return values;
}
