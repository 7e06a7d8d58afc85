/**
 * JSON schemas for kubeconform, made offline from the Kubernetes OpenAPI v2 document (swagger.json)
 * of the version the local cluster runs, and from our own CRDs. kubeconform downloads its schemas
 * from the internet by default, which this project cannot reach.
 *
 * One file per kind, named `<kind>-<group>-<version>.json` (kubeconform's template
 * `{{.ResourceKind}}-{{.Group}}-{{.ResourceAPIVersion}}.json`; its Group is the version for the core
 * group). Like openapi2jsonschema's "standalone-strict" flavour: objects with known properties reject
 * unknown ones, int-or-string and quantities accept both types, null is accepted where a type is.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

type Schema = Record<string, unknown>;
interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** kubeconform's schema-location template matching the file names written here. */
export const SCHEMA_TEMPLATE = '{{.ResourceKind}}-{{.Group}}-{{.ResourceAPIVersion}}.json';

export function schemaFileName({ group, version, kind }: Gvk): string {
  return `${kind.toLowerCase()}-${group || version}-${version}.json`;
}

const INT_OR_STRING = { anyOf: [{ type: ['string', 'null'] }, { type: 'integer' }] };
const QUANTITY = { anyOf: [{ type: ['string', 'null'] }, { type: 'number' }] };

/** A copy of one OpenAPI schema node turned into JSON schema (strict, nullable, no x- extensions). */
export function toJsonSchema(node: unknown, refPrefix: string): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, refPrefix));
  if (!node || typeof node !== 'object') return node;
  const src = node as Schema;
  if (src.format === 'int-or-string' || src['x-kubernetes-int-or-string'] === true) return INT_OR_STRING;
  const out: Schema = {};
  for (const [key, value] of Object.entries(src)) {
    if (key.startsWith('x-') || key === 'format') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/definitions/', refPrefix);
    } else if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(
        Object.entries(value as Schema).map(([name, sub]) => [name, toJsonSchema(sub, refPrefix)]),
      );
    } else if (key === 'type' && typeof value === 'string') {
      out.type = [value, 'null'];
    } else {
      out[key] = toJsonSchema(value, refPrefix);
    }
  }
  // OpenAPI v3 (CRDs) writes exclusive bounds as booleans next to minimum/maximum; draft-07 as numbers
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof src[exclusive] !== 'boolean') continue;
    delete out[exclusive];
    if (src[exclusive] && typeof src[bound] === 'number') {
      out[exclusive] = src[bound];
      delete out[bound];
    }
  }
  const open = src['x-kubernetes-preserve-unknown-fields'] === true;
  if (src.properties && !('additionalProperties' in src) && !open) out.additionalProperties = false;
  return out;
}

/** The definitions reachable from `name` (refs followed transitively). */
function reachable(definitions: Record<string, Schema>, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    JSON.stringify(definitions[n]).replace(/"#\/definitions\/([^"]+)"/g, (_, ref: string) => {
      visit(ref);
      return '';
    });
  };
  visit(name);
  return seen;
}

/** Schemas per kind from an OpenAPI v2 document: file name -> schema. */
export function schemasFromSwagger(swagger: { definitions: Record<string, Schema> }): Map<string, Schema> {
  const { definitions } = swagger;
  const files = new Map<string, Schema>();
  for (const [name, definition] of Object.entries(definitions)) {
    const gvks = definition['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    if (!gvks) continue;
    const defs: Schema = {};
    for (const ref of reachable(definitions, name)) {
      if (ref === 'io.k8s.apimachinery.pkg.api.resource.Quantity') defs[ref] = QUANTITY;
      else defs[ref] = toJsonSchema(definitions[ref], '#/definitions/');
    }
    const root = toJsonSchema(definition, '#/definitions/') as Schema;
    for (const gvk of gvks) {
      // one GVK per file; a definition shared by several versions (e.g. DeleteOptions) is the same
      files.set(schemaFileName(gvk), {
        $schema: 'http://json-schema.org/draft-07/schema#',
        ...root,
        definitions: defs,
      });
    }
  }
  return files;
}

/** Schemas of the custom resources a CRD manifest defines: file name -> schema. */
export function schemasFromCrd(crdYaml: string): Map<string, Schema> {
  const crd = parseYaml(crdYaml) as {
    spec: {
      group: string;
      names: { kind: string };
      versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
    };
  };
  const files = new Map<string, Schema>();
  for (const version of crd.spec.versions) {
    const schema = version.schema?.openAPIV3Schema;
    if (!schema) continue;
    const root = toJsonSchema(schema, '#/definitions/') as Schema;
    // the API server fills these in; the CRD schema usually leaves them open
    const properties: Schema = {
      ...(root.properties as Schema),
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
    };
    files.set(schemaFileName({ group: crd.spec.group, version: version.name, kind: crd.spec.names.kind }), {
      $schema: 'http://json-schema.org/draft-07/schema#',
      ...root,
      properties,
    });
  }
  return files;
}

export function writeSchemas(dir: string, schemas: Map<string, Schema>): void {
  mkdirSync(dir, { recursive: true });
  for (const [file, schema] of schemas) writeFileSync(join(dir, file), JSON.stringify(schema));
}

export function readSwagger(path: string): { definitions: Record<string, Schema> } {
  return JSON.parse(readFileSync(path, 'utf8'));
}
