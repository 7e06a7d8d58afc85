import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMigrationCrd, MIGRATION_CRD_FILE, migrationCrdYaml } from '../../src/api/migration-crd.js';

type Node = Record<string, unknown>;
const crd = buildMigrationCrd() as Node;
const version = ((crd.spec as Node).versions as Node[])[0] as Node;
const root = (version.schema as Node).openAPIV3Schema as Node;
const props = (n: Node) => n.properties as Record<string, Node>;
const spec = props(root).spec as Node;

function* walk(node: Node, path = '$'): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties as Record<string, Node>) ?? {})) {
    yield* walk(child, `${path}.${name}`);
  }
  if (node.items) yield* walk(node.items as Node, `${path}[]`);
  if (typeof node.additionalProperties === 'object') yield* walk(node.additionalProperties as Node, `${path}{}`);
}

describe('MailMigration CRD', () => {
  it('crds/ matches the generator output (run `npm run crds` after changing src/api)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', MIGRATION_CRD_FILE), 'utf8');
    expect(committed).toBe(migrationCrdYaml());
  });

  it('is mailmigrations.mailsync.io, namespaced, short name mm, with a status subresource', () => {
    expect((crd.metadata as Node).name).toBe('mailmigrations.mailsync.io');
    expect(crd.spec).toMatchObject({
      group: 'mailsync.io',
      scope: 'Namespaced',
      names: { kind: 'MailMigration', plural: 'mailmigrations', shortNames: ['mm'] },
    });
    expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  });

  it('has the columns of `kubectl get mm`: pass, done/total, failed, running, queued, msgs/s, ETA, age', () => {
    const columns = version.additionalPrinterColumns as Node[];
    expect(columns.filter((c) => !c.priority).map((c) => [c.name, c.jsonPath])).toEqual([
      ['Phase', '.status.phase'],
      ['Pass', '.status.pass.id'],
      ['Done', '.status.accounts.display'],
      ['Failed', '.status.accounts.failed'],
      ['Running', '.status.accounts.running'],
      ['Queued', '.status.accounts.queued'],
      ['Rate', '.status.pass.rate'],
      ['ETA', '.status.pass.eta'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it('refuses CR, LF and NUL in every user name: inline accounts and the template admin login', () => {
    const users = [...walk(root)].filter(([path]) => /\.(user|authUser)$/.test(path));
    expect(users.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        '$.spec.accounts[].source.user',
        '$.spec.accounts[].destination.user',
        '$.spec.template.source.authUser',
        '$.spec.template.destination.authUser',
      ]),
    );
    for (const [path, node] of users) {
      const pattern = new RegExp(node.pattern as string);
      expect(pattern.test('joe@example.com'), path).toBe(true);
      for (const bad of ['joe\r\nA1 LOGOUT', 'joe\n', 'joe\u0000']) expect(pattern.test(bad), path).toBe(false);
    }
  });

  it('is structural, names Secrets only (no local files), and bounds inline accounts', () => {
    for (const [path, node] of walk(root)) {
      if (node['x-kubernetes-int-or-string'] === true) continue;
      expect(typeof node.type, path).toBe('string');
      for (const key of ['$id', 'anyOf', 'oneOf', 'const', 'patternProperties'])
        expect(node, path).not.toHaveProperty(key);
    }
    const text = JSON.stringify(crd);
    for (const local of ['passwordFile', 'passwordEnv', 'oauth2TokenFile', 'caFile', 'x-mailsync']) {
      expect(text).not.toContain(local);
    }
    expect(props(spec).accounts).toMatchObject({ type: 'array', maxItems: 5000 });
  });

  it('keeps the template sides partial (no user: it is per account) with the endpoint CEL rules', () => {
    const source = props(props(spec).template as Node).source as Node;
    expect(source.required).toBeUndefined();
    expect(props(source)).not.toHaveProperty('user');
    expect(props(source)).toHaveProperty('authUser');
    expect(JSON.stringify(source['x-kubernetes-validations'])).toContain('allowPlaintext');
    expect(props(props(spec).template as Node)).not.toHaveProperty('suspend');
  });

  it('requires exactly one way of giving accounts and a name short enough to be a label value', () => {
    expect(JSON.stringify(spec['x-kubernetes-validations'])).toContain('has(self.accounts) != has(self.accountsFrom)');
    expect(JSON.stringify(root['x-kubernetes-validations'])).toContain('self.metadata.name.size() <= 63');
    expect(props(props(spec).accountsFrom as Node).format).toMatchObject({
      enum: ['imapsync', 'csv'],
      default: 'imapsync',
    });
  });
});
