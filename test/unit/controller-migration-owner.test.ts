import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import { ownerMigrationGone } from '../../src/controller/migration-owner.js';

const owned = (owner?: { kind: string; name: string; uid: string; controller?: boolean }): MailSync => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: {
    name: 'acme-0123456789',
    namespace: 'mail',
    ...(owner ? { ownerReferences: [{ apiVersion: 'mailsync.io/v1alpha1', controller: true, ...owner }] } : {}),
  },
  spec: { source: { host: 'a', user: 'u' }, destination: { host: 'b', user: 'u' } },
});
const acme = { kind: 'MailMigration', name: 'acme', uid: 'uid-1' };

describe('ownerMigrationGone', () => {
  it.each<[string, MailSync, boolean, Record<string, string>, boolean]>([
    ['its migration is in the cache', owned(acme), true, { 'mail/acme': 'uid-1' }, false],
    ['its migration was deleted', owned(acme), true, {}, true],
    ['deleted and made again under the same name', owned(acme), true, { 'mail/acme': 'uid-2' }, true],
    ['migrations not listed (no right to read them): unknown, not gone', owned(acme), false, {}, false],
    ['a standalone MailSync', owned(), true, {}, false],
    ['owned, but not controlled, by a migration', owned({ ...acme, controller: false }), true, {}, false],
    ['controlled by something else', owned({ kind: 'HelmRelease', name: 'x', uid: 'u' }), true, {}, false],
    ['the same name in another namespace does not count', owned(acme), true, { 'other/acme': 'uid-1' }, true],
  ])('%s', (_name, mailSync, listed, cache, gone) => {
    expect(ownerMigrationGone(mailSync, { listed, uidOf: (ns, name) => cache[`${ns}/${name}`] })).toBe(gone);
  });
});
