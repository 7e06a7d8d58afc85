/**
 * The migration controller reads the account file, uses it and drops it: after a reconcile
 * that wrote the per-account Secrets, no password of the file is left in the process's heap.
 * Checked in a V8 heap snapshot (taken after a full garbage collection) of this very process.
 * The passwords exist in this test only as bytes (Buffers live outside the JS heap's strings),
 * so any string holding one was made by the code under test.
 */
import { randomBytes } from 'node:crypto';
import { getHeapSnapshot } from 'node:v8';
import type { V1Secret } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailMigration } from '../../../src/api/migration-object.js';
import { AccountFiles } from '../../../src/controller/migration/read-accounts.js';
import { type MigrationContext, reconcileMigration } from '../../../src/controller/migration/reconcile.js';
import { extraOptionsToSpec } from '../../../src/imapsync/extra-options.js';
import { EventRecorder } from '../../../src/kube/event-recorder.js';
import { FakeKube } from '../controller/fake-kube.js';

const NS = 'team';

/** Whether the heap snapshot of this process contains these bytes (streamed: a snapshot is large). */
async function heapContains(needle: Buffer): Promise<boolean> {
  const stream = getHeapSnapshot();
  let tail = Buffer.alloc(0);
  for await (const chunk of stream) {
    const window = Buffer.concat([tail, chunk as Buffer]);
    if (window.includes(needle)) {
      stream.destroy();
      return true;
    }
    tail = window.subarray(Math.max(0, window.length - needle.length + 1));
  }
  return false;
}

/** A world with one migration whose account file holds these passwords; the file is only base64 here. */
function world(passwords: Buffer[]): { kube: FakeKube; ctx: MigrationContext } {
  const line = (i: number) =>
    Buffer.concat([
      Buffer.from(`;user${i};`),
      passwords[2 * i]!,
      Buffer.from(`;;user${i}@new;`),
      passwords[2 * i + 1]!,
      Buffer.from('\n'),
    ]);
  const file = Buffer.concat([line(0), line(1)]).toString('base64');
  const kube = new FakeKube([
    {
      apiVersion: 'mailsync.io/v1alpha1',
      kind: 'MailMigration',
      metadata: { name: 'acme', namespace: NS, uid: 'uid-acme' },
      spec: {
        template: { source: { host: 'imap.old' }, destination: { host: 'imap.new' } },
        accountsFrom: { secretRef: { name: 'accounts', key: 'file.txt' } },
      },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'accounts', namespace: NS }, data: { 'file.txt': file } },
  ] as never);
  const log = pino({ level: 'silent' });
  const labelled = <T extends { metadata?: { labels?: Record<string, string> } }>(items: T[]) =>
    items.filter((o) => o.metadata?.labels?.['mailsync.io/migration'] === 'acme');
  const ctx: MigrationContext = {
    client: kube,
    log,
    events: new EventRecorder(kube, log, 'mailsync-controller'),
    accountFiles: new AccountFiles(kube),
    optionsToSpec: extraOptionsToSpec,
    migration: (ns, name) => kube.object<MailMigration>('mailmigrations', ns, name),
    childrenOf: () => labelled(kube.list<MailSync>('mailsyncs')),
    secretsOf: () => labelled(kube.list<V1Secret>('secrets')),
    written: new Map(),
    auto: new Map(),
    now: () => new Date('2026-12-02T10:00:00Z'),
    writeConcurrency: 4,
  };
  return { kube, ctx };
}

describe('the account file in the migration controller', () => {
  it('is read, used and dropped: no password of it stays in memory after a reconcile', async () => {
    const passwords = Array.from({ length: 4 }, () => Buffer.from(randomBytes(18).toString('hex')));
    const { kube, ctx } = world(passwords);
    await reconcileMigration(ctx, `${NS}/acme`);
    await reconcileMigration(ctx, `${NS}/acme`);
    // used: the per-account Secrets hold the passwords (base64, in the fake API server's store)
    const written = kube.list<V1Secret>('secrets').filter((s) => s.metadata?.name !== 'accounts');
    expect(written).toHaveLength(2);
    expect(Buffer.from(written[0]!.data!.source!, 'base64').equals(passwords[0]!)).toBe(true);
    // dropped: no string of the process holds one
    for (const password of passwords) expect(await heapContains(password)).toBe(false);
  }, 300_000);

  it('(the check sees a password that is kept)', async () => {
    const passwords = [Buffer.from(randomBytes(18).toString('hex'))];
    const kept = [passwords[0]!.toString('utf8')];
    expect(await heapContains(passwords[0]!)).toBe(true);
    expect(kept).toHaveLength(1);
  }, 300_000);
});
