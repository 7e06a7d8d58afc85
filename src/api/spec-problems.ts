/**
 * Everything wrong with a MailSync spec, in one wording for the controller
 * (condition messages), the worker and the CLI (stderr): the schema of
 * spec.ts, the cross-field rules the CRD also checks with CEL (crd.ts and the
 * Endpoint's x-kubernetes-validations), the rules CEL cannot express (regular
 * expressions compile, the credential matches the mechanism), and where the
 * credentials may come from.
 *
 * Each problem names its field first: "spec.folders.exclude[0]: invalid
 * regular expression: /(/: Unterminated group". Messages never quote a
 * string value of the spec that could be a secret.
 *
 * Two contexts: `kubernetes` (a MailSync: credentials are Secret references)
 * and `local` (the CLI, and the worker once the references became mounted
 * files: credentials are files or environment variables).
 */

import { sameAccount } from './endpoint-identity.js';
import { EXIT_CODES } from './exit-codes.js';
import { linearRegexReason } from './linear-regex.js';
import { schemaErrors } from './schema-errors.js';
import { LOCAL_CREDENTIAL_FIELDS, SECRET_REF_FIELDS, TOKEN_CREDENTIAL_FIELDS } from './secret-refs.js';
import { type Endpoint, LOCAL_ENDPOINT_FIELDS, MailSyncSpec, RESOURCE_NAMES, SIDES, type Side } from './spec.js';
import { effectiveMechanism } from './spec-defaults.js';
import { RULE_TEXT } from './spec-rule-text.js';

export type SpecContext = 'kubernetes' | 'local';

export interface SpecProblem {
  /** The field (or file) the problem is about: "spec.source.port". */
  path: string;
  message: string;
  /** The endpoint the problem belongs to, if any. */
  side?: Side;
}

/** "path: message". */
export function problemText(problem: SpecProblem): string {
  return `${problem.path}: ${problem.message}`;
}

/** One line for one or several problems: "2 problems: a; b". */
export function problemsText(problems: readonly SpecProblem[]): string {
  const texts = problems.map(problemText);
  return texts.length === 1 ? (texts[0] ?? '') : `${texts.length} problems: ${texts.join('; ')}`;
}

/** Why a pattern does not compile as a JavaScript regular expression (as the engine uses it), or undefined. */
export function invalidRegexReason(pattern: string, flags?: string): string | undefined {
  try {
    new RegExp(pattern, flags);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
  }
}

/** Credentials from the wrong world: Secret references outside Kubernetes, files or variables in a MailSync. */
function originProblems(endpoint: Endpoint, side: Side, context: SpecContext): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (context === 'local') {
    for (const field of SECRET_REF_FIELDS) {
      if (endpoint[field.ref] === undefined) continue;
      problems.push({
        path: `spec.${side}.${field.ref}`,
        message: `a Kubernetes Secret is only read in Kubernetes; use ${field.localAlternative} here`,
        side,
      });
    }
  } else {
    for (const field of LOCAL_ENDPOINT_FIELDS) {
      if (endpoint[field] === undefined) continue;
      problems.push({
        path: `spec.${side}.${field}`,
        message: 'a local file or variable is not read in Kubernetes; use a Secret reference',
        side,
      });
    }
  }
  return problems;
}

/** The credential fields of a context, in the order messages list them. */
function credentialFields(context: SpecContext): readonly (keyof Endpoint)[] {
  return context === 'local'
    ? LOCAL_CREDENTIAL_FIELDS
    : SECRET_REF_FIELDS.filter((field) => field.credential).map((field) => field.ref);
}

/** Where the credentials come from and the cross-field rules of one (schema-valid) endpoint. */
export function endpointProblems(endpoint: Endpoint, side: Side, context: SpecContext): SpecProblem[] {
  const origin = originProblems(endpoint, side, context);
  if (origin.length > 0) return origin;
  const at = (field: string) => (field ? `spec.${side}.${field}` : `spec.${side}`);
  const problems: SpecProblem[] = [];
  const add = (field: string, message: string) => problems.push({ path: at(field), message, side });

  if (endpoint.tls === 'none' && !endpoint.allowPlaintext) {
    add('tls', RULE_TEXT.tlsNone);
  }
  const fields = credentialFields(context);
  const given = fields.filter((field) => endpoint[field] !== undefined);
  if (given.length === 0) {
    add('', RULE_TEXT.noCredential(fields));
    return problems;
  }
  if (given.length > 1) {
    add('', RULE_TEXT.oneCredential(given));
    return problems;
  }
  const tokenField =
    context === 'local' ? 'oauth2TokenFile or oauth2RefreshFile' : 'oauth2TokenSecretRef or oauth2RefreshSecretRef';
  const token = TOKEN_CREDENTIAL_FIELDS.includes(given[0] as string);
  const mechanism = effectiveMechanism(endpoint, token);
  if (mechanism === 'XOAUTH2' && !token) {
    add('authMechanism', RULE_TEXT.xoauth2NeedsToken(tokenField));
  } else if (mechanism !== 'XOAUTH2' && token) {
    add('authMechanism', `${mechanism} cannot log in with an OAuth2 token; use XOAUTH2`);
  } else if (endpoint.proxyAuth === true && endpoint.authUser === undefined) {
    add('proxyAuth', 'PROXYAUTH needs authUser: the admin who logs in before taking over the user');
  } else if (endpoint.proxyAuth === true && mechanism === 'XOAUTH2') {
    add('proxyAuth', 'PROXYAUTH follows a password login (LOGIN, PLAIN or CRAM-MD5 as authUser), not XOAUTH2');
  } else if (endpoint.authUser !== undefined && endpoint.proxyAuth !== true && mechanism !== 'PLAIN') {
    add('authUser', `an admin login needs authMechanism PLAIN (SASL authorization identity), not ${mechanism}`);
  }
  return problems;
}

