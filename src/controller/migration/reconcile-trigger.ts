/**
 * Which changes of a MailMigration are news to its reconcile (pure). A
 * reconcile writes the status, and the status carries values computed from
 * the clock (rate, ETA): reconciling again on the watch event of that very
 * write would write again, and so on, a loop as fast as the API server
 * answers (each turn also reads the account file). So a change of the status
 * alone (or of resourceVersion, managedFields) is no trigger; a change of the
 * spec (generation), of an annotation (mailsync.io/requested-at: run now) or
 * the deletion is. The status is still refreshed: a running pass requeues
 * itself (RUNNING_REFRESH_MS) and every child change requeues its migration.
 */
import type { MailMigration } from '../../api/migration-object.js';

/** What of a MailMigration the reconcile acts on, besides its status; equal fingerprints: nothing new. */
export function triggerFingerprint(mm: MailMigration): string {
  const { generation, annotations, labels, deletionTimestamp, finalizers } = mm.metadata;
  return JSON.stringify([generation, annotations ?? {}, labels ?? {}, deletionTimestamp ?? null, finalizers ?? []]);
}

/** Reconcile on this change? `previous`: the fingerprint of the last version seen (undefined: none). */
export function isReconcileTrigger(previous: string | undefined, mm: MailMigration): boolean {
  return previous === undefined || previous !== triggerFingerprint(mm);
}
