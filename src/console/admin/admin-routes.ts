/**
 * The admin view's routes (mounted at /admin):
 *   GET  /admin                         migrations, syncs and per-host load (filters in the query)
 *   POST /admin/login, /admin/logout    the sign-in form (a Kubernetes token) and sign-out
 *   POST /admin/action                  abort (delete), suspend, resume, run-now of one object
 *   POST /admin/upload                  an account file that becomes a MailMigration
 *   GET  /admin/report/:ns/:name.csv    the per-account report (`mailsync report`'s code)
 *   GET  /admin/events                  server-sent "changed" signals (admin-changes.ts): the page reloads
 * Every request is authenticated (authenticate.ts) and every list and action authorised with a
 * SubjectAccessReview for the user (access-gate.ts) before the console's ServiceAccount does it.
 * Every POST carries the CSRF token of the admin cookie.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import { type MailSync, PLURAL } from '../../api/mailsync.js';
import { LABEL_MIGRATION, MIGRATION_PLURAL } from '../../api/migration.js';
import type { MailMigration } from '../../api/migration-object.js';
import { formatReport, reportRows } from '../../api/migration-report.js';
import { CSRF_FIELD, csrfToken, csrfValid, isSessionId, newSessionId } from '../csrf.js';
import type { Notice } from '../pages.js';
import type { KeyedRateLimit } from '../rate-limit.js';
import type { AccessGate } from './access-gate.js';
import type { AdminChanges } from './admin-changes.js';
import { migrationMatches, parseFilters, syncMatches } from './admin-filters.js';
import { adminMessagePage, adminPage, forbiddenPage, loginPage, UPLOAD_LIMIT_BYTES } from './admin-pages.js';
import { ADMIN_KINDS, type AdminKind, type AdminStore } from './admin-store.js';
import type { Authenticator } from './authenticate.js';
import { hostLoads } from './host-load.js';
import type { Access, Identity } from './identity.js';
import { ADMIN_SESSION_COOKIE, type TokenSessions } from './token-sessions.js';
import { readUpload } from './upload.js';

export const ADMIN_CSRF_COOKIE = 'mailsync_admin_csrf';
const GROUP = 'mailsync.io';
const ACTIONS = ['abort', 'suspend', 'resume', 'run-now'] as const;
type Action = (typeof ACTIONS)[number];
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface AdminRoutesOptions {
  /** Namespaces the admin view covers (the console's ServiceAccount may act there). */
  namespaces: readonly string[];
  key: Buffer;
  authenticator: Authenticator;
  sessions: TokenSessions;
  gate: AccessGate;
  store: AdminStore;
  /** The controller's --max-running-per-host (0: none), shown against the running counts. */
  maxRunningPerHost: number;
  secureCookies: boolean;
  log: Logger;
  /** Sign-in attempts per peer address (each one is a TokenReview on the API server). */
  loginLimit?: KeyedRateLimit;
  /** Live updates of the page (GET /admin/events); without them the page is refreshed by hand. */
  changes?: AdminChanges;
  /** Cap on open live admin pages. */
  maxStreams?: number;
  /** The TCP peer (tests give one; default: the socket's). */
  peerAddress?: (c: Context) => string | undefined;
  now?: () => Date;
}

const access = (verb: Access['verb'], resource: string, namespace: string, name?: string, group = GROUP): Access => ({
  verb,
  group,
  resource,
  namespace,
  ...(name ? { name } : {}),
});

/** The SubjectAccessReview an action needs. */
export function actionAccess(action: Action, kind: AdminKind, namespace: string, name: string): Access {
  return access(action === 'abort' ? 'delete' : 'patch', kind, namespace, name);
}

