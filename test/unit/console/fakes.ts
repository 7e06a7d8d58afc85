/** In-memory stand-ins for the console's API side: the MailSync source (the informer) and the store. */
import type { V1Secret } from '@kubernetes/client-node';
import type { Hono } from 'hono';
import pino from 'pino';
import type { MailSync } from '../../../src/api/mailsync.js';
import { consoleApp } from '../../../src/console/app.js';
import { LiveHub, type MailSyncSource } from '../../../src/console/live-hub.js';
import type { LoginChecker } from '../../../src/console/login-results.js';
import { KeyedRateLimit } from '../../../src/console/rate-limit.js';
import type { SyncStore } from '../../../src/console/sync-store.js';
import type { ChangeHandler } from '../../../src/kube/informers.js';

export class FakeSource implements MailSyncSource {
  readonly objects = new Map<string, MailSync>();
  readonly handlers: ChangeHandler<MailSync>[] = [];
  onChange(handler: ChangeHandler<MailSync>): void {
    this.handlers.push(handler);
  }
  list(): MailSync[] {
    return [...this.objects.values()];
  }
  put(ms: MailSync): void {
    const name = ms.metadata.name ?? '';
    const type = this.objects.has(name) ? 'update' : 'add';
    this.objects.set(name, ms);
    for (const h of this.handlers) h(ms, type);
  }
  remove(name: string): void {
    const ms = this.objects.get(name);
    if (!ms) return;
    this.objects.delete(name);
    for (const h of this.handlers) h(ms, 'delete');
  }
}

export class FakeStore implements SyncStore {
  readonly secrets: V1Secret[] = [];
  readonly aborted: string[] = [];
  readonly forgotten: string[] = [];
  constructor(readonly source: FakeSource) {}
  async start(secret: V1Secret, mailSync: MailSync): Promise<void> {
    this.secrets.push(secret);
    this.source.put({ ...mailSync, status: { phase: 'Running' } });
  }
  async abort(name: string): Promise<void> {
    this.aborted.push(name);
    this.source.remove(name);
  }
  async forgetPasswords(name: string): Promise<void> {
    this.forgotten.push(name);
  }
}

export function fakeConsole(
  options: {
    maxRunning?: number;
    perAddress?: number;
    perPair?: number;
    checker?: LoginChecker;
    admin?: Hono;
    maxMessagesPerSecond?: number;
    /** The client script served as /X/static/console.js (default: a stub). */
    script?: () => Promise<string>;
  } = {},
) {
  const source = new FakeSource();
  const store = new FakeStore(source);
  const hub = new LiveHub(source);
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) });
  const app = consoleApp({
    namespace: 'web',
    key: Buffer.alloc(32, 9),
    hub,
    store,
    checkLogins:
      options.checker ??
      (async (endpoint, side) => ({
        side,
        host: endpoint.host,
        port: 993,
        security: 'implicit',
        certificateVerified: true,
      })),
    limits: {
      perAddress: new KeyedRateLimit({ burst: options.perAddress ?? 100, perMinute: options.perAddress ?? 100 }),
      perPair: new KeyedRateLimit({ burst: options.perPair ?? 100, perMinute: options.perPair ?? 100 }),
    },
    maxRunning: options.maxRunning ?? 10,
    secureCookies: false,
    ...(options.admin ? { admin: options.admin } : {}),
    ...(options.maxMessagesPerSecond !== undefined ? { maxMessagesPerSecond: options.maxMessagesPerSecond } : {}),
    script: options.script ?? (async () => 'console.log("live")'),
    log,
  });
  return { app, source, store, hub, logLines };
}

/** A valid form (source without port, destination on a given port with implicit TLS). */
export const goodFields = {
  s_host: 'imap.old.example',
  s_user: 'joe',
  s_password: ' old pass ',
  d_host: '127.0.0.1',
  d_port: '10993',
  d_tls: 'implicit',
  d_user: 'joe@new.example',
  d_password: 'new-pass',
  exclude: '^Junk\r\n\r\n^Trash$',
  dryrun: 'on',
};
