import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { DesiredAccount } from '../../src/api/migration-accounts.js';
import type { MailMigration } from '../../src/api/migration-object.js';
import {
  accountSecret,
  newChild,
  secretIsCurrent,
  updatedChild,
  withDigestedData,
} from '../../src/controller/migration/child-objects.js';
import { type ChildPlanInput, planChildren } from '../../src/controller/migration/child-plan.js';

const mm: MailMigration = {
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailMigration',
  metadata: { name: 'acme', namespace: 'ns', uid: 'uid-acme' },
  spec: { template: {}, accounts: [] },
};
const other: MailMigration = { ...mm, metadata: { ...mm.metadata, uid: 'uid-other' } };

const account = (user: string, line: number, password?: string): DesiredAccount => ({
  name: `acme-${user}`,
  line,
  spec: {
    source: { host: 'old', user, passwordSecretRef: { name: password ? `acme-${user}` : 'admin', key: 'source' } },
    destination: { host: 'new', user, passwordSecretRef: { name: 'admin', key: 'pw' } },
  },
  ...(password ? { passwords: { source: password } } : {}),
});

const plan = (over: Partial<ChildPlanInput>) =>
  planChildren({
    migration: mm,
    accounts: [],
    complete: true,
    children: new Map(),
    secrets: new Map(),
    passId: 'presync-1',
    suspend: false,
    ...over,
  });

const names = (p: ReturnType<typeof planChildren>) => ({
  createChildren: p.createChildren.map((c) => c.metadata.name),
  updateChildren: p.updateChildren.map((u) => u.child.metadata.name),
  deleteChildren: p.deleteChildren,
  createSecrets: p.createSecrets.map((s) => s.metadata?.name),
  updateSecrets: p.updateSecrets.map((u) => u.secret.metadata?.name),
  deleteSecrets: p.deleteSecrets,
  conflicts: p.conflicts.map((c) => c.line),
});

interface PlanNames {
  createChildren: (string | undefined)[];
  updateChildren: (string | undefined)[];
  deleteChildren: string[];
  createSecrets: (string | undefined)[];
  updateSecrets: (string | undefined)[];
  deleteSecrets: string[];
  conflicts: (number | undefined)[];
}

const none: PlanNames = {
  createChildren: [],
  updateChildren: [],
  deleteChildren: [],
  createSecrets: [],
  updateSecrets: [],
  deleteSecrets: [],
  conflicts: [],
};

const existing = (a: DesiredAccount, owner = mm) => newChild(owner, a, 'presync-1', false);
const existingSecret = (a: DesiredAccount, owner = mm) => accountSecret(owner, a) as V1Secret;
const byName = <T extends { metadata?: { name?: string } }>(...objects: T[]) =>
  new Map(objects.map((o) => [o.metadata?.name ?? '', o]));

