/**
 * From a MailMigration spec to its children: the template merged with each
 * account (inline, or a row of the account file), the child's name, and the
 * passwords of the file for its per-account Secret. Pure and shared by the
 * migration controller and `mailsync import`, so that what the import accepts
 * is exactly what the controller will create.
 *
 * A problem with one account never stops the others; each is reported with its
 * line (file) or index (inline) and never quotes a password.
 */
import type { AccountRow, RowError } from './accounts-file.js';
import { deepMerge } from './deep-merge.js';
import { sameAccount } from './endpoint-identity.js';
import { childName } from './migration-child-name.js';
import type { InlineAccount, MailMigrationSpec, MailSyncTemplate } from './migration-spec.js';
import type { InvalidAccount } from './migration-status.js';
import type { Endpoint, MailSyncSpec, SecretKeyRef } from './spec.js';
import { problemsText, specProblems } from './spec-problems.js';

type Side = 'source' | 'destination';
const SIDES: readonly Side[] = ['source', 'destination'];

export interface DesiredAccount {
  /** Name of the child MailSync (and of its per-account Secret, when it has one). */
  name: string;
  /** Line in the account file; index + 1 for inline accounts. */
  line: number;
  spec: MailSyncSpec;
  /** Passwords of the account file, by side, for the per-account Secret (none: no Secret). */
  passwords?: Partial<Record<Side, string>>;
}

export interface ResolvedAccounts {
  accounts: DesiredAccount[];
  invalid: InvalidAccount[];
}

/** The accounts of a migration, as read: inline from the spec, or the parsed account file. */
export type AccountInput =
  | { kind: 'inline'; accounts: readonly InlineAccount[] }
  | { kind: 'file'; rows: readonly AccountRow[]; errors: readonly RowError[] };

/** The extra options of a file row as spec fields (throws an Error whose message quotes no secret). */
export type OptionsToSpec = (argv: readonly string[]) => Record<string, unknown>;

/** The Secret key of a side in a per-account Secret. */
export const PASSWORD_KEY: Record<Side, string> = { source: 'source', destination: 'destination' };

interface AccountSideInput {
  host?: string;
  port?: number;
  user: string;
  /** A password of the account file: goes into the per-account Secret. */
  password?: string;
  passwordSecretRef?: SecretKeyRef;
  oauth2TokenSecretRef?: SecretKeyRef;
  oauth2RefreshSecretRef?: SecretKeyRef;
}

interface AccountInputOne {
  line: number;
  /** How the account is named in messages: "line 3" or "accounts[2]". */
  where: string;
  source: AccountSideInput;
  destination: AccountSideInput;
  overrides: Record<string, unknown>;
}

/** The credentials of one side: the account's own, else the template's (an admin login). */
function applyCredentials(endpoint: Partial<Endpoint>, which: Side, side: AccountSideInput, secretName: string): void {
  const own: Partial<Endpoint> | undefined = side.password
    ? { passwordSecretRef: { name: secretName, key: PASSWORD_KEY[which] } }
    : side.passwordSecretRef
      ? { passwordSecretRef: side.passwordSecretRef }
      : side.oauth2TokenSecretRef
        ? { oauth2TokenSecretRef: side.oauth2TokenSecretRef }
        : side.oauth2RefreshSecretRef
          ? { oauth2RefreshSecretRef: side.oauth2RefreshSecretRef }
          : undefined;
  if (!own) return;
  // The account logs in as itself: the template's admin login does not apply to it.
  delete endpoint.authUser;
  delete endpoint.passwordSecretRef;
  delete endpoint.oauth2TokenSecretRef;
  delete endpoint.oauth2RefreshSecretRef;
  const token = own.oauth2TokenSecretRef !== undefined || own.oauth2RefreshSecretRef !== undefined;
  if (!token && endpoint.authMechanism === 'XOAUTH2') delete endpoint.authMechanism;
  Object.assign(endpoint, own);
}

