/**
 * The per-account report (`mailsync report`, the console's download): one row per account of a MailMigration, from its child
 * MailSyncs (and the accounts the migration could not use), as a table, CSV
 * or JSON: the file an admin hands to a customer. Pure: objects in, text out.
 */
import { stringify } from 'csv-stringify/sync';
import type { MailSync } from './mailsync.js';
import { ANNOTATION_ACCOUNT_LINE } from './migration.js';
import type { MailMigration } from './migration-object.js';
import { formatBytes, formatDuration } from './units-text.js';

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportRow {
  /** "source user -> destination user". */
  account: string;
  sourceHost?: string;
  sourceUser?: string;
  destinationHost?: string;
  destinationUser?: string;
  /** Line in the account file (index + 1 for inline accounts). */
  line?: number;
  mailsync?: string;
  phase: string;
  reason: string;
  messages: number;
  bytes: number;
  durationSeconds?: number;
  /** Runs for the last request (1 + the controller's retries); 0 before the first run. */
  attempts: number;
  lastError: string;
}

function duration(child: MailSync, now: Date): number | undefined {
  const status = child.status ?? {};
  if (status.summary?.durationSeconds !== undefined) return status.summary.durationSeconds;
  if (!status.startTime) return undefined;
  const end = status.completionTime ? Date.parse(status.completionTime) : now.getTime();
  return Math.max(0, Math.round((end - Date.parse(status.startTime)) / 1000));
}

export function childRow(child: MailSync, now: Date): ReportRow {
  const status = child.status ?? {};
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed' || status.phase === 'Aborted';
  const summary = terminal ? status.summary : undefined;
  const line = Number(child.metadata.annotations?.[ANNOTATION_ACCOUNT_LINE]);
  // Runs for the last request: the first one plus the controller's retries (spec.retry).
  const attempts = status.runGeneration === undefined ? 0 : (status.retries ?? 0) + 1;
  const row: ReportRow = {
    account: `${child.spec.source.user} -> ${child.spec.destination.user}`,
    sourceHost: child.spec.source.host,
    sourceUser: child.spec.source.user,
    destinationHost: child.spec.destination.host,
    destinationUser: child.spec.destination.user,
    mailsync: child.metadata.name,
    phase: status.phase ?? 'Pending',
    reason: status.phase === 'Succeeded' ? '' : (status.lastError?.reason ?? ''),
    messages: summary?.messagesTransferred ?? status.progress?.messagesCopied ?? 0,
    bytes: summary?.bytesTransferred ?? status.progress?.bytesCopied ?? 0,
    attempts,
    lastError: status.lastError?.message ?? '',
  };
  if (Number.isInteger(line) && line > 0) row.line = line;
  const seconds = duration(child, now);
  if (seconds !== undefined) row.durationSeconds = seconds;
  return row;
}

/** Every account: the children, then the accounts the migration could not use, in file order. */
export function reportRows(mm: MailMigration, children: readonly MailSync[], now: Date): ReportRow[] {
  const rows = children.map((child) => childRow(child, now));
  for (const invalid of mm.status?.invalidAccounts ?? []) {
    const row: ReportRow = {
      account: invalid.line === undefined ? '(invalid)' : `line ${invalid.line}`,
      phase: 'Invalid',
      reason: 'InvalidAccount',
      messages: 0,
      bytes: 0,
      attempts: 0,
      lastError: invalid.message,
    };
    if (invalid.line !== undefined) row.line = invalid.line;
    rows.push(row);
  }
  return rows.sort(
    (a, b) =>
      (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) || a.account.localeCompare(b.account),
  );
}

const CSV_COLUMNS: (keyof ReportRow)[] = [
  'line',
  'account',
  'sourceHost',
  'sourceUser',
  'destinationHost',
  'destinationUser',
  'mailsync',
  'phase',
  'reason',
  'messages',
  'bytes',
  'durationSeconds',
  'attempts',
  'lastError',
];

function table(rows: readonly ReportRow[]): string {
  const header = ['ACCOUNT', 'PHASE', 'REASON', 'MESSAGES', 'BYTES', 'DURATION', 'ATTEMPTS', 'LAST ERROR'];
  const cells = rows.map((r) => [
    r.account,
    r.phase,
    r.reason,
    String(r.messages),
    formatBytes(r.bytes),
    r.durationSeconds === undefined ? '' : formatDuration(r.durationSeconds),
    String(r.attempts),
    // One line per account: the error's first line, cut.
    (r.lastError.split('\n')[0] ?? '').slice(0, 80),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[header, ...cells].map(line).join('\n')}\n`;
}

/** A summary line for the table: "12 accounts: 10 Succeeded, 1 Failed, 1 Running". */
export function phaseCounts(rows: readonly ReportRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.phase, (counts.get(r.phase) ?? 0) + 1);
  const parts = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([p, n]) => `${n} ${p}`);
  return `${rows.length} account(s): ${parts.join(', ')}`;
}

export function formatReport(rows: readonly ReportRow[], format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') {
    return stringify(
      rows.map((r) => CSV_COLUMNS.map((c) => r[c] ?? '')),
      { header: true, columns: CSV_COLUMNS as string[] },
    );
  }
  return `${table(rows)}${phaseCounts(rows)}\n`;
}
