/**
 * Admin view test objects: MailMigration mail/acme-like migrations (concurrency perSourceHost 2) and
 * MailSyncs, optionally children of a migration (label mailsync.io/migration, account line annotation).
 */
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailMigration } from '../../../src/api/migration-object.js';

export function migration(name: string, namespace = 'mail', status: MailMigration['status'] = {}): MailMigration {
  return {
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailMigration',
    metadata: { name, namespace, uid: `uid-${name}` },
    spec: {
      template: { source: { host: 'imap.old.example' }, destination: { host: 'imap.new.example' } },
      accountsFrom: { secretRef: { name: `${name}-accounts`, key: 'file.txt' }, format: 'imapsync' },
      concurrency: { perSourceHost: 2 },
    } as MailMigration['spec'],
    status,
  };
}

export function sync(
  name: string,
  namespace: string,
  phase: string,
  extra: { migration?: string; source?: string; user?: string; status?: Partial<NonNullable<MailSync['status']>> } = {},
): MailSync {
  return {
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailSync',
    metadata: {
      name,
      namespace,
      uid: `uid-${name}`,
      labels: extra.migration ? { 'mailsync.io/migration': extra.migration } : {},
      annotations: extra.migration ? { 'mailsync.io/account-line': name.endsWith('1') ? '1' : '2' } : {},
    },
    spec: {
      source: {
        host: extra.source ?? 'imap.old.example',
        user: extra.user ?? name,
        passwordSecretRef: { name: 's', key: 'p' },
      },
      destination: { host: 'imap.new.example', user: extra.user ?? name, passwordSecretRef: { name: 's', key: 'p' } },
    } as MailSync['spec'],
    status: { phase, ...(extra.status ?? {}) } as MailSync['status'],
  };
}
