/**
 * The spec a sync runs with: read from a YAML/JSON file (a bare MailSync spec
 * or a whole MailSync manifest), validated against the schema of
 * src/api/spec.ts, plus the cross-field rules the CRD checks with CEL, regexes
 * compiled, and the fields that only mean something in Kubernetes handled.
 * Every problem is a ConfigError with a one-line message naming the field.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { LOCAL_CREDENTIAL_FIELDS, SECRET_REF_FIELDS } from '../api/secret-refs.js';
import { Endpoint, KUBE, MailSyncSpec } from '../api/spec.js';
import { applyDefaults, type EffectiveSpec } from '../api/spec-defaults.js';
import { ConfigError, type Side } from '../sync/errors.js';
import { schemaErrors } from './schema-errors.js';

type Doc = Record<string, unknown>;

const SIDES: readonly Side[] = ['source', 'destination'];

function isObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A config document: a MailSync spec, or a MailSync manifest whose spec is taken. */
export function parseConfigText(text: string, origin: string): Doc {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const e = err as { message?: string; linePos?: { line: number; col: number }[] };
    const at = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    const why = (e.message ?? String(err)).split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${origin}: invalid YAML${at}: ${why}`);
  }
  if (!isObject(doc))
    throw new ConfigError(`${origin}: expected a MailSync spec (a mapping with source and destination)`);
  if ('apiVersion' in doc || 'kind' in doc || ('metadata' in doc && 'spec' in doc)) {
    if (doc.kind !== undefined && doc.kind !== 'MailSync') {
      throw new ConfigError(`${origin}: kind is ${String(doc.kind)}, expected MailSync (or a bare spec)`);
    }
    if (!isObject(doc.spec)) throw new ConfigError(`${origin}: the MailSync manifest has no spec`);
    return doc.spec;
  }
  return doc;
}

export function readConfigFile(path: string): Doc {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${describeFsError(err)}`);
  }
  return parseConfigText(text, path);
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}

/** Fields marked x-mailsync-kubernetes in spec.ts, at the top level and in an endpoint. */
function kubeFields(schema: TSchema): string[] {
  const props = (schema as { properties?: Record<string, Doc> }).properties ?? {};
  return Object.entries(props)
    .filter(([, s]) => s[KUBE] === true)
    .map(([name]) => name);
}
const TOP_KUBE_FIELDS = kubeFields(MailSyncSpec);
const ENDPOINT_KUBE_FIELDS = kubeFields(Endpoint);

/**
 * Outside Kubernetes: Secret references cannot be resolved (an error), the
 * controller's own fields (suspend, resources...) are dropped with a notice.
 */
function handleKubernetesFields(spec: Doc, notices: string[]): void {
  for (const side of SIDES) {
    const ep = spec[side];
    if (!isObject(ep)) continue;
    for (const field of ENDPOINT_KUBE_FIELDS) {
      if (ep[field] === undefined) continue;
      const local = SECRET_REF_FIELDS.find((f) => f.ref === field)?.localAlternative;
      const hint = local ? `use ${local} outside Kubernetes` : 'it is only read in Kubernetes';
      throw new ConfigError(`${side}.${field} names a Kubernetes Secret: ${hint}`, { side });
    }
  }
  for (const field of TOP_KUBE_FIELDS) {
    if (spec[field] === undefined) continue;
    delete spec[field];
    notices.push(`${field} is only used by the Kubernetes controller; ignored here`);
  }
}

function dropKubernetesOnlyTopFields(spec: Doc): void {
  for (const field of TOP_KUBE_FIELDS) delete spec[field];
}

const CREDENTIAL_FIELDS = [
  ...LOCAL_CREDENTIAL_FIELDS,
  ...SECRET_REF_FIELDS.filter((f) => f.credential).map((f) => f.ref),
];