describe('planChildren', () => {
  const joe = account('joe', 1, 'old-pw');
  const ann = account('ann', 2);

  it.each<[string, Partial<ChildPlanInput>, Partial<PlanNames>]>([
    [
      'creates the children, and a Secret for file passwords',
      { accounts: [joe, ann] },
      {
        createChildren: ['acme-joe', 'acme-ann'],
        createSecrets: ['acme-joe'],
      },
    ],
    [
      'nothing to do when all is in place',
      {
        accounts: [joe, ann],
        children: byName(existing(joe), existing(ann)),
        secrets: byName(existingSecret(joe)),
      },
      {},
    ],
    [
      'a removed account: its child and Secret go',
      {
        accounts: [ann],
        children: byName(existing(joe), existing(ann)),
        secrets: byName(existingSecret(joe)),
      },
      { deleteChildren: ['acme-joe'], deleteSecrets: ['acme-joe'] },
    ],
    [
      'while accounts are invalid, nothing is deleted',
      {
        accounts: [ann],
        complete: false,
        children: byName(existing(joe), existing(ann)),
        secrets: byName(existingSecret(joe)),
      },
      {},
    ],
    [
      'a changed template updates the child',
      {
        accounts: [{ ...ann, spec: { ...ann.spec, folders: { exclude: ['^Junk'] } } }],
        children: byName(existing(ann)),
      },
      { updateChildren: ['acme-ann'] },
    ],
    [
      'suspending updates every child',
      { accounts: [ann], children: byName(existing(ann)), suspend: true },
      {
        updateChildren: ['acme-ann'],
      },
    ],
    [
      'a changed password updates the Secret',
      {
        accounts: [account('joe', 1, 'new-pw')],
        children: byName(existing(joe)),
        secrets: byName(existingSecret(joe)),
      },
      { updateSecrets: ['acme-joe'] },
    ],
    [
      'objects of another migration are never touched',
      {
        accounts: [joe],
        children: byName(existing(joe, other), existing(ann, other)),
      },
      { conflicts: [1] },
    ],
  ])('%s', (_name, over, expected) => {
    expect(names(plan(over))).toEqual({ ...none, ...expected });
  });

  it('creates children owned by the migration, labelled, asked for the current pass', () => {
    const [child] = plan({ accounts: [ann], passId: 'delta-4' }).createChildren as MailSync[];
    expect(child?.metadata).toMatchObject({
      name: 'acme-ann',
      namespace: 'ns',
      labels: { 'mailsync.io/migration': 'acme' },
      annotations: {
        'mailsync.io/requested-at': 'delta-4',
        'mailsync.io/account-line': '2',
      },
      ownerReferences: [
        { apiVersion: 'mailsync.io/v1alpha1', kind: 'MailMigration', name: 'acme', uid: 'uid-acme', controller: true },
      ],
    });
    expect(child?.spec).toEqual(ann.spec);
  });

  it('an update keeps the metadata the server and the MailSync controller own', () => {
    const current = existing(ann);
    current.metadata.resourceVersion = '42';
    current.metadata.finalizers = ['mailsync.io/abort'];
    current.metadata.annotations = { ...current.metadata.annotations, 'mailsync.io/requested-at': 'delta-3' };
    const updated = updatedChild(current, ann, true);
    expect(updated.metadata).toMatchObject({ resourceVersion: '42', finalizers: ['mailsync.io/abort'] });
    expect(updated.metadata.annotations?.['mailsync.io/requested-at']).toBe('delta-3');
    expect(updated.spec.suspend).toBe(true);
  });

  it('puts the passwords only in the per-account Secret, base64, and no hash of them anywhere', () => {
    const p = plan({ accounts: [joe] });
    const secret = p.createSecrets[0];
    expect(secret?.data).toEqual({ source: Buffer.from('old-pw').toString('base64') });
    expect(secret?.metadata?.ownerReferences?.[0]).toMatchObject({ uid: 'uid-acme', controller: true });
    expect(JSON.stringify(secret?.metadata)).not.toContain(Buffer.from('old-pw').toString('base64'));
    expect(JSON.stringify(p.createChildren)).not.toContain('old-pw');
  });
});

describe('a new child', () => {
  it('is created with the MailSync finalizer (reconcile need not add it: one request fewer)', () => {
    const child = newChild(mm, account('joe', 1), 'presync-1', false);
    expect(child.metadata.finalizers).toEqual(['mailsync.io/abort']);
    expect(child.metadata.ownerReferences?.[0]).toMatchObject({ uid: 'uid-acme', controller: true });
  });
});

describe('the cached per-account Secrets hold digests, not passwords', () => {
  const secret = (data: Record<string, string>) => ({ metadata: { name: 'joe' }, data });
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it('drops every value and stringData', () => {
    const cached = withDigestedData({ ...secret({ source: b64('pw-one') }), stringData: { destination: 'pw-two' } });
    expect(JSON.stringify(cached)).not.toContain(b64('pw-one'));
    expect(JSON.stringify(cached)).not.toContain('pw-two');
    expect(cached.data?.source).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['same values', { source: b64('a'), destination: b64('b') }, true],
    ['a changed password', { source: b64('a'), destination: b64('changed') }, false],
    ['a key removed', { source: b64('a') }, false],
    ['a key added', { source: b64('a'), destination: b64('b'), extra: b64('c') }, false],
  ])('tells whether it is current from the digests: %s', (_name, wanted, current) => {
    const cached = withDigestedData(secret({ source: b64('a'), destination: b64('b') }));
    expect(secretIsCurrent(cached, secret(wanted))).toBe(current);
    // The same answer as with the values themselves.
    expect(secretIsCurrent(secret({ source: b64('a'), destination: b64('b') }), secret(wanted))).toBe(current);
  });
});
