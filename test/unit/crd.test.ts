import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCrd, CRD_FILE, crdYaml, toStructural } from '../../src/api/crd.js';
import { MailSyncSpec } from '../../src/api/spec.js';

type Node = Record<string, unknown>;
const crd = buildCrd() as Node;
const version = ((crd.spec as Node).versions as Node[])[0] as Node;
const root = (version.schema as Node).openAPIV3Schema as Node;
const props = (n: Node) => n.properties as Record<string, Node>;
const spec = props(root).spec as Node;
const status = props(root).status as Node;

/** Every schema node below `node`, with its path. */
function* walk(node: Node, path = '$'): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties as Record<string, Node>) ?? {})) {
    yield* walk(child, `${path}.${name}`);
  }
  if (node.items) yield* walk(node.items as Node, `${path}[]`);
  if (typeof node.additionalProperties === 'object') yield* walk(node.additionalProperties as Node, `${path}{}`);
}

describe('CRD generation', () => {
  it('crds/ matches the generator output (run `npm run crds` after changing src/api)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', CRD_FILE), 'utf8');
    expect(committed).toBe(crdYaml());
  });

  it('names the resource as documented', () => {
    expect((crd.metadata as Node).name).toBe('mailsyncs.mailsync.io');
    const s = crd.spec as Node;
    expect(s.group).toBe('mailsync.io');
    expect(s.scope).toBe('Namespaced');
    expect(s.names).toMatchObject({ kind: 'MailSync', plural: 'mailsyncs', shortNames: ['ms'] });
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('has printer columns telling the story, with Pair and Job only in -o wide', () => {
    const columns = version.additionalPrinterColumns as Node[];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).toEqual(['Phase', 'Progress', 'Rate', 'Age']);
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(expect.arrayContaining(['Pair', 'Job']));
  });

  it('strips the local-only fields (files, environment variables): a MailSync names Secrets', () => {
    const source = props(spec).source as Node;
    for (const field of ['passwordFile', 'passwordEnv', 'oauth2TokenFile', 'caFile']) {
      expect(props(source)).not.toHaveProperty(field);
    }
    expect(props(source)).toHaveProperty('passwordSecretRef');
    expect(JSON.stringify(crd)).not.toContain('x-mailsync');
  });

  it('is structural: every node typed, no JSON-Schema-only keywords', () => {
    for (const [path, node] of walk(root)) {
      if (node['x-kubernetes-int-or-string'] === true) {
        expect(node.anyOf, path).toEqual([{ type: 'integer' }, { type: 'string' }]);
        continue;
      }
      expect(typeof node.type, path).toBe('string');
      for (const key of ['$id', 'anyOf', 'oneOf', 'const', 'patternProperties'])
        expect(node, path).not.toHaveProperty(key);
      if (node.additionalProperties !== undefined) expect(typeof node.additionalProperties, path).toBe('object');
      if ('exclusiveMinimum' in node) expect(node.exclusiveMinimum, path).toBe(true);
    }
  });

  it('turns literal unions into enums and keeps defaults', () => {
    const tls = props(props(spec).source as Node).tls as Node;
    expect(tls).toMatchObject({ type: 'string', enum: ['auto', 'implicit', 'starttls', 'none'], default: 'auto' });
    expect(props(spec).gracePeriodSeconds).toMatchObject({ type: 'integer', default: 30 });
    expect(props(status).phase).toMatchObject({
      type: 'string',
      enum: ['Pending', 'Queued', 'Waiting', 'Running', 'Succeeded', 'Failed', 'Aborted'],
    });
  });

  it('carries the CEL rules of the endpoints and the cross-field rules of the spec', () => {
    const source = props(spec).source as Node;
    expect((source['x-kubernetes-validations'] as Node[]).length).toBeGreaterThanOrEqual(3);
    const messages = (spec['x-kubernetes-validations'] as Node[]).map((r) => r.message);
    expect(messages).toContain('destination: the same account as source: a mailbox cannot be synced onto itself');
  });

  it('declares conditions as a list-map keyed by type', () => {
    expect(props(status).conditions).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
  });

  it('models resource quantities as int-or-string', () => {
    const requests = props(props(spec).resources as Node).requests as Node;
    expect(requests.additionalProperties).toMatchObject({ 'x-kubernetes-int-or-string': true });
  });

  it('parses back as YAML to the same object', () => {
    const text = crdYaml();
    expect(parse(text)).toEqual(crd);
  });

  it('rejects schema nodes it cannot type', () => {
    expect(() => toStructural({ description: 'untyped' })).toThrow(/without a type/);
    expect(toStructural(MailSyncSpec).type).toBe('object');
  });
});
