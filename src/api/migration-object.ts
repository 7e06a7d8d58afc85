/** The TypeScript shape of a MailMigration object (names and constants: migration.ts). */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { API_VERSION } from './mailsync.js';
import type { MIGRATION_KIND } from './migration.js';
import type { MailMigrationSpec } from './migration-spec.js';
import type { MailMigrationStatus } from './migration-status.js';

export interface MailMigration {
  apiVersion: typeof API_VERSION;
  kind: typeof MIGRATION_KIND;
  metadata: V1ObjectMeta;
  spec: MailMigrationSpec;
  status?: MailMigrationStatus;
}
