/**
 * A MailSync made by a MailMigration whose migration is gone must not start a
 * run: the garbage collector is about to delete it (the migration was deleted,
 * or deleted and made again under the same name). Without its migration it has
 * no caps either, so starting would let every queued account of a big
 * migration start at once, against the servers, just to be aborted. Pure.
 */
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { MailSync } from '../api/mailsync.js';
import { MIGRATION_KIND } from '../api/migration.js';

/** The MailMigration controlling an object (a child MailSync, its Secret, a batch Job), if one does. */
export function migrationOwner(obj: {
  metadata?: { ownerReferences?: V1OwnerReference[] };
}): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller && r.kind === MIGRATION_KIND);
}

export interface MigrationLookup {
  /** The migrations were listed (false: unknown, e.g. no right to read them; then nothing is gone). */
  readonly listed: boolean;
  /** UID of the cached migration `namespace/name`, undefined when there is none. */
  uidOf(namespace: string, name: string): string | undefined;
}

export function ownerMigrationGone(mailSync: MailSync, migrations: MigrationLookup): boolean {
  const owner = migrationOwner(mailSync);
  if (!owner || !migrations.listed) return false;
  return migrations.uidOf(mailSync.metadata.namespace ?? '', owner.name) !== owner.uid;
}
