/**
 * What the caps count by: the host a run connects to, and the group a
 * MailSync is queued in (its MailMigration, or the standalone group).
 */
import { LABEL_MIGRATION } from '../../api/mailsync.js';

/** Host name lowercased without a trailing dot. The port is not part of it: one server, one cap. */
export function hostKey(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/** The queue group of standalone MailSyncs (not created by a MailMigration). */
export const STANDALONE = '';

/** "namespace/migration" for a migration's MailSyncs (label mailsync.io/migration), else STANDALONE. */
export function groupOf(meta: { namespace?: string; labels?: Record<string, string> } | undefined): string {
  const migration = meta?.labels?.[LABEL_MIGRATION];
  return migration ? `${meta?.namespace ?? ''}/${migration}` : STANDALONE;
}
