/**
 * The admin view on the in-process fake API server (fake-api-server.ts) with its TokenReview and
 * SubjectAccessReview answers (fake-reviews.ts): the real KubeClient, store, authenticator and
 * gate, and a small cluster: MailMigration mail/acme (concurrency perSourceHost 2) with two child
 * MailSyncs (one Running, one Failed), and a standalone MailSync in team-b. Users: `admin-token`
 * (alice: everything in both namespaces), `viewer-token` (victor: get and list in mail only),
 * `nobody-token` (nina: nothing). Used by console-admin-routes.test.ts and the browser tests.
 */
import type { Hono } from 'hono';
import pino from 'pino';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailMigration } from '../../src/api/migration-object.js';
import { AccessGate } from '../../src/console/admin/access-gate.js';
import type { AdminChanges } from '../../src/console/admin/admin-changes.js';
import { adminRoutes } from '../../src/console/admin/admin-routes.js';
import { adminPaths, KubeAdminStore } from '../../src/console/admin/admin-store.js';
import { Authenticator } from '../../src/console/admin/authenticate.js';
import { kubeAccessReviewer, kubeTokenReviewer } from '../../src/console/admin/kube-reviews.js';
import { TokenSessions } from '../../src/console/admin/token-sessions.js';
import { parseTrustedProxies } from '../../src/console/admin/trusted-proxies.js';
import { KeyedRateLimit } from '../../src/console/rate-limit.js';
import { migration, sync } from '../unit/console/admin-objects.js';
import { FakeApiServer } from './fake-api-server.js';
import { FakeReviews } from './fake-reviews.js';

export const NAMESPACES = ['mail', 'team-b'];

export async function adminFixture(
  options: { trusted?: string; peer?: string; loginBurst?: number; bearerBurst?: number; changes?: AdminChanges } = {},
) {
  const api = await new FakeApiServer().start();
  const reviews = new FakeReviews(api);
  reviews.tokens.set('admin-token', { username: 'alice', groups: ['ops'] });
  reviews.tokens.set('viewer-token', { username: 'victor' });
  reviews.tokens.set('nobody-token', { username: 'nina' });
  reviews.allow('alice', '* * mail', '* * team-b');
  reviews.allow('victor', 'list * mail', 'get * mail');
  for (const ns of NAMESPACES) {
    api.collections.add(adminPaths.collection('mailmigrations', ns));
    api.collections.add(adminPaths.collection('mailsyncs', ns));
    api.collections.add(adminPaths.secrets(ns));
  }
  const put = (kind: 'mailmigrations' | 'mailsyncs', o: MailMigration | MailSync) =>
    api.put(adminPaths.item(kind, o.metadata.namespace ?? '', o.metadata.name ?? ''), o as never);
  put(
    'mailmigrations',
    migration('acme', 'mail', {
      phase: 'Running',
      accounts: { total: 2, invalid: 0, succeeded: 0, failed: 1, running: 1, queued: 0, display: '0/2' },
      failureReasons: [{ reason: 'AuthenticationFailed', count: 1 }],
    }),
  );
  put(
    'mailsyncs',
    sync('acme-1', 'mail', 'Running', {
      migration: 'acme',
      user: 'joe',
      status: { progress: { messagesCopied: 30, messagesTotal: 60 } } as never,
    }),
  );
  put(
    'mailsyncs',
    sync('acme-2', 'mail', 'Failed', {
      migration: 'acme',
      user: 'ann',
      status: { lastError: { reason: 'AuthenticationFailed', message: 'LOGIN refused <b>bold</b>' } } as never,
    }),
  );
  put('mailsyncs', sync('solo', 'team-b', 'Running', { source: 'mx.other.example', user: 'bob' }));
  const client = await api.client({ retryBaseMs: 1 });
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  const admin: Hono = adminRoutes({
    namespaces: NAMESPACES,
    key: Buffer.alloc(32, 7),
    authenticator: new Authenticator(kubeTokenReviewer(client), parseTrustedProxies(options.trusted), {
      ...(options.bearerBurst
        ? { bearerReviewLimit: new KeyedRateLimit({ burst: options.bearerBurst, perMinute: 1 }) }
        : {}),
    }),
    sessions: new TokenSessions(),
    gate: new AccessGate(kubeAccessReviewer(client), { ttlMs: 0 }),
    store: new KubeAdminStore(client),
    maxRunningPerHost: 3,
    secureCookies: false,
    log,
    peerAddress: () => options.peer,
    ...(options.changes ? { changes: options.changes } : {}),
    ...(options.loginBurst ? { loginLimit: new KeyedRateLimit({ burst: options.loginBurst, perMinute: 1 }) } : {}),
    now: () => new Date('2026-12-03T10:00:00Z'),
  });
  return {
    api,
    reviews,
    admin,
    logLines,
    stop: async () => {
      client.close();
      await api.stop();
    },
  };
}
