/**
 * The import of an account file (`mailsync import`, the console's upload), the pure part: an account file (imapsync's file.txt or a
 * CSV) and a template become a Secret holding the file and a MailMigration
 * reading it (accountsFrom), after every row was checked exactly as the
 * controller will check it. Any bad row: no objects at all, the rows' lines.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { parseAccountFile } from './accounts-file.js';
import { API_VERSION } from './mailsync.js';
import { MIGRATION_KIND } from './migration.js';
import { type OptionsToSpec, resolveAccounts } from './migration-accounts.js';
import type { MailMigration } from './migration-object.js';
import type { AccountFileFormat, MailMigrationSpec, MailSyncTemplate } from './migration-spec.js';
import type { InvalidAccount } from './migration-status.js';

export interface ImportInput {
  /** The account file's text. */
  accounts: string;
  format: AccountFileFormat;
  /** The template file's text: a MailMigration manifest, or the template alone (MailSync spec fields). */
  template: string;
  /** Name of the MailMigration (else the manifest's, else one from the account file's name). */
  name?: string;
  /** The account file's path (for the default name). */
  fileName: string;
  namespace?: string;
  /** imapsync's option column as spec fields (src/imapsync/extra-options.ts, which src/api cannot import). */
  extraOptions: OptionsToSpec;
}

export interface ImportResult {
  secret: V1Secret;
  migration: MailMigration;
  accounts: number;
}

export class ImportError extends Error {
  readonly reason = 'InvalidConfiguration';
  constructor(
    message: string,
    readonly invalid: readonly InvalidAccount[] = [],
  ) {
    super(message);
  }
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key of the file in the Secret: what an admin would call it. */
export const accountsKey = (format: AccountFileFormat) => (format === 'csv' ? 'accounts.csv' : 'file.txt');

/** A name for the migration from a file name: "Customers 2024.txt" -> "customers-2024". */
export function nameFromFile(path: string): string {
  const base = path.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 52)
    .replace(/-+$/, '');
  return name || 'migration';
}

function readTemplate(text: string): { spec: Partial<MailMigrationSpec>; metadata: Doc } {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ImportError(`the template is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) throw new ImportError('the template must be a mapping (a MailMigration, or its template)');
  if (doc.kind !== undefined || doc.apiVersion !== undefined) {
    if (doc.kind !== MIGRATION_KIND) {
      throw new ImportError(
        `the template's kind is ${String(doc.kind)}, expected ${MIGRATION_KIND} (or the template alone)`,
      );
    }
    const spec = isObject(doc.spec) ? doc.spec : {};
    if (!isObject(spec.template)) throw new ImportError('the MailMigration in the template file has no spec.template');
    return { spec: spec as Partial<MailMigrationSpec>, metadata: isObject(doc.metadata) ? doc.metadata : {} };
  }
  return { spec: { template: doc as MailSyncTemplate }, metadata: {} };
}

export function buildImport(input: ImportInput): ImportResult {
  const { spec: base, metadata } = readTemplate(input.template);
  const name = input.name ?? (typeof metadata.name === 'string' ? metadata.name : nameFromFile(input.fileName));
  const namespace = input.namespace ?? (typeof metadata.namespace === 'string' ? metadata.namespace : undefined);
  const template = (base.template ?? {}) as MailSyncTemplate;
  const parsed = parseAccountFile(input.accounts, input.format);
  const resolved = resolveAccounts(name, { template }, { kind: 'file', ...parsed }, input.extraOptions);
  if (resolved.invalid.length > 0) {
    throw new ImportError(
      `${resolved.invalid.length} account(s) cannot be used; nothing was written`,
      resolved.invalid,
    );
  }
  if (resolved.accounts.length === 0) throw new ImportError('the account file has no account');
  const secretName = `${name}-accounts`;
  const key = accountsKey(input.format);
  const meta = (n: string) => (namespace ? { name: n, namespace } : { name: n });
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(secretName),
    type: 'Opaque',
    stringData: { [key]: input.accounts },
  };
  const { accounts: _inline, accountsFrom: _from, ...rest } = base;
  const migration: MailMigration = {
    apiVersion: API_VERSION,
    kind: MIGRATION_KIND,
    metadata: meta(name),
    spec: {
      ...rest,
      template,
      accountsFrom: { secretRef: { name: secretName, key }, format: input.format },
    } as MailMigrationSpec,
  };
  return { secret, migration, accounts: resolved.accounts.length };
}
