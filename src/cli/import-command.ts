/**
 * `mailsync import FILE --template T.yaml [--format imapsync|csv] [--apply]
 * [-n NS] [--name N]`: prints (or applies) the Secret holding the account file
 * and the MailMigration reading it. With --apply, both are first sent as a
 * server-side dry run; if writing the MailMigration fails after the Secret was
 * written, the Secret is put back as it was: nothing is half-applied.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { V1Secret } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { buildImport, ImportError } from '../api/migration-import.js';
import type { MailMigration } from '../api/migration-object.js';
import type { AccountFileFormat } from '../api/migration-spec.js';
import { describeFsError } from '../api/spec-load.js';
import { extraOptionsToSpec } from '../imapsync/extra-options.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import { ConfigError } from '../sync/errors.js';
import { cliPaths, connectKube } from './kube-access.js';
import type { CommandIo } from './sync-command.js';

export const IMPORT_USAGE = `Usage: mailsync import FILE --template T.yaml [--format imapsync|csv] [--apply] [-n NS] [--name N]

Reads an account file and prints a Secret holding it and a MailMigration that
migrates its accounts (kubectl apply -f - takes the output), or applies both.
  FILE               imapsync's file.txt (host1;user1;password1;host2;user2;password2;[options])
                     or a CSV with a header (host1,port1,user1,password1,host2,port2,user2,password2,options,
                     oauth2refresh1,oauth2refresh2: secret-name/key of the account's OAuth2 refresh material)
  --template T.yaml  a MailMigration (its spec is kept: schedule, concurrency...) or only its
                     template (the MailSync spec fields shared by all accounts)
  --format F         imapsync or csv (default: csv for a .csv file, else imapsync)
  --apply            create or update both in the cluster (KUBECONFIG or ~/.kube/config)
  -n, --namespace NS namespace (default: the template's, else default)
  --name N           the MailMigration's name (default: the template's, else from FILE)
Every row is checked first, as the controller checks it; one bad row and
nothing is printed or applied (exit code 2), each bad row with its line.`;

const DRY_RUN = { dryRun: 'All' };

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the ${what} ${path}: ${describeFsError(error)}`);
  }
}

/** Create, or replace keeping the server's metadata; returns the previous object (undefined: created). */
async function upsert<T extends { metadata?: { name?: string; resourceVersion?: string } }>(
  client: KubeClient,
  collection: string,
  item: string,
  object: T,
  query?: Record<string, string>,
): Promise<{ previous?: T; written: T }> {
  let previous: T | undefined;
  try {
    previous = await client.get<T>(item);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (!previous) return { written: await client.request<T>('POST', collection, { body: object, query }) };
  const body = {
    ...object,
    metadata: { ...previous.metadata, ...object.metadata, resourceVersion: previous.metadata?.resourceVersion },
  };
  return { previous, written: await client.request<T>('PUT', item, { body, query }) };
}

async function apply(client: KubeClient, namespace: string, secret: V1Secret, migration: MailMigration, io: CommandIo) {
  const secretName = secret.metadata?.name ?? '';
  const name = migration.metadata.name ?? '';
  const secretPaths = [cliPaths.secrets(namespace), cliPaths.secret(namespace, secretName)] as const;
  const migrationPaths = [cliPaths.mailMigrations(namespace), cliPaths.mailMigration(namespace, name)] as const;
  // The API server's own checks (schema, CEL, admission) on both before anything is written.
  await upsert(client, ...secretPaths, secret, DRY_RUN);
  await upsert(client, ...migrationPaths, migration, DRY_RUN);
  const written = await upsert(client, ...secretPaths, secret);
  try {
    await upsert(client, ...migrationPaths, migration);
  } catch (error) {
    // Put the Secret back as it was.
    if (!written.previous) await client.delete(cliPaths.secret(namespace, secretName)).catch(() => {});
    else {
      const { previous } = written;
      await client
        .replace(cliPaths.secret(namespace, secretName), {
          ...previous,
          metadata: { ...previous.metadata, resourceVersion: written.written.metadata?.resourceVersion },
        })
        .catch(() => {});
    }
    throw error;
  }
  io.stderr(`secret/${secretName} and mailmigration.mailsync.io/${name} applied in namespace ${namespace}\n`);
}

export async function runImportCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      template: { type: 'string' },
      format: { type: 'string' },
      apply: { type: 'boolean' },
      namespace: { type: 'string', short: 'n' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(`${IMPORT_USAGE}\n`);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new ConfigError('give one account file: mailsync import FILE --template T.yaml');
  if (!values.template) throw new ConfigError('--template T.yaml is required (the settings shared by all accounts)');
  const format = (values.format ?? (/\.csv$/i.test(file) ? 'csv' : 'imapsync')) as AccountFileFormat;
  if (format !== 'imapsync' && format !== 'csv')
    throw new ConfigError(`--format must be imapsync or csv, not '${format}'`);
  let result: ReturnType<typeof buildImport>;
  try {
    result = buildImport({
      accounts: readText(file, 'account file'),
      format,
      template: readText(values.template, 'template'),
      name: values.name,
      namespace: values.namespace,
      fileName: file,
      extraOptions: extraOptionsToSpec,
    });
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    const lines = error.invalid.map((i) => `${file}:${i.line ?? '?'}: ${i.message}`);
    io.stderr(`mailsync import: error: ${error.message}\n${lines.map((l) => `  ${l}\n`).join('')}`);
    return 2;
  }
  const { secret, migration, accounts } = result;
  if (!values.apply) {
    io.stderr(
      `${accounts} account(s). The Secret below holds the passwords of ${file}: pipe it to kubectl apply -f -, do not store it.\n`,
    );
    io.stdout(`${stringify(secret)}---\n${stringify(migration)}`);
    return 0;
  }
  const namespace = migration.metadata.namespace ?? 'default';
  secret.metadata = { ...secret.metadata, namespace };
  migration.metadata = { ...migration.metadata, namespace };
  const client = await connectKube(io.env);
  try {
    await apply(client, namespace, secret, migration, io);
  } finally {
    client.close();
  }
  io.stderr(`${accounts} account(s); follow it with: kubectl get mm ${migration.metadata.name} -n ${namespace} -w\n`);
  return 0;
}
