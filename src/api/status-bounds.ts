/**
 * A MailSync or MailMigration status made to fit what the CRD accepts before it is written:
 * every string escaped (printable.ts: server text reaches status through
 * error messages and log lines) and cut to its schema's `maxLength`, or to
 * STATUS_STRING_MAX_CHARS where the schema sets none; arrays cut to
 * `maxItems` (keeping the newest, the last). A status the API server
 * rejects (422) would leave the MailSync stuck in its previous phase.
 * The limits are read from the schema itself (status-schema.ts), so the two
 * cannot drift apart.
 */
import { MAX_AUTO_HOSTS, MAX_FAILURE_REASONS, MAX_INVALID_ACCOUNTS } from './migration.js';
import { type MailMigrationStatus, MailMigrationStatusSchema } from './migration-status.js';
import { printableKeepingLines, truncateChars } from './printable.js';
import type { MailSyncStatus } from './status.js';
import { MailSyncStatusSchema } from './status-schema.js';

/** Where the schema sets no maxLength (summary.message, lastError.message...): long enough for any real message. */
export const STATUS_STRING_MAX_CHARS = 32 * 1024;

type Schema = {
  type?: string;
  maxLength?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
};

/** Fit any JSON value to a (TypeBox/OpenAPI) schema's string and array limits. */
export function fitToSchema(value: unknown, schema: Schema | undefined): unknown {
  if (typeof value === 'string') {
    const max = stringSchema(schema)?.maxLength ?? STATUS_STRING_MAX_CHARS;
    return truncateChars(printableKeepingLines(value), max);
  }
  if (Array.isArray(value)) {
    const kept = schema?.maxItems !== undefined ? value.slice(Math.max(0, value.length - schema.maxItems)) : value;
    return kept.map((item) => fitToSchema(item, schema?.items));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fitToSchema(item, schema?.properties?.[key])]),
    );
  }
  return value;
}

function stringSchema(schema: Schema | undefined): Schema | undefined {
  if (!schema) return undefined;
  if (schema.type === 'string') return schema;
  return schema.anyOf?.find((branch) => branch.type === 'string');
}

/** The status as the CRD accepts it (see above). */
export function boundStatus(status: MailSyncStatus): MailSyncStatus {
  return fitToSchema(status, MailSyncStatusSchema as Schema) as MailSyncStatus;
}

/**
 * The MailMigration status as the CRD accepts it. Its lists that are "the
 * first N" (invalid accounts by line, failure reasons most frequent first,
 * hosts) keep their first items; `passes` (oldest first) keeps the newest.
 */
export function boundMigrationStatus(status: MailMigrationStatus): MailMigrationStatus {
  const firsts: MailMigrationStatus = { ...status };
  if (firsts.invalidAccounts) firsts.invalidAccounts = firsts.invalidAccounts.slice(0, MAX_INVALID_ACCOUNTS);
  if (firsts.failureReasons) firsts.failureReasons = firsts.failureReasons.slice(0, MAX_FAILURE_REASONS);
  if (firsts.concurrency) {
    firsts.concurrency = { ...firsts.concurrency, hosts: firsts.concurrency.hosts.slice(0, MAX_AUTO_HOSTS) };
  }
  return fitToSchema(firsts, MailMigrationStatusSchema as Schema) as MailMigrationStatus;
}

/**
 * A run-now request (the mailsync.io/requested-at annotation, up to 256 KiB)
 * as `status.lastRequestedAt` keeps it: escaped and cut like any status
 * string. The controllers compare this, not the raw annotation, with the
 * status: a raw value that status cannot hold would never match and would
 * start a run at every look.
 */
export function boundRequestedAt(value: string, kind: 'MailSync' | 'MailMigration'): string {
  const schema = (kind === 'MailSync' ? MailSyncStatusSchema : MailMigrationStatusSchema) as Schema;
  return fitToSchema(value, schema.properties?.lastRequestedAt) as string;
}
