/**
 * The MailMigration resource: many account pairs migrated as one (issue 9).
 * Names, labels and annotations shared by the migration controller, the
 * MailSync controller (passes, caps) and the CLI (report, import). The
 * object's shape is in migration-object.ts, the schemas in migration-spec.ts
 * and migration-status.ts.
 */
import { GROUP } from './mailsync.js';

export const MIGRATION_KIND = 'MailMigration';
export const MIGRATION_LIST_KIND = 'MailMigrationList';
export const MIGRATION_PLURAL = 'mailmigrations';
export const MIGRATION_SINGULAR = 'mailmigration';
export const MIGRATION_SHORT_NAMES = ['mm'];
export const MIGRATION_CRD_NAME = `${MIGRATION_PLURAL}.${GROUP}`;

/**
 * LABEL_MIGRATION (on child MailSyncs, their Jobs and pods, and per-account Secrets: the
 * migration's name) and ANNOTATION_REQUESTED_AT (run now: a pass sets it to the pass id on every
 * child) live with the MailSync, whose controller reads them.
 */
export { ANNOTATION_REQUESTED_AT, LABEL_MIGRATION } from './mailsync.js';
/** On a child MailSync: the line of the account in the account file (or its index + 1 inline), for the report. */
export const ANNOTATION_ACCOUNT_LINE = 'mailsync.io/account-line';
/** On a child MailSync and a per-account Secret: hash of what the migration wants it to hold (update when it differs). */
export const ANNOTATION_DESIRED_HASH = 'mailsync.io/desired-hash';

/**
 * Pending: no pass yet (accounts unreadable, or none). Running: a pass runs. Waiting: between
 * passes (for the schedule or for finalPass). Completed: the final pass ended. Suspended: spec.suspend.
 */
export const MIGRATION_PHASES = ['Pending', 'Running', 'Waiting', 'Completed', 'Suspended'] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** presync: the first pass, while users still work on the old server; delta: scheduled; final: the cut-over. */
export const PASS_KINDS = ['presync', 'delta', 'final'] as const;
export type PassKind = (typeof PASS_KINDS)[number];

/** At most this many passes are kept in status.passes (the newest). */
export const PASS_HISTORY = 10;
/** At most this many failure reasons and invalid accounts are listed in status. */
export const MAX_FAILURE_REASONS = 10;
export const MAX_INVALID_ACCOUNTS = 20;
/** concurrency.auto: hosts listed in status.concurrency at most (each role of each host is one). */
export const MAX_AUTO_HOSTS = 100;
/** A host is counted as the source or as the destination of the syncs (concurrency caps and auto). */
export const HOST_ROLES = ['source', 'destination'] as const;

/** Inline accounts at most (a bound the API server needs to cost the CEL rules); more go in accountsFrom. */
export const MAX_INLINE_ACCOUNTS = 5000;

/** Condition types of a MailMigration. */
export const MigrationCondition = {
  /** False with the reason when the accounts cannot be read (missing Secret, bad rows, bad schedule...). */
  AccountsValid: 'AccountsValid',
  /** True once the final pass ended. */
  Completed: 'Completed',
} as const;