/** The CRD's CEL rules, and the local equivalents for file/env credentials. */
function crossFieldErrors(spec: MailSyncSpec): string[] {
  const errors: string[] = [];
  for (const side of SIDES) {
    const ep = spec[side];
    if (ep.tls === 'none' && !ep.allowPlaintext) {
      errors.push(`${side}.tls: none needs ${side}.allowPlaintext: true (the password would travel in clear text)`);
    }
    const credentials = CREDENTIAL_FIELDS.filter((f) => ep[f as keyof Endpoint] !== undefined);
    if (credentials.length === 0) {
      errors.push(`${side}: no credential: set passwordFile, passwordEnv or oauth2TokenFile`);
    } else if (credentials.length > 1) {
      errors.push(`${side}: set only one of ${credentials.join(', ')}`);
    }
    const hasToken = ep.oauth2TokenFile !== undefined || ep.oauth2TokenSecretRef !== undefined;
    if (ep.authMechanism === 'XOAUTH2' && (ep.passwordFile !== undefined || ep.passwordSecretRef !== undefined)) {
      errors.push(`${side}.authMechanism: XOAUTH2 needs an OAuth2 token (oauth2TokenFile), not a password`);
    }
    if (ep.authUser !== undefined && ep.authMechanism !== undefined && ep.authMechanism !== 'PLAIN') {
      errors.push(`${side}.authUser: an admin login needs authMechanism PLAIN, not ${ep.authMechanism}`);
    }
    if (hasToken && ep.authMechanism !== undefined && ep.authMechanism !== 'XOAUTH2') {
      errors.push(`${side}.authMechanism: ${ep.authMechanism} cannot log in with an OAuth2 token; use XOAUTH2`);
    }
  }
  const f = spec.filters;
  if (f?.minSize !== undefined && f.maxSize !== undefined && f.minSize > f.maxSize) {
    errors.push(`filters.minSize (${f.minSize}) is bigger than filters.maxSize (${f.maxSize}): no message would match`);
  }
  return errors;
}

function regexError(pattern: string, flags?: string): string | undefined {
  try {
    new RegExp(pattern, flags);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
  }
}

/** Compile every regex now, so a typo is a config error and not a failure mid-run. */
function regexErrors(spec: MailSyncSpec): string[] {
  const errors: string[] = [];
  for (const key of ['include', 'exclude'] as const) {
    spec.folders?.[key]?.forEach((pattern, i) => {
      const why = regexError(pattern);
      if (why) errors.push(`folders.${key}[${i}]: invalid regular expression: ${why}`);
    });
  }
  spec.folders?.rename?.forEach((rule, i) => {
    const why = regexError(rule.from, rule.flags);
    if (why) errors.push(`folders.rename[${i}].from: invalid regular expression: ${why}`);
  });
  return errors;
}

export interface ValidatedSpec {
  spec: MailSyncSpec;
  /** The spec with every default filled in (src/api/spec-defaults.ts). */
  effective: EffectiveSpec;
  notices: string[];
}

export interface ValidateOptions {
  /**
   * 'local': the CLI; Secret references are errors, controller fields are dropped with a notice.
   * 'worker': in a pod; Secret references were turned into mounted files already, controller fields are dropped.
   */
  context: 'local' | 'worker';
}

function fail(errors: string[]): never {
  throw new ConfigError(errors.length === 1 ? (errors[0] ?? '') : `${errors.length} problems: ${errors.join('; ')}`);
}

/** Pure validation (no file system): schema, Kubernetes fields, CEL rules, regexes, defaults. */
export function validateSpec(raw: unknown, options: ValidateOptions): ValidatedSpec {
  if (!isObject(raw)) fail(['the spec must be a mapping with source and destination']);
  const spec: Doc = structuredClone(raw);
  const notices: string[] = [];
  if (options.context === 'local') handleKubernetesFields(spec, notices);
  else dropKubernetesOnlyTopFields(spec);
  const schemaProblems = schemaErrors(MailSyncSpec, spec);
  if (schemaProblems.length > 0) fail(schemaProblems);
  const typed = spec as MailSyncSpec;
  const problems = [...crossFieldErrors(typed), ...regexErrors(typed)];
  if (problems.length > 0) fail(problems);
  return { spec: typed, effective: applyDefaults(typed), notices };
}

function checkFile(field: string, path: string, side: Side): void {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: st.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
    accessSync(path, constants.R_OK);
    if (st.size === 0 && field !== 'caFile') throw new Error('the file is empty');
  } catch (err) {
    throw new ConfigError(`${side}.${field}: cannot read ${path}: ${describeFsError(err)}`, { side });
  }
}

/**
 * The credentials and CA files exist and are readable, the environment
 * variables are set: checked before connecting, so a typo is a one-line
 * configuration error (exit 2) and not an authentication failure.
 */
export function checkSecretsReachable(spec: MailSyncSpec, env: Readonly<Record<string, string | undefined>>): void {
  for (const side of SIDES) {
    const ep = spec[side];
    if (ep.passwordFile !== undefined) checkFile('passwordFile', ep.passwordFile, side);
    if (ep.oauth2TokenFile !== undefined) checkFile('oauth2TokenFile', ep.oauth2TokenFile, side);
    if (ep.caFile !== undefined) checkFile('caFile', ep.caFile, side);
    if (ep.passwordEnv !== undefined) {
      const value = env[ep.passwordEnv];
      if (value === undefined) {
        throw new ConfigError(`${side}.passwordEnv: the environment variable ${ep.passwordEnv} is not set`, { side });
      }
      if (value === '') {
        throw new ConfigError(`${side}.passwordEnv: the environment variable ${ep.passwordEnv} is empty`, { side });
      }
    }
  }
}
