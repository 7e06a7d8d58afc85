/**
 * The admin view's filters, from the query string: phase, host (source or
 * destination, a substring, case-insensitive) and migration (exact name; a
 * MailSync matches through its mailsync.io/migration label). Pure.
 */
import type { MailSync } from '../../api/mailsync.js';
import { LABEL_MIGRATION } from '../../api/migration.js';
import type { MailMigration } from '../../api/migration-object.js';

export interface AdminFilters {
  namespace?: string;
  phase?: string;
  host?: string;
  migration?: string;
}

const MAX_FILTER = 253;

export function parseFilters(query: Record<string, string | undefined>): AdminFilters {
  const filters: AdminFilters = {};
  for (const key of ['namespace', 'phase', 'host', 'migration'] as const) {
    const value = query[key]?.trim().slice(0, MAX_FILTER);
    if (value) filters[key] = value;
  }
  return filters;
}

const hostMatches = (needle: string | undefined, ...hosts: string[]) =>
  needle === undefined || hosts.some((h) => h.toLowerCase().includes(needle.toLowerCase()));

export function syncMatches(ms: MailSync, f: AdminFilters): boolean {
  if (f.phase !== undefined && (ms.status?.phase ?? 'Pending') !== f.phase) return false;
  if (f.migration !== undefined && ms.metadata.labels?.[LABEL_MIGRATION] !== f.migration) return false;
  return hostMatches(f.host, ms.spec.source.host, ms.spec.destination.host);
}

/** `children`: the MailSyncs of this migration (their hosts count too: account files name hosts per row). */
export function migrationMatches(mm: MailMigration, f: AdminFilters, children: readonly MailSync[] = []): boolean {
  if (f.phase !== undefined && (mm.status?.phase ?? 'Pending') !== f.phase) return false;
  if (f.migration !== undefined && mm.metadata.name !== f.migration) return false;
  const template = mm.spec.template as { source?: { host?: string }; destination?: { host?: string } };
  const hosts = [template.source?.host ?? '', template.destination?.host ?? ''];
  for (const child of children) hosts.push(child.spec.source.host, child.spec.destination.host);
  return hostMatches(f.host, ...hosts);
}