export function adminRoutes(options: AdminRoutesOptions): Hono {
  const app = new Hono();
  const { gate, store, log } = options;
  let streams = 0;

  const peer = (c: Context): string | undefined => {
    if (options.peerAddress) return options.peerAddress(c);
    try {
      return getConnInfo(c).remote.address;
    } catch {
      return undefined;
    }
  };
  const csrfSession = (c: Context): string => {
    const existing = getCookie(c, ADMIN_CSRF_COOKIE);
    if (isSessionId(existing)) return existing;
    const id = newSessionId();
    setCookie(c, ADMIN_CSRF_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: options.secureCookies,
      path: '/admin',
    });
    return id;
  };
  const csrf = (c: Context) => csrfToken(options.key, csrfSession(c));
  const csrfOk = (c: Context, fields: Record<string, unknown>) =>
    csrfValid(
      options.key,
      getCookie(c, ADMIN_CSRF_COOKIE),
      typeof fields[CSRF_FIELD] === 'string' ? (fields[CSRF_FIELD] as string) : undefined,
    );
  const expired = (c: Context) =>
    c.html(
      adminMessagePage('Expired form', {
        kind: 'error',
        text: 'This form has expired or did not come from this site: reload the page and try again.',
      }),
      403,
    );

  /** The user, or the response to send instead (the sign-in page, or 503 when the review failed). */
  const who = async (c: Context): Promise<Identity | Response> => {
    const result = await options.authenticator.authenticate({
      authorization: c.req.header('authorization'),
      sessionToken: options.sessions.token(getCookie(c, ADMIN_SESSION_COOKIE)),
      forwardedUser: c.req.header('x-forwarded-user'),
      forwardedGroups: c.req.header('x-forwarded-groups'),
      peerAddress: peer(c),
    });
    if (result.ok) return result.identity;
    if (result.problem === 'limited') {
      c.header('Retry-After', String(result.retryAfterSeconds));
      return c.html(adminMessagePage('Too many requests', { kind: 'error', text: result.message }), 429);
    }
    if (result.problem === 'unavailable')
      return c.html(adminMessagePage('Unavailable', { kind: 'error', text: result.message }), 503);
    const notice: Notice | undefined =
      result.problem === 'invalid' ? { kind: 'error', text: result.message } : undefined;
    return c.html(loginPage(csrf(c), notice), 401);
  };
  const forbidden = (c: Context, identity: Identity, message: string) => {
    log.info({ user: identity.username, via: identity.via, path: c.req.path }, 'admin request refused by RBAC');
    return c.html(forbiddenPage(message, { identity, csrf: csrf(c) }), 403);
  };
  const failed = (c: Context, identity: Identity, error: unknown, what: string) => {
    const reason = (error as { reason?: string }).reason ?? 'Error';
    const status = (error as { status?: number }).status;
    log.warn({ user: identity.username, reason, status }, `admin: ${what} failed`);
    const text = `${what} failed (${reason}${status ? `, HTTP ${status}` : ''}): ${(error as Error).message.split('\n')[0]}`;
    return c.html(
      adminMessagePage('Failed', { kind: 'error', text }, { identity, csrf: csrf(c) }),
      status === 409 ? 409 : 502,
    );
  };

  app.get('/', async (c) => {
    const identity = await who(c);
    if (identity instanceof Response) return identity;
    const filters = parseFilters(c.req.query());
    const namespaces = filters.namespace
      ? options.namespaces.filter((n) => n === filters.namespace)
      : options.namespaces;
    // Before the lists: a change after this point makes the page's live stream signal at once.
    const version = options.changes?.version;
    const notices: Notice[] = [];
    const done = c.req.query('done');
    if (done) notices.push({ kind: 'ok', text: done.slice(0, 300) });
    const allMigrations: MailMigration[] = [];
    const allSyncs: MailSync[] = [];
    const uploadNamespaces: string[] = [];
    const refusals: string[] = [];
    for (const ns of namespaces) {
      const [mm, ms] = await Promise.all([
        gate.check(identity, access('list', MIGRATION_PLURAL, ns)),
        gate.check(identity, access('list', PLURAL, ns)),
      ]);
      if (!mm.allowed || !ms.allowed) {
        const refusal = (!mm.allowed ? mm.message : undefined) ?? (!ms.allowed ? ms.message : '');
        refusals.push(refusal);
        if (namespaces.length > 1) notices.push({ kind: 'info', text: refusal });
        continue;
      }
      try {
        const [migrations, syncs] = await Promise.all([store.migrations(ns), store.syncs(ns)]);
        allMigrations.push(...migrations);
        allSyncs.push(...syncs);
      } catch (error) {
        return failed(c, identity, error, `Listing namespace ${ns}`);
      }
      const upload = await gate.checkAll(identity, [
        access('create', MIGRATION_PLURAL, ns),
        access('create', 'secrets', ns, undefined, ''),
      ]);
      if (upload.allowed) uploadNamespaces.push(ns);
    }
    if (refusals.length > 0 && refusals.length === namespaces.length) {
      return forbidden(c, identity, refusals.join('\n'));
    }
    const syncs = allSyncs.filter((s) => syncMatches(s, filters));
    const migrations = allMigrations.filter((m) =>
      migrationMatches(
        m,
        filters,
        allSyncs.filter(
          (s) =>
            s.metadata.namespace === m.metadata.namespace && s.metadata.labels?.[LABEL_MIGRATION] === m.metadata.name,
        ),
      ),
    );
    return c.html(
      adminPage({
        identity,
        csrf: csrf(c),
        namespaces: options.namespaces,
        filters,
        migrations,
        syncs,
        loads: hostLoads(allSyncs, allMigrations, options.maxRunningPerHost),
        notices,
        uploadNamespaces,
        ...(version !== undefined ? { liveVersion: version } : {}),
      }),
    );
  });

  app.get('/events', async (c) => {
    const changes = options.changes;
    if (!changes) return c.text('no live updates', 404);
    const identity = await who(c);
    if (identity instanceof Response) return c.text('sign in first', identity.status === 503 ? 503 : 401);
    // The signal says only "something changed"; still, only for users who may list in some namespace.
    let allowed = false;
    for (const ns of options.namespaces) {
      if ((await gate.checkAll(identity, [access('list', MIGRATION_PLURAL, ns), access('list', PLURAL, ns)])).allowed) {
        allowed = true;
        break;
      }
    }
    if (!allowed) return c.text('forbidden', 403);
    if (streams >= (options.maxStreams ?? 200)) return c.text('too many live pages', 503);
    streams++;
    return streamSSE(c, async (stream) => {
      let closed = false;
      let wake: (() => void) | undefined;
      let pending = false;
      const unsubscribe = changes.subscribe(
        () => {
          pending = true;
          wake?.();
        },
        c.req.query('since')?.slice(0, 64),
      );
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        while (!closed) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            // A comment line now and then keeps proxies from closing an idle stream.
            setTimeout(resolve, 25_000).unref();
          });
          if (closed) break;
          if (pending) {
            pending = false;
            await stream.writeSSE({ event: 'changed', data: '{}' });
          } else await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        streams--;
      }
    });
  });

  app.post('/login', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('too large', 413) }), async (c) => {
    const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!csrfOk(c, fields)) return expired(c);
    const limited = options.loginLimit?.take(peer(c) ?? 'unknown');
    if (limited && !limited.allowed) {
      c.header('Retry-After', String(limited.retryAfterSeconds));
      const text = `Too many sign-in attempts from your address: wait ${limited.retryAfterSeconds} s.`;
      return c.html(loginPage(csrf(c), { kind: 'error', text }), 429);
    }
    const token = typeof fields.token === 'string' ? fields.token.trim() : '';
    const result = token ? await options.authenticator.verifyToken(token) : undefined;
    if (!result?.ok) {
      const text = result?.message ?? 'Give a token.';
      return c.html(loginPage(csrf(c), { kind: 'error', text }), result?.problem === 'unavailable' ? 503 : 401);
    }
    const id = options.sessions.open(token);
    setCookie(c, ADMIN_SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: options.secureCookies,
      path: '/admin',
    });
    log.info({ user: result.identity.username }, 'admin signed in');
    return c.redirect('/admin', 303);
  });

  app.post('/logout', bodyLimit({ maxSize: 4096, onError: (c) => c.text('too large', 413) }), async (c) => {
    const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!csrfOk(c, fields)) return expired(c);
    options.sessions.close(getCookie(c, ADMIN_SESSION_COOKIE));
    deleteCookie(c, ADMIN_SESSION_COOKIE, { path: '/admin' });
    return c.redirect('/admin', 303);
  });

  app.post('/action', bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.text('too large', 413) }), async (c) => {
    const identity = await who(c);
    if (identity instanceof Response) return identity;
    const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!csrfOk(c, fields)) return expired(c);
    const kind = fields.kind as AdminKind;
    const action = fields.action as Action;
    const namespace = typeof fields.namespace === 'string' ? fields.namespace : '';
    const name = typeof fields.name === 'string' ? fields.name : '';
    if (!ADMIN_KINDS.includes(kind) || !ACTIONS.includes(action) || !options.namespaces.includes(namespace) || !name) {
      return c.html(
        adminMessagePage(
          'Bad request',
          { kind: 'error', text: 'Unknown object or action.' },
          { identity, csrf: csrf(c) },
        ),
        400,
      );
    }
    const decision = await gate.check(identity, actionAccess(action, kind, namespace, name));
    if (!decision.allowed) return forbidden(c, identity, decision.message);
    try {
      if (action === 'abort') await store.remove(kind, namespace, name);
      else if (action === 'run-now') await store.runNow(kind, namespace, name, (options.now ?? (() => new Date()))());
      else await store.setSuspend(kind, namespace, name, action === 'suspend');
    } catch (error) {
      return failed(c, identity, error, `${action} ${namespace}/${name}`);
    }
    log.info({ user: identity.username, via: identity.via, action, kind, namespace, name }, 'admin action');
    const done = `${action} ${kind === 'mailsyncs' ? 'MailSync' : 'MailMigration'} ${namespace}/${name}: done.`;
    return c.redirect(`/admin?done=${encodeURIComponent(done)}`, 303);
  });

  app.post(
    '/upload',
    bodyLimit({
      maxSize: UPLOAD_LIMIT_BYTES + 32 * 1024,
      onError: (c) =>
        c.html(
          adminMessagePage('Too large', {
            kind: 'error',
            text: `The upload is larger than ${UPLOAD_LIMIT_BYTES / 1024} KiB.`,
          }),
          413,
        ),
    }),
    async (c) => {
      const identity = await who(c);
      if (identity instanceof Response) return identity;
      const fields = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      if (!csrfOk(c, fields)) return expired(c);
      const namespace = typeof fields.namespace === 'string' ? fields.namespace : '';
      if (!options.namespaces.includes(namespace)) {
        const text = 'Choose one of the namespaces of the list.';
        return c.html(adminMessagePage('Not imported', { kind: 'error', text }, { identity, csrf: csrf(c) }), 400);
      }
      const decision = await gate.checkAll(identity, [
        access('create', MIGRATION_PLURAL, namespace),
        access('create', 'secrets', namespace, undefined, ''),
      ]);
      if (!decision.allowed) return forbidden(c, identity, decision.message);
      const upload = await readUpload(fields, options.namespaces, UPLOAD_LIMIT_BYTES);
      if (!upload.ok) {
        const text = [upload.message, ...upload.lines].join('\n');
        return c.html(adminMessagePage('Not imported', { kind: 'error', text }, { identity, csrf: csrf(c) }), 400);
      }
      const name = upload.migration.metadata.name ?? '';
      try {
        await store.createImport(namespace, upload.secret, upload.migration);
      } catch (error) {
        return failed(c, identity, error, `Creating MailMigration ${namespace}/${name}`);
      }
      log.info(
        { user: identity.username, namespace, migration: name, accounts: upload.accounts },
        'admin upload: migration created',
      );
      const done = `MailMigration ${namespace}/${name} created with ${upload.accounts} account(s).`;
      return c.redirect(`/admin?done=${encodeURIComponent(done)}`, 303);
    },
  );

  app.get('/report/:namespace/:file', async (c) => {
    const identity = await who(c);
    if (identity instanceof Response) return identity;
    const namespace = c.req.param('namespace');
    const match = /^(.+)\.csv$/.exec(c.req.param('file'));
    const name = match?.[1] ?? '';
    if (!options.namespaces.includes(namespace) || !DNS_NAME.test(name)) return c.text('no such report', 404);
    const decision = await gate.checkAll(identity, [
      access('get', MIGRATION_PLURAL, namespace, name),
      access('list', PLURAL, namespace),
    ]);
    if (!decision.allowed) return forbidden(c, identity, decision.message);
    try {
      const mm = await store.migration(namespace, name);
      if (!mm)
        return c.html(
          adminMessagePage(
            'Not found',
            { kind: 'error', text: `No MailMigration ${namespace}/${name}.` },
            { identity, csrf: csrf(c) },
          ),
          404,
        );
      const children = await store.syncs(namespace, name);
      const now = (options.now ?? (() => new Date()))();
      c.header('Content-Type', 'text/csv; charset=utf-8');
      c.header('Content-Disposition', `attachment; filename="${namespace}-${name}-report.csv"`);
      return c.body(formatReport(reportRows(mm, children, now), 'csv'));
    } catch (error) {
      return failed(c, identity, error, `The report of ${namespace}/${name}`);
    }
  });

  return app;
}
