/**
 * The MailSync CustomResourceDefinition, generated from the TypeBox schemas
 * of the spec (spec.ts) and status (status.ts). `crds/` holds the output of
 * generate-crd.ts; a unit test fails when the two drift apart.
 *
 * Kubernetes wants a *structural* OpenAPI v3 schema, which JSON Schema as
 * TypeBox writes it is not quite: see toStructural() for the conversions.
 */
import { stringify } from 'yaml';
import { crdObject } from './crd-object.js';
import { CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR } from './mailsync.js';
import { KUBE, LOCAL, MailSyncSpec } from './spec.js';
import { RULE_TEXT } from './spec-rule-text.js';
import { MailSyncStatusSchema } from './status-schema.js';

export const CRD_FILE = `crds/${GROUP}_${PLURAL}.yaml`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keys TypeBox or JSON Schema may write that a CRD schema does not accept (or that only mean something to us). */
const DROPPED_KEYS = new Set(['$id', '$schema', 'patternProperties', LOCAL, KUBE]);

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Cross-field rules on the whole spec (CEL, `self` is the spec; the endpoint's
 * rules are on Endpoint in spec.ts). specProblems checks the same in the same
 * words, and more (regexes, mechanisms, the default port in the same-account
 * rule), before a Job is created.
 */
export const SPEC_VALIDATIONS: JsonObject[] = [
  ...(['source', 'destination'] as const).map((side) => ({
    rule:
      `has(self.${side}.passwordSecretRef) || has(self.${side}.oauth2TokenSecretRef) || ` +
      `has(self.${side}.oauth2RefreshSecretRef)`,
    message: `${side}: ${RULE_TEXT.noCredential(['passwordSecretRef', 'oauth2TokenSecretRef', 'oauth2RefreshSecretRef'])}`,
  })),
  {
    rule:
      '!(self.source.host.lowerAscii() == self.destination.host.lowerAscii() && ' +
      'self.source.user == self.destination.user && ' +
      '(has(self.source.port) ? self.source.port : 0) == (has(self.destination.port) ? self.destination.port : 0))',
    message: `destination: ${RULE_TEXT.sameAccount}`,
  },
  {
    rule:
      '!has(self.filters) || !has(self.filters.minSize) || !has(self.filters.maxSize) || ' +
      'self.filters.minSize <= self.filters.maxSize',
    message: `filters.minSize: ${RULE_TEXT.minSizeAboveMax}`,
  },
  {
    rule: '!(has(self.deleteOnSource) && self.deleteOnSource && has(self.verify) && !self.verify)',
    message: `deleteOnSource: ${RULE_TEXT.deleteNeedsVerify}`,
  },
];

/** A union of string literals, as TypeBox writes it: anyOf of {const}. */
function literalValues(schema: JsonObject): string[] | undefined {
  const anyOf = schema.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length === 0) return undefined;
  const values: string[] = [];
  for (const branch of anyOf) {
    if (!isObject(branch) || typeof branch.const !== 'string') return undefined;
    values.push(branch.const);
  }
  return values;
}

/**
 * Convert one TypeBox/JSON Schema node into a structural schema node:
 * - fields marked LOCAL (files, env vars) are removed, and so are the markers;
 * - unions of string literals become `type: string` + `enum`;
 * - `x-kubernetes-int-or-string` unions become anyOf integer/string without
 *   nested keywords the API server rejects;
 * - `additionalProperties: false` is dropped (the API server prunes unknown
 *   fields instead), empty `properties` next to `additionalProperties` too;
 * - JSON Schema 2019 numeric `exclusiveMinimum` becomes OpenAPI's boolean form;
 * - every node gets a `type`.
 */
export function toStructural(input: unknown): JsonObject {
  // JSON round trip: drops TypeBox's symbol keys and undefined values.
  const schema = JSON.parse(JSON.stringify(input)) as JsonObject;
  return convert(schema);
}

