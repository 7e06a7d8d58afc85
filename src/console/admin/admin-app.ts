/**
 * The admin view put together for `mailsync console --admin`: the API
 * reviews (TokenReview, SubjectAccessReview) and the store on the console's
 * client, the sign-in sessions, and the routes.
 */
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { Informer, type KubeObject } from '../../kube/informers.js';
import type { KubeClient } from '../../kube/kube-client.js';
import { KeyedRateLimit } from '../rate-limit.js';
import { AccessGate } from './access-gate.js';
import type { AdminChanges } from './admin-changes.js';
import { adminRoutes } from './admin-routes.js';
import { ADMIN_KINDS, adminPaths, KubeAdminStore } from './admin-store.js';
import { Authenticator } from './authenticate.js';
import { kubeAccessReviewer, kubeTokenReviewer } from './kube-reviews.js';
import { TokenSessions } from './token-sessions.js';
import type { TrustedProxies } from './trusted-proxies.js';

export interface AdminAppOptions {
  client: KubeClient;
  namespaces: readonly string[];
  key: Buffer;
  trustedProxies: TrustedProxies;
  maxRunningPerHost: number;
  secureCookies: boolean;
  log: Logger;
  /** Live updates of the list page (adminChangeSources feeds it). */
  changes?: AdminChanges;
}

export function adminApp(options: AdminAppOptions): Hono {
  return adminRoutes({
    namespaces: options.namespaces,
    key: options.key,
    authenticator: new Authenticator(kubeTokenReviewer(options.client), options.trustedProxies, {
      // A script with one token is reviewed at most every 10 s (the cache); made-up tokens are not cached for long.
      bearerReviewLimit: new KeyedRateLimit({ burst: 30, perMinute: 30 }),
    }),
    sessions: new TokenSessions(),
    gate: new AccessGate(kubeAccessReviewer(options.client)),
    store: new KubeAdminStore(options.client),
    maxRunningPerHost: options.maxRunningPerHost,
    loginLimit: new KeyedRateLimit({ burst: 10, perMinute: 10 }),
    secureCookies: options.secureCookies,
    log: options.log,
    ...(options.changes ? { changes: options.changes } : {}),
  });
}

/**
 * One informer per kind and admin namespace, for the change signal only: each object is cut down to
 * its name and resourceVersion, so thousands of migration children cost little memory.
 */
export function adminChangeSources(
  client: KubeClient,
  namespaces: readonly string[],
  log: Logger,
): Informer<KubeObject>[] {
  const bare = (o: KubeObject): KubeObject => ({
    metadata: {
      name: o.metadata?.name,
      namespace: o.metadata?.namespace,
      resourceVersion: o.metadata?.resourceVersion,
      uid: o.metadata?.uid,
    },
  });
  return namespaces.flatMap((ns) =>
    ADMIN_KINDS.map(
      (kind) =>
        new Informer<KubeObject>(client, {
          name: `admin-${kind}/${ns}`,
          path: adminPaths.collection(kind, ns),
          transform: bare,
          log,
        }),
    ),
  );
}