function regexProblems(spec: MailSyncSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const check = (path: string, pattern: string, flags?: string) => {
    const why = invalidRegexReason(pattern, flags);
    if (why !== undefined) problems.push({ path, message: `invalid regular expression: ${why}` });
  };
  for (const key of ['include', 'exclude'] as const) {
    for (const [i, pattern] of (spec.folders?.[key] ?? []).entries()) check(`spec.folders.${key}[${i}]`, pattern);
  }
  for (const [i, rule] of (spec.folders?.rename ?? []).entries()) {
    check(`spec.folders.rename[${i}].from`, rule.from, rule.flags);
  }
  // Rules on message contents and flags run on the linear-time engine only (linear-regex.ts).
  for (const key of ['rewrite', 'flagRewrite'] as const) {
    for (const [i, rule] of (spec.messages?.[key] ?? []).entries()) {
      const why = linearRegexReason(rule.from, rule.flags);
      if (why !== undefined) problems.push({ path: `spec.messages.${key}[${i}].from`, message: why });
    }
  }
  return problems;
}

/**
 * Rules across the whole spec (the CRD checks the same with CEL: crd.ts SPEC_VALIDATIONS). minAgeDays above
 * maxAgeDays is no problem: as in imapsync, the two then select both ends (src/sync/filters.ts).
 */
function specRuleProblems(spec: MailSyncSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (sameAccount(spec.source, spec.destination)) {
    problems.push({ path: 'spec.destination', message: RULE_TEXT.sameAccount });
  }
  const f = spec.filters;
  if (f?.minSize !== undefined && f.maxSize !== undefined && f.minSize > f.maxSize) {
    problems.push({ path: 'spec.filters.minSize', message: RULE_TEXT.minSizeAboveMax });
  }
  if (spec.deleteOnSource === true && spec.verify === false) {
    problems.push({ path: 'spec.deleteOnSource', message: RULE_TEXT.deleteNeedsVerify });
  }
  for (const list of ['requests', 'limits'] as const) {
    const names = Object.keys(spec.resources?.[list] ?? {});
    if (names.some((name) => !(RESOURCE_NAMES as readonly string[]).includes(name))) {
      problems.push({ path: `spec.resources.${list}`, message: RULE_TEXT.resourceNames });
    }
  }
  return problems;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every problem of a spec, in document order; none means the spec can run.
 * Schema problems come alone: the cross-field rules need a well-formed spec.
 */
export function specProblems(raw: unknown, context: SpecContext): SpecProblem[] {
  if (!isObject(raw)) return [{ path: 'spec', message: 'must be a mapping with source and destination' }];
  const schema = schemaErrors(MailSyncSpec, raw);
  if (schema.length > 0) return schema;
  const spec = raw as MailSyncSpec;
  return [
    ...SIDES.flatMap((side) => endpointProblems(spec[side], side, context)),
    ...specRuleProblems(spec),
    ...regexProblems(spec),
  ];
}

/** A spec that cannot run, with its problems: reason InvalidConfiguration (exit code 2, src/api/exit-codes.ts). */
export class SpecError extends Error {
  readonly reason = 'InvalidConfiguration' as const;
  readonly exitCode = EXIT_CODES.InvalidConfiguration;
  readonly problems: readonly SpecProblem[];
  /** The side when every problem belongs to the same one. */
  readonly side?: Side;

  constructor(problems: readonly SpecProblem[]) {
    super(problemsText(problems));
    this.name = 'SpecError';
    this.problems = problems;
    const sides = new Set(problems.map((problem) => problem.side));
    const [only] = sides;
    if (sides.size === 1 && only !== undefined) this.side = only;
  }
}