function resolveOne(
  migration: string,
  template: MailSyncTemplate,
  input: AccountInputOne,
): { account?: DesiredAccount; problem?: string } {
  const merged = deepMerge(template, input.overrides) as Record<string, unknown>;
  const spec = merged as unknown as MailSyncSpec;
  const problems: string[] = [];
  for (const side of SIDES) {
    const endpoint = { ...((merged[side] as Partial<Endpoint> | undefined) ?? {}) };
    const given = input[side];
    if (given.host) endpoint.host = given.host;
    if (given.port !== undefined) endpoint.port = given.port;
    endpoint.user = given.user;
    merged[side] = endpoint;
    if (!endpoint.host) problems.push(`no ${side} host (neither the template nor the account gives one)`);
  }
  if (problems.length > 0) return { problem: problems.join('; ') };
  const name = childName(migration, spec.source, spec.destination);
  const passwords: Partial<Record<Side, string>> = {};
  for (const side of SIDES) {
    const given = input[side];
    applyCredentials(merged[side] as Partial<Endpoint>, side, given, name);
    if (given.password) passwords[side] = given.password;
    const endpoint = merged[side] as Partial<Endpoint>;
    if (!endpoint.passwordSecretRef && !endpoint.oauth2TokenSecretRef && !endpoint.oauth2RefreshSecretRef) {
      problems.push(
        `no ${side} password: the account has none and the template has no ${side}.passwordSecretRef (an admin login)`,
      );
    }
  }
  if (sameAccount(spec.source, spec.destination)) problems.push('source and destination are the same account');
  if (problems.length > 0) return { problem: problems.join('; ') };
  // Everything else the API server and the MailSync controller would refuse (schema, CEL rules, regexes).
  const specIssues = specProblems(spec, 'kubernetes');
  if (specIssues.length > 0) return { problem: problemsText(specIssues) };
  const account: DesiredAccount = { name, line: input.line, spec };
  if (Object.keys(passwords).length > 0) account.passwords = passwords;
  return { account };
}

function inputsOf(input: AccountInput, optionsToSpec: OptionsToSpec, invalid: InvalidAccount[]): AccountInputOne[] {
  if (input.kind === 'inline') {
    return input.accounts.map((a, i) => ({
      line: i + 1,
      where: `accounts[${i}]`,
      source: { ...a.source },
      destination: { ...a.destination, user: a.destination?.user ?? a.source.user },
      overrides: (a.overrides ?? {}) as Record<string, unknown>,
    }));
  }
  for (const e of input.errors) invalid.push({ line: e.line, message: e.message });
  const out: AccountInputOne[] = [];
  for (const row of input.rows) {
    let overrides: Record<string, unknown>;
    try {
      overrides = optionsToSpec(row.options);
    } catch (error) {
      invalid.push({ line: row.line, message: `options: ${(error as Error).message}` });
      continue;
    }
    out.push({
      line: row.line,
      where: `line ${row.line}`,
      source: { ...row.source },
      destination: { ...row.destination },
      overrides,
    });
  }
  return out;
}

/**
 * Every account of the migration, merged with the template and named; the
 * unusable ones in `invalid` (sorted by line). Two accounts with the same pair:
 * the first is kept, the second is invalid.
 */
export function resolveAccounts(
  migration: string,
  spec: Pick<MailMigrationSpec, 'template'>,
  input: AccountInput,
  optionsToSpec: OptionsToSpec,
): ResolvedAccounts {
  const invalid: InvalidAccount[] = [];
  const accounts: DesiredAccount[] = [];
  const byName = new Map<string, AccountInputOne>();
  for (const one of inputsOf(input, optionsToSpec, invalid)) {
    const { account, problem } = resolveOne(migration, spec.template, one);
    const prefix = input.kind === 'inline' ? `${one.where}: ` : '';
    if (!account) {
      invalid.push({ line: one.line, message: `${prefix}${problem}` });
      continue;
    }
    const first = byName.get(account.name);
    if (first) {
      invalid.push({ line: one.line, message: `${prefix}the same account pair as ${first.where}` });
      continue;
    }
    byName.set(account.name, one);
    accounts.push(account);
  }
  invalid.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { accounts, invalid };
}
