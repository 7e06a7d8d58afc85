/**
 * `mailsync report <migration> [-n ns] [--format table|csv|json] [-o file]`:
 * the per-account report of a MailMigration (see src/api/migration-report.ts).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { MailSync } from '../api/mailsync.js';
import { LABEL_MIGRATION } from '../api/migration.js';
import type { MailMigration } from '../api/migration-object.js';
import { formatReport, REPORT_FORMATS, type ReportFormat, reportRows } from '../api/migration-report.js';
import { isNotFound } from '../kube/kube-client.js';
import { ConfigError } from '../sync/errors.js';
import { cliPaths, connectKube } from './kube-access.js';
import type { CommandIo } from './sync-command.js';

export const REPORT_USAGE = `Usage: mailsync report <migration> [-n NAMESPACE] [--format table|csv|json] [-o FILE]

One row per account of a MailMigration: account, phase, reason, messages,
bytes, duration, attempts, last error (CSV and JSON also give the hosts, the
line in the account file and the child MailSync). Accounts the migration
could not use are listed with phase Invalid. Reads KUBECONFIG or ~/.kube/config.

  -n, --namespace NS   the migration's namespace (default: default)
  --format F           table (default), csv or json
  -o, --output FILE    write the report to FILE instead of standard output`;

export async function runReportCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      namespace: { type: 'string', short: 'n' },
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(`${REPORT_USAGE}\n`);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new ConfigError('give one MailMigration name: mailsync report <migration>');
  const format = (values.format ?? 'table') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new ConfigError(`--format must be table, csv or json, not '${format}'`);
  const namespace = values.namespace ?? 'default';
  const client = await connectKube(io.env);
  try {
    let mm: MailMigration;
    try {
      mm = await client.get<MailMigration>(cliPaths.mailMigration(namespace, name));
    } catch (error) {
      if (isNotFound(error)) throw new ConfigError(`MailMigration ${namespace}/${name} not found`);
      throw error;
    }
    const children = await client.get<{ items?: MailSync[] }>(cliPaths.mailSyncs(namespace), {
      labelSelector: `${LABEL_MIGRATION}=${name}`,
    });
    const text = formatReport(reportRows(mm, children.items ?? [], new Date()), format);
    if (values.output) writeFileSync(values.output, text);
    else io.stdout(text);
    return 0;
  } finally {
    client.close();
  }
}
