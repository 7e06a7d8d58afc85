/**
 * `mailsync console`: the web console's process. One informer (one watch) on
 * the console-made MailSyncs of its namespace feeds every page; the HTTP
 * server is hono on node:http or node:https.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import type { MailSync } from '../api/mailsync.js';
import { Informer, withoutManagedFields } from '../kube/informers.js';
import { KubeClient } from '../kube/kube-client.js';
import { loadConnectionSource } from '../kube/kube-config.js';
import { checkLogin } from '../sync/login-check.js';
import { adminApp, adminChangeSources } from './admin/admin-app.js';
import { AdminChanges } from './admin/admin-changes.js';
import { consoleApp } from './app.js';
import { CONSOLE_USAGE, ConsoleConfigError, parseConsoleConfig } from './config.js';
import { startHousekeeping } from './housekeeping.js';
import { LiveHub } from './live-hub.js';
import { KeyedRateLimit } from './rate-limit.js';
import { CONSOLE_SELECTOR } from './sync-objects.js';
import { consolePaths, KubeSyncStore } from './sync-store.js';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function readKey(file: string | undefined): { key: Buffer; random: boolean } {
  if (!file) return { key: randomBytes(32), random: true };
  const key = readFileSync(file);
  if (key.length < 32) throw new ConsoleConfigError(`--hash-key-file ${file}: the key must have at least 32 bytes`);
  return { key, random: false };
}

function namespaceOf(flag: string | undefined): string {
  if (flag) return flag;
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    return 'default';
  }
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number | undefined> {
  let config: ReturnType<typeof parseConsoleConfig>;
  try {
    config = parseConsoleConfig(argv, process.env);
    if (config.help) {
      process.stdout.write(CONSOLE_USAGE);
      return 0;
    }
  } catch (error) {
    if (!(error instanceof ConsoleConfigError)) throw error;
    process.stderr.write(`mailsync console: error: ${error.message}\n`);
    return 2;
  }
  const log = pino({ level: config.logLevel, base: { component: 'console' } });
  const { key, random } = readKey(config.hashKeyFile);
  if (random)
    log.warn('no --hash-key-file: a random key; after a restart running syncs cannot be aborted from the page');
  const namespace = namespaceOf(config.namespace);
  const client = new KubeClient(await loadConnectionSource(process.env), {
    userAgent: 'mailsync-console',
    qps: 20,
    burst: 40,
  });

  const informer = new Informer<MailSync>(client, {
    name: 'console-mailsyncs',
    path: consolePaths.mailSyncs(namespace),
    labelSelector: CONSOLE_SELECTOR,
    transform: withoutManagedFields,
    log,
  });
  const hub = new LiveHub(informer);
  const store = new KubeSyncStore(client, namespace, log);
  const stopHousekeeping = startHousekeeping(informer, store, { keepFinishedMinutes: config.keepFinishedMinutes, log });
  await informer.start();

  let admin: ReturnType<typeof adminApp> | undefined;
  const adminSources: ReturnType<typeof adminChangeSources> = [];
  if (config.admin) {
    const namespaces = config.adminNamespaces.length > 0 ? config.adminNamespaces : [namespace];
    adminSources.push(...adminChangeSources(client, namespaces, log));
    // Not awaited: the admin view works without them (a page is then refreshed by hand).
    for (const informer of adminSources) void informer.start();
    admin = adminApp({
      client,
      namespaces,
      key,
      trustedProxies: config.authProxyTrusted,
      maxRunningPerHost: config.maxRunningPerHost,
      secureCookies: config.tls !== undefined,
      log,
      changes: new AdminChanges(adminSources),
    });
    log.info({ namespaces, authProxyTrusted: config.authProxyTrusted.ranges }, 'admin view on /admin');
  }
  const scriptUrl = new URL('./client/live.js', import.meta.url);
  let script: Promise<string> | undefined;
  const app = consoleApp({
    namespace,
    key,
    hub,
    store,
    checkLogins: (endpoint, side, env) => checkLogin(endpoint, side, { logger: log, env }),
    limits: {
      perAddress: new KeyedRateLimit({ burst: config.ratePerAddress, perMinute: config.ratePerAddress }),
      perPair: new KeyedRateLimit({ burst: config.ratePerPair, perMinute: config.ratePerPair }),
    },
    maxRunning: config.maxSyncs,
    ...(config.ca ? { ca: config.ca } : {}),
    ...(config.caFile ? { caFile: config.caFile } : {}),
    secretLabels: config.secretLabels,
    ...(config.maxMessagesPerSecond !== undefined ? { maxMessagesPerSecond: config.maxMessagesPerSecond } : {}),
    trustForwardedFor: config.trustForwardedFor,
    secureCookies: config.tls !== undefined,
    ...(admin ? { admin } : {}),
    script: () => {
      script ??= readFile(scriptUrl, 'utf8');
      return script;
    },
    log,
  });

  const tls = config.tls;
  const server = serve(
    {
      fetch: app.fetch,
      hostname: config.host,
      port: config.port,
      ...(tls
        ? {
            createServer: createHttpsServer,
            serverOptions: { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) },
          }
        : {}),
    },
    (info: AddressInfo) => {
      const scheme = tls ? 'https' : 'http';
      log.info({ namespace, url: `${scheme}://${info.address}:${info.port}/X` }, 'console listening');
    },
  );
  // Slow clients do not hold sockets forever (node:http and node:https servers alike).
  const http = server as HttpServer;
  http.headersTimeout = 20_000;
  http.requestTimeout = 60_000;

  const stop = () => {
    log.info('console stopping');
    stopHousekeeping();
    informer.stop();
    for (const source of adminSources) source.stop();
    server.close();
    // Live views never end on their own; give them a moment, then leave.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return undefined;
}
