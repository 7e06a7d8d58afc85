/**
 * The MailMigration controller does not reconcile on its own status writes:
 * the status carries clock-derived values (rate, ETA), so each write would
 * bring one more reconcile and one more write, as fast as the API answers.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailMigration } from '../../../src/api/migration-object.js';
import { MigrationController } from '../../../src/controller/migration/migration-controller.js';
import { isReconcileTrigger, triggerFingerprint } from '../../../src/controller/migration/reconcile-trigger.js';
import { FakeKube } from '../controller/fake-kube.js';

const NS = 'team';
const migration = (): MailMigration =>
  ({
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailMigration',
    metadata: { name: 'acme', namespace: NS, uid: 'uid-acme', generation: 1, resourceVersion: '7' },
    spec: { template: {}, accounts: [] },
  }) as unknown as MailMigration;

const changed = (change: (mm: MailMigration) => void): MailMigration => {
  const mm = structuredClone(migration());
  change(mm);
  return mm;
};

describe('which MailMigration changes bring a reconcile', () => {
  it.each<[string, boolean, MailMigration]>([
    ['the status only', false, changed((mm) => Object.assign(mm, { status: { phase: 'Running' } }))],
    ['resourceVersion only', false, changed((mm) => Object.assign(mm.metadata, { resourceVersion: '8' }))],
    ['the spec (generation)', true, changed((mm) => Object.assign(mm.metadata, { generation: 2 }))],
    [
      'a run-now request (annotation)',
      true,
      changed((mm) => Object.assign(mm.metadata, { annotations: { 'mailsync.io/requested-at': 'now' } })),
    ],
    ['a label', true, changed((mm) => Object.assign(mm.metadata, { labels: { team: 'a' } }))],
    ['the deletion', true, changed((mm) => Object.assign(mm.metadata, { deletionTimestamp: '2026-12-02T10:00:00Z' }))],
  ])('%s: reconcile %s', (_, trigger, next) => {
    expect(isReconcileTrigger(triggerFingerprint(migration()), next)).toBe(trigger);
  });

  it('the first sight of a migration is a trigger', () => {
    expect(isReconcileTrigger(undefined, migration())).toBe(true);
  });
});

describe('the migration controller queue', () => {
  let controller: MigrationController | undefined;
  afterEach(() => controller?.stop(0));

  it('is not fed by a status write, but by a run-now request', async () => {
    const kube = new FakeKube([migration() as never]);
    controller = new MigrationController(kube, pino({ level: 'silent' }), {
      namespaces: [NS],
      concurrency: 1,
      informerRestartMs: 3600_000,
      resyncMs: 3600_000,
    });
    // The caches without the workers: what the change handlers enqueue stays in the queue.
    await controller.migrations.start();
    const { queue } = controller;
    expect(queue.length).toBe(1);
    const key = await queue.get();
    queue.done(key!);
    const cached = () => controller!.migrations.list()[0]?.metadata.resourceVersion;
    const seen = async (rv: string | undefined) => {
      while (cached() !== rv) await new Promise((r) => setTimeout(r, 5));
    };

    kube.modify('mailmigrations', NS, 'acme', (mm) => {
      mm.status = { phase: 'Running', pass: { id: 'presync-1', rate: '1.0 msg/s' } };
    });
    await seen(kube.object<MailMigration>('mailmigrations', NS, 'acme')?.metadata.resourceVersion);
    expect(queue.length).toBe(0);

    kube.modify('mailmigrations', NS, 'acme', (mm) => {
      (mm.metadata as { annotations?: Record<string, string> }).annotations = { 'mailsync.io/requested-at': 'x' };
    });
    await seen(kube.object<MailMigration>('mailmigrations', NS, 'acme')?.metadata.resourceVersion);
    expect(queue.length).toBe(1);
  });
});
