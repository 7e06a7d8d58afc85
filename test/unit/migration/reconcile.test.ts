/**
 * The migration reconcile against the in-memory API (test/unit/controller/fake-kube.ts):
 * given these objects, these writes. Level-based: a second reconcile of an unchanged
 * world writes nothing.
 */
import type { V1Secret } from '@kubernetes/client-node';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailMigration } from '../../../src/api/migration-object.js';
import type { MailMigrationSpec } from '../../../src/api/migration-spec.js';
import { AccountFiles } from '../../../src/controller/migration/read-accounts.js';
import { type MigrationContext, reconcileMigration } from '../../../src/controller/migration/reconcile.js';
import { extraOptionsToSpec } from '../../../src/imapsync/extra-options.js';
import { EventRecorder } from '../../../src/kube/event-recorder.js';
import { FakeKube } from '../controller/fake-kube.js';

const NS = 'team';
const PASSWORDS = ['old-ann', 'new-ann', 'old-bob', 'new-bob'];
const FILE = ';ann;old-ann;;ann@new;new-ann\n;bob;old-bob;;bob@new;new-bob;--folder INBOX\n;cid;;;cid@new;\n';

const spec = (over: Partial<MailMigrationSpec> = {}): MailMigrationSpec => ({
  template: {
    source: { host: 'imap.old', authUser: 'admin', passwordSecretRef: { name: 'admin', key: 'old' } },
    destination: { host: 'imap.new', authUser: 'admin', passwordSecretRef: { name: 'admin', key: 'new' } },
  },
  accountsFrom: { secretRef: { name: 'accounts', key: 'file.txt' } },
  ...over,
});

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('reconcileMigration', () => {
  let kube: FakeKube;
  let ctx: MigrationContext;
  let now: Date;
  const log = pino({ level: 'silent' });

  const run = () => reconcileMigration(ctx, `${NS}/acme`);
  const children = () => kube.list<MailSync>('mailsyncs');
  const mm = () => kube.object<MailMigration>('mailmigrations', NS, 'acme')!;
  const finish = (phase: string, lastRequestedAt = 'presync-1') => {
    for (const child of children()) {
      kube.modify('mailsyncs', NS, child.metadata.name!, (obj) => {
        obj.status = {
          phase,
          runGeneration: 1,
          lastRequestedAt,
          summary: { messagesTransferred: 10, bytesTransferred: 1000, durationSeconds: 3 },
          ...(phase === 'Failed' ? { lastError: { reason: 'AuthenticationFailed', message: 'source: refused' } } : {}),
        };
      });
    }
  };
  const setFile = (text: string) =>
    kube.modify('secrets', NS, 'accounts', (obj) => {
      (obj as V1Secret).data = { 'file.txt': b64(text) };
    });

  beforeEach(() => {
    now = new Date('2026-12-02T10:00:00Z');
    kube = new FakeKube([
      {
        apiVersion: 'mailsync.io/v1alpha1',
        kind: 'MailMigration',
        metadata: { name: 'acme', namespace: NS },
        spec: spec(),
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'accounts', namespace: NS },
        data: { 'file.txt': b64(FILE) },
      } as never,
    ]);
    const labelled = <T extends { metadata?: { namespace?: string; labels?: Record<string, string> } }>(
      items: T[],
      name: string,
    ) => items.filter((o) => o.metadata?.namespace === NS && o.metadata?.labels?.['mailsync.io/migration'] === name);
    ctx = {
      client: kube,
      log,
      events: new EventRecorder(kube, log, 'mailsync-controller'),
      accountFiles: new AccountFiles(kube),
      optionsToSpec: extraOptionsToSpec,
      migration: (ns, name) => kube.object<MailMigration>('mailmigrations', ns, name),
      childrenOf: (_ns, name) => labelled(kube.list<MailSync>('mailsyncs'), name),
      secretsOf: (_ns, name) => labelled(kube.list<V1Secret>('secrets'), name),
      written: new Map(),
      auto: new Map(),
      now: () => now,
      writeConcurrency: 4,
    };
  });

  it('creates one child per account, a Secret for the file passwords, and starts the presync pass', async () => {
    expect(await run()).toEqual({ requeueAfter: 15_000 });
    const made = children();
    expect(made.map((c) => c.spec.source.user).sort()).toEqual(['ann', 'bob', 'cid']);
    const bob = made.find((c) => c.spec.source.user === 'bob')!;
    expect(bob.spec).toMatchObject({
      source: { host: 'imap.old', user: 'bob', passwordSecretRef: { name: bob.metadata.name, key: 'source' } },
      destination: {
        host: 'imap.new',
        user: 'bob@new',
        passwordSecretRef: { name: bob.metadata.name, key: 'destination' },
      },
      folders: { only: ['INBOX'] },
    });
    expect(bob.spec.source.authUser).toBeUndefined();
    const cid = made.find((c) => c.spec.source.user === 'cid')!;
    expect(cid.spec.source).toMatchObject({ authUser: 'admin', passwordSecretRef: { name: 'admin', key: 'old' } });
    const secrets = kube.list<V1Secret>('secrets').filter((s) => s.metadata?.name !== 'accounts');
    expect(secrets.map((s) => s.metadata?.name).sort()).toEqual(
      made
        .filter((c) => c.spec.source.user !== 'cid')
        .map((c) => c.metadata.name)
        .sort(),
    );
    expect(mm().status).toMatchObject({
      phase: 'Running',
      pass: { id: 'presync-1', kind: 'presync', accounts: { total: 3, queued: 3 } },
      accounts: { total: 3, invalid: 0, display: '0/3' },
    });
  });

  it('a namespace being deleted: no child created, no error to retry, no status write', async () => {
    const terminating = {
      name: NS,
      kind: 'namespaces',
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${NS} is being terminated` }],
    };
    kube.fail({ verb: 'create', resource: 'secrets' }, 403, 'Forbidden', 10, terminating);
    const before = kube.writes().length;
    expect(await run()).toEqual({});
    expect(children()).toEqual([]);
    expect(
      kube
        .writes()
        .slice(before)
        .filter((a) => a.subresource === 'status'),
    ).toEqual([]);
  });

  it('any other refusal of a create is an error (retried with backoff)', async () => {
    kube.fail({ verb: 'create', resource: 'secrets' }, 403, 'Forbidden', 10);
    await expect(run()).rejects.toThrow(/403 Forbidden/);
  });

  it('is idempotent: an unchanged world gets no write', async () => {
    await run();
    finish('Succeeded');
    await run();
    const before = kube.writes().length;
    await run();
    expect(kube.writes().slice(before)).toEqual([]);
  });

  it('ends the pass when every account finished, with the failure reasons and an Event', async () => {
    await run();
    finish('Failed');
    now = new Date('2026-12-02T10:10:00Z');
    expect(await run()).toEqual({});
    expect(mm().status).toMatchObject({
      phase: 'Waiting',
      pass: { id: 'presync-1', endTime: now.toISOString(), messages: 30, accounts: { failed: 3 } },
      failureReasons: [{ reason: 'AuthenticationFailed', count: 3 }],
    });
    const events = kube.list<{ reason: string; message: string }>('events');
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['PassStarted', 'PassEnded']));
  });

  it('finalPass: one more pass over every account (requested-at on each child), then Completed', async () => {
    await run();
    finish('Succeeded');
    await run();
    kube.modify('mailmigrations', NS, 'acme', (obj) => {
      (obj as unknown as MailMigration).spec.finalPass = true;
    });
    await run();
    expect(mm().status?.pass?.id).toBe('final-2');
    expect(children().map((c) => c.metadata.annotations?.['mailsync.io/requested-at'])).toEqual([
      'final-2',
      'final-2',
      'final-2',
    ]);
    // The children still show the presync runs: the final pass is not over.
    await run();
    expect(mm().status?.phase).toBe('Running');
    finish('Succeeded', 'final-2');
    await run();
    expect(mm().status?.phase).toBe('Completed');
    expect(mm().status?.conditions?.find((c) => c.type === 'Completed')).toMatchObject({ status: 'True' });
  });

  it('run now: a new requested-at on the migration starts a delta pass on every child, once', async () => {
    await run();
    finish('Succeeded');
    await run();
    expect(mm().status?.phase).toBe('Waiting');
    kube.modify('mailmigrations', NS, 'acme', (obj) => {
      (obj as unknown as MailMigration).metadata.annotations = { 'mailsync.io/requested-at': '2026-12-02T10:05:00Z' };
    });
    await run();
    expect(mm().status).toMatchObject({
      phase: 'Running',
      lastRequestedAt: '2026-12-02T10:05:00Z',
      pass: { id: 'delta-2', kind: 'delta' },
    });
    expect(children().map((c) => c.metadata.annotations?.['mailsync.io/requested-at'])).toEqual([
      'delta-2',
      'delta-2',
      'delta-2',
    ]);
    finish('Succeeded', 'delta-2');
    await run();
    expect(mm().status?.phase).toBe('Waiting');
    // The same value is answered already: nothing more.
    const before = kube.writes().length;
    await run();
    expect(kube.writes().slice(before)).toEqual([]);
    expect(mm().status?.passes?.map((p) => p.id)).toEqual(['presync-1', 'delta-2']);
  });

  it('run now with a request longer than status can hold (and a control character): one pass, not one per look', async () => {
    await run();
    finish('Succeeded');
    await run();
    const request = `\u001b[2J${'r'.repeat(5000)}`;
    kube.modify('mailmigrations', NS, 'acme', (obj) => {
      (obj as unknown as MailMigration).metadata.annotations = { 'mailsync.io/requested-at': request };
    });
    await run();
    const answered = mm().status?.lastRequestedAt ?? '';
    expect(answered).toHaveLength(256);
    expect(answered.startsWith('\\x1b[2Jrrr')).toBe(true);
    expect(mm().status?.pass?.id).toBe('delta-2');
    finish('Succeeded', 'delta-2');
    await run();
    await run();
    expect(mm().status?.phase).toBe('Waiting');
    expect(mm().status?.passes?.map((p) => p.id)).toEqual(['presync-1', 'delta-2']);
  });

  it('editing the file removes and adds children; a bad row deletes nothing and says where', async () => {
    await run();
    const bob = children().find((c) => c.spec.source.user === 'bob')!.metadata.name!;
    setFile(';ann;old-ann;;ann@new;new-ann\n;cid;;;cid@new;\nnot;a;row\n');
    await run();
    expect(children()).toHaveLength(3);
    expect(mm().status?.invalidAccounts).toEqual([{ line: 3, message: expect.stringContaining('found 3 field(s)') }]);
    expect(mm().status?.conditions?.find((c) => c.type === 'AccountsValid')).toMatchObject({
      status: 'False',
      reason: 'InvalidAccounts',
    });
    setFile(';ann;old-ann;;ann@new;new-ann\n;cid;;;cid@new;\n;dan;;;dan@new;\n');
    await run();
    // Children are made with the MailSync finalizer: bob's stays, being deleted, until the MailSync controller lets it go.
    const live = children().filter((c) => !c.metadata.deletionTimestamp);
    expect(live.map((c) => c.spec.source.user).sort()).toEqual(['ann', 'cid', 'dan']);
    expect(children().find((c) => c.metadata.name === bob)?.metadata.deletionTimestamp).toBeDefined();
    expect(kube.object('secrets', NS, bob)).toBeUndefined();
    expect(mm().status?.accounts).toMatchObject({ total: 3, invalid: 0 });
  });

  it('a changed password updates the per-account Secret only', async () => {
    await run();
    const ann = children().find((c) => c.spec.source.user === 'ann')!;
    const before = kube.writes().length;
    setFile(FILE.replace('old-ann', 'rotated-ann'));
    await run();
    const writes = kube.writes().slice(before);
    expect(writes.map((w) => [w.verb, w.resource, w.name])).toEqual([['patch', 'secrets', ann.metadata.name]]);
    expect((kube.object<V1Secret>('secrets', NS, ann.metadata.name!)?.data ?? {}).source).toBe(b64('rotated-ann'));
  });

  it('a missing Secret: a condition, no child touched, retried', async () => {
    kube.remove('secrets', NS, 'accounts');
    expect(await run()).toEqual({ requeueAfter: 30_000 });
    expect(children()).toEqual([]);
    expect(mm().status).toMatchObject({ phase: 'Pending' });
    expect(mm().status?.conditions?.find((c) => c.type === 'AccountsValid')).toMatchObject({
      status: 'False',
      reason: 'SecretNotFound',
      message: `Secret ${NS}/accounts not found`,
    });
  });

  it('suspend puts suspend: true on every child and starts no pass', async () => {
    await run();
    finish('Succeeded');
    kube.modify('mailmigrations', NS, 'acme', (obj) => {
      (obj as unknown as MailMigration).spec.suspend = true;
    });
    await run();
    expect(children().map((c) => c.spec.suspend)).toEqual([true, true, true]);
    expect(mm().status?.phase).toBe('Suspended');
  });

  it('never writes a password anywhere but the per-account Secrets', async () => {
    await run();
    finish('Failed');
    await run();
    const elsewhere = kube.writes().filter((w) => w.resource !== 'secrets');
    const text = JSON.stringify(elsewhere);
    for (const password of PASSWORDS) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(b64(password));
    }
  });

  describe('concurrency: auto', () => {
    const at = (seconds: number) => new Date(Date.parse('2026-12-02T10:00:00Z') + seconds * 1000);
    const setChild = (name: string, status: MailSync['status']) =>
      kube.modify('mailsyncs', NS, name, (obj) => {
        obj.status = status;
      });
    const hosts = () => mm().status?.concurrency?.hosts ?? [];
    const limitOf = (role: string) => hosts().find((h) => h.role === role)?.limit;
    const changes = () =>
      kube
        .list<{ reason: string; message: string }>('events')
        .filter((e) => e.reason === 'ConcurrencyChanged')
        .map((e) => e.message);

    beforeEach(() => {
      kube.modify('mailmigrations', NS, 'acme', (obj) => {
        (obj as MailMigration).spec.concurrency = { perSourceHost: 8, auto: { initial: 2, windowSeconds: 10 } };
      });
    });

    it('starts at initial per host, grows at full use, halves on a ServerBusy run of that side only', async () => {
      await run();
      await run();
      expect(hosts()).toEqual([
        { role: 'destination', host: 'imap.new', limit: 2, reason: 'initial 2' },
        { role: 'source', host: 'imap.old', limit: 2, reason: 'initial 2' },
      ]);
      expect(mm().status?.concurrency?.display).toBe('dst imap.new=2, src imap.old=2');
      const [a, b, c] = children().map((child) => child.metadata.name!) as [string, string, string];
      const running = (messages: number) => ({
        phase: 'Running' as const,
        lastRequestedAt: 'presync-1',
        startTime: at(0).toISOString(),
        progress: { messagesCopied: messages },
      });
      setChild(a, running(0));
      setChild(b, running(0));
      now = at(1);
      await run(); // the baseline of each run
      setChild(a, running(60));
      setChild(b, running(50));
      now = at(11);
      const result = await run();
      expect(limitOf('source')).toBe(3);
      expect(hosts().find((h) => h.role === 'source')).toMatchObject({
        throughput: 10,
        running: 2,
        throttled: 0,
        windowEnd: at(11).toISOString(),
        lastChange: at(11).toISOString(),
      });
      expect(changes()).toContain(
        'source host imap.old: 2 -> 3 running syncs (at the limit, 10 msg/s in the first window: one more)',
      );
      expect(result).toEqual({ requeueAfter: 10_000 });

      // Two runs end ServerBusy on the source (exit code 16): one halving, at once, for the source only.
      const busy = (name: string, startSeconds: number, endSeconds: number) =>
        setChild(name, {
          phase: 'Failed',
          lastRequestedAt: 'presync-1',
          startTime: at(startSeconds).toISOString(),
          completionTime: at(endSeconds).toISOString(),
          retries: 0,
          nextRetryAt: at(30).toISOString(),
          lastError: { reason: 'ServerBusy', message: 'source server imap.old:993 is busy' },
          summary: { exitCode: 16, reason: 'ServerBusy', messagesTransferred: 60 },
        });
      busy(a, 0, 12);
      busy(c, 11, 12);
      now = at(13);
      await run();
      expect(limitOf('source')).toBe(1);
      expect(limitOf('destination')).toBe(3);
      expect(hosts().find((h) => h.role === 'source')).toMatchObject({
        throttled: 2,
        reason: '2 throttling signals: halved from 3',
      });
      // Another run admitted before the back-off ends busy too: it says nothing about the new limit.
      setChild(b, { ...running(50), startTime: at(5).toISOString() });
      busy(b, 5, 14);
      now = at(15);
      await run();
      expect(limitOf('source')).toBe(1);
      // c's first retry ended ServerBusy too, and its second retry started before this look: the
      // failure is counted through the retry (condition Retrying; no exit code left: both sides).
      setChild(c, {
        phase: 'Running',
        lastRequestedAt: 'presync-1',
        retries: 2,
        startTime: at(16).toISOString(),
        progress: { messagesCopied: 0 },
        conditions: [
          {
            type: 'Retrying',
            status: 'True',
            reason: 'ServerBusy',
            message: 'retry 1',
            lastTransitionTime: at(15).toISOString(),
          },
        ],
      });
      now = at(17);
      await run();
      expect(hosts().find((h) => h.role === 'source')?.reason).toBe('1 throttling signal; already at min 1');
      expect(limitOf('destination')).toBe(1);
      now = at(19);
      await run(); // counted once
      expect(limitOf('destination')).toBe(1);
      expect(hosts().find((h) => h.role === 'destination')?.throttled).toBe(1);
    });

    it('keeps its limits across a controller restart (status), and drops status.concurrency when auto is removed', async () => {
      await run();
      await run();
      kube.modify('mailmigrations', NS, 'acme', (obj) => {
        (obj as MailMigration).status!.concurrency = {
          hosts: [{ role: 'source', host: 'imap.old', limit: 5, reason: 'before the restart' }],
          display: 'src imap.old=5',
        };
      });
      ctx.written.clear();
      ctx.auto.clear();
      await run();
      expect(limitOf('source')).toBe(5);
      kube.modify('mailmigrations', NS, 'acme', (obj) => {
        (obj as MailMigration).spec.concurrency = { perSourceHost: 8 };
      });
      await run();
      expect(mm().status?.concurrency).toBeUndefined();
      expect(ctx.auto.size).toBe(0);
    });
  });
});