function convert(schema: JsonObject): JsonObject {
  const out: JsonObject = {};
  const literals = literalValues(schema);
  if (literals) {
    out.type = 'string';
    out.enum = literals;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    out['x-kubernetes-int-or-string'] = true;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    const pattern = (schema.anyOf as Json[] | undefined)?.find((b) => isObject(b) && typeof b.pattern === 'string');
    if (isObject(pattern)) out.pattern = pattern.pattern as string;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYS.has(key) || key in out) continue;
    if (key === 'anyOf' || key === 'const' || key === 'x-kubernetes-int-or-string') continue;
    if (key === 'properties' && isObject(value)) {
      const properties: JsonObject = {};
      for (const [name, child] of Object.entries(value)) {
        if (isObject(child) && child[LOCAL] === true) continue;
        properties[name] = convert(child as JsonObject);
      }
      if (Object.keys(properties).length > 0 || !isObject(schema.additionalProperties)) out.properties = properties;
    } else if (key === 'required' && Array.isArray(value)) {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = value.filter((name) => {
        const child = properties[name as string];
        return !(isObject(child) && child[LOCAL] === true);
      });
      if (required.length > 0) out.required = required;
    } else if (key === 'additionalProperties') {
      if (isObject(value)) out.additionalProperties = convert(value);
    } else if (key === 'items' && isObject(value)) {
      out.items = convert(value);
    } else if (key === 'exclusiveMinimum' && typeof value === 'number') {
      out.minimum = value;
      out.exclusiveMinimum = true;
    } else if (key === 'exclusiveMaximum' && typeof value === 'number') {
      out.maximum = value;
      out.exclusiveMaximum = true;
    } else {
      out[key] = value;
    }
  }
  if (out.type === undefined && out['x-kubernetes-int-or-string'] !== true) {
    throw new Error(`schema node without a type: ${JSON.stringify(schema).slice(0, 200)}`);
  }
  return orderKeys(out);
}

/** Stable, readable key order: type first, then the rest alphabetically (makes the YAML diff-friendly). */
export function orderKeys(node: JsonObject): JsonObject {
  const keys = Object.keys(node).sort((a, b) => (a === 'type' ? -1 : b === 'type' ? 1 : a.localeCompare(b)));
  const ordered: JsonObject = {};
  for (const key of keys) ordered[key] = node[key] as Json;
  return ordered;
}

export function specSchema(): JsonObject {
  const spec = toStructural(MailSyncSpec);
  const existing = Array.isArray(spec['x-kubernetes-validations']) ? spec['x-kubernetes-validations'] : [];
  spec['x-kubernetes-validations'] = [...existing, ...SPEC_VALIDATIONS];
  spec.description =
    'What to sync: source and destination IMAP accounts (credentials from Secrets) and the engine options.';
  return orderKeys(spec);
}

export function statusSchema(): JsonObject {
  const status = toStructural(MailSyncStatusSchema);
  status.description = 'Observed state, written by the controller.';
  return orderKeys(status);
}

/** The CRD as a plain object (apiextensions.k8s.io/v1). */
export function buildCrd(): JsonObject {
  return crdObject({
    name: CRD_NAME,
    names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES },
    printerColumns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      {
        name: 'Progress',
        type: 'string',
        jsonPath: '.status.progress.display',
        description: 'Messages done / total',
      },
      { name: 'Rate', type: 'string', jsonPath: '.status.progress.rate' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Reason', type: 'string', jsonPath: '.status.lastError.reason', priority: 1 },
      { name: 'Pair', type: 'string', jsonPath: '.status.pairHash', priority: 1 },
      { name: 'Job', type: 'string', jsonPath: '.status.jobName', priority: 1 },
      { name: 'Attempts', type: 'integer', jsonPath: '.status.attempts', priority: 1 },
      { name: 'Queue', type: 'integer', jsonPath: '.status.queuePosition', priority: 1 },
    ],
    description:
      'MailSync copies the mail of one IMAP account to another (imapsync as a Kubernetes resource). ' +
      'Deleting it aborts a running sync cleanly.',
    spec: specSchema(),
    status: statusSchema(),
  });
}

export function crdYaml(): string {
  return `# Generated by src/api/generate-crd.ts from src/api/spec.ts and src/api/status.ts: do not edit (npm run crds).\n${stringify(
    buildCrd(),
    { lineWidth: 0 },
  )}`;
}
