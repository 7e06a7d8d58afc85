/**
 * The MailSync API on a real API server: CRD install, schema validation with
 * readable messages (at least 20 bad manifests), defaults, the status
 * subresource, finalizer and owner-reference behaviour. No controller runs
 * here: these are the guarantees Kubernetes itself gives the controller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailMigrationSpec } from '../../src/api/migration-spec.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { paths } from '../../src/controller/paths.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { BAD_SPECS as BAD, type Doc, validSpec as valid } from './helpers/bad-specs.js';
import {
  clusterSkipReason,
  connect,
  createNamespace,
  deleteNamespace,
  getMailSync,
  installCrd,
  mailSyncObject,
  rejection,
  waitFor,
} from './helpers/kube.js';
import { createMigration, installMigrationCrd } from './helpers/migration.js';

const skip = clusterSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/crd.e2e.test.ts: ${skip}`);

describe.skipIf(skip)('MailSync CRD on a real API server', () => {
  let client: KubeClient;
  let ns: string;

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-crd');
  });
  afterAll(async () => {
    if (client && ns) await deleteNamespace(client, ns);
  });

  it(`rejects ${BAD.length} bad manifests, each with a message naming the field and the rule`, async () => {
    expect(BAD.length).toBeGreaterThanOrEqual(20);
    const results: string[] = [];
    for (const [what, mutate, expected] of BAD) {
      const spec = valid() as Doc;
      mutate(spec);
      const message = await rejection(
        client.create(paths.mailSyncs(ns), mailSyncObject(ns, 'bad', spec as MailSyncSpec)),
      ).catch((error: unknown) => `${what}: ${String(error)}`);
      if (!expected.test(message)) results.push(`${what}: ${message}`);
    }
    expect(results, 'messages that do not say what is wrong').toEqual([]);
    // A missing spec altogether.
    const noSpec = await rejection(
      client.create(paths.mailSyncs(ns), {
        apiVersion: 'mailsync.io/v1alpha1',
        kind: 'MailSync',
        metadata: { name: 'x' },
      }),
    );
    expect(noSpec).toMatch(/spec: Required value/);
  });

  it('rejects MailMigrations whose user names (inline accounts, template admin login) hold CR, LF or NUL', async () => {
    await installMigrationCrd(client);
    const spec = (mutate: (s: Doc) => void): MailMigrationSpec => {
      const s: Doc = {
        template: { source: { host: 'imap.source.example' }, destination: { host: 'imap.dest.example' } },
        accounts: [{ source: { user: 'alice', passwordSecretRef: { name: 'creds', key: 'alice' } } }],
      };
      mutate(s);
      return s as MailMigrationSpec;
    };
    const bad: [string, (s: Doc) => void, RegExp][] = [
      [
        'inline source user with CR/LF',
        (s) => (s.accounts[0].source.user = 'a\r\nA1 LOGOUT'),
        /accounts\[0\]\.source\.user.*should match/,
      ],
      [
        'inline destination user with NUL',
        (s) => (s.accounts[0].destination = { user: 'a\u0000' }),
        /accounts\[0\]\.destination\.user.*should match/,
      ],
      [
        'template admin login with LF',
        (s) => (s.template.destination.authUser = 'admin\n'),
        /template\.destination\.authUser.*should match/,
      ],
    ];
    const results: string[] = [];
    for (const [what, mutate, expected] of bad) {
      const message = await rejection(createMigration(client, ns, 'bad-user', spec(mutate)));
      if (!expected.test(message)) results.push(`${what}: ${message}`);
    }
    expect(results, 'messages that do not name the field').toEqual([]);
  });

  it('has no field for an inline password or a local file (strict validation rejects them)', async () => {
    for (const field of ['password', 'passwordFile', 'passwordEnv']) {
      const spec = valid() as Doc;
      spec.source[field] = 'hunter2';
      const message = await rejection(
        client.request('POST', paths.mailSyncs(ns), {
          body: mailSyncObject(ns, `strict-${field.toLowerCase()}`, spec as MailSyncSpec),
          query: { fieldValidation: 'Strict' },
        }),
      );
      expect(message).toMatch(new RegExp(`unknown field "spec\\.source\\.${field}"`));
      expect(message).not.toContain('hunter2');
    }
  });

  it('fills in the defaults from the schema', async () => {
    const created = await client.create<MailSync>(paths.mailSyncs(ns), mailSyncObject(ns, 'defaults', valid()));
    expect(created.spec.source.tls).toBe('auto');
    expect(created.spec.gracePeriodSeconds).toBe(30);
    expect(created.spec.backoffLimit).toBe(1);
    expect(created.spec.suspend).toBe(false);
    expect(created.spec.errorsMax).toBe(50);
    expect(created.metadata.generation).toBe(1);
  });

  it('keeps status behind the status subresource; status writes do not bump the generation', async () => {
    const created = await client.create<MailSync>(paths.mailSyncs(ns), mailSyncObject(ns, 'status', valid()));
    // Status in a main-resource update is ignored.
    const updated = await client.replace<MailSync>(paths.mailSync(ns, 'status'), {
      ...created,
      status: { phase: 'Succeeded' },
    });
    expect(updated.status).toBeUndefined();
    const patched = await client.mergePatch<MailSync>(paths.mailSyncStatus(ns, 'status'), {
      status: {
        phase: 'Running',
        progress: { display: '1/2', messagesCopied: 1, messagesTotal: 2 },
        logTail: ['line 1'],
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Running',
            message: 'm',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    });
    expect(patched.status?.phase).toBe('Running');
    expect(patched.metadata.generation).toBe(1);
    // A merge patch with null removes a field; the rest stays.
    const again = await client.mergePatch<MailSync>(paths.mailSyncStatus(ns, 'status'), {
      status: { logTail: null, phase: 'Succeeded' },
    });
    expect(again.status).toMatchObject({ phase: 'Succeeded', progress: { display: '1/2' } });
    expect(again.status?.logTail).toBeUndefined();
    // The status schema is enforced too.
    const bad = await rejection(
      client.mergePatch(paths.mailSyncStatus(ns, 'status'), { status: { phase: 'Exploded' } }),
    );
    expect(bad).toMatch(/status\.phase.*Unsupported value: "Exploded"/);
    const tooLong = await rejection(
      client.mergePatch(paths.mailSyncStatus(ns, 'status'), {
        status: { logTail: Array.from({ length: 51 }, (_, i) => `line ${i}`) },
      }),
    );
    expect(tooLong).toMatch(/status\.logTail.*must have at most 50 items/);
  });

  it('holds a deleted MailSync until the finalizer goes, then garbage-collects what it owns', async () => {
    const created = await client.create<MailSync>(paths.mailSyncs(ns), {
      ...mailSyncObject(ns, 'finalized', valid()),
      metadata: { name: 'finalized', namespace: ns, finalizers: ['mailsync.io/abort'] },
    });
    const owned = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'owned-by-finalized',
        namespace: ns,
        ownerReferences: [
          {
            apiVersion: 'mailsync.io/v1alpha1',
            kind: 'MailSync',
            name: 'finalized',
            uid: created.metadata.uid!,
            controller: true,
          },
        ],
      },
      data: { a: 'b' },
    };
    await client.create(paths.configMaps(ns), owned);
    await client.delete(paths.mailSync(ns, 'finalized'));
    const deleting = await getMailSync(client, ns, 'finalized');
    expect(deleting?.metadata.deletionTimestamp).toBeDefined();
    // Still there: the controller would now abort the run.
    await client.mergePatch(paths.mailSync(ns, 'finalized'), { metadata: { finalizers: null } });
    await waitFor('MailSync gone', async () => (await getMailSync(client, ns, 'finalized')) === undefined);
    await waitFor(
      'owned ConfigMap garbage-collected',
      async () => {
        try {
          await client.get(paths.configMap(ns, 'owned-by-finalized'));
          return false;
        } catch {
          return true;
        }
      },
      120_000,
    );
  });

  it('shows Phase, Progress, Rate and Age in the table view (kubectl get ms), Pair and Job with -o wide', async () => {
    const table = await client.request<{ columnDefinitions: { name: string; priority: number }[] }>(
      'GET',
      paths.mailSyncs(ns),
      { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    );
    const columns = (priority: number) =>
      table.columnDefinitions.filter((c) => c.priority === priority).map((c) => c.name);
    expect(columns(0)).toEqual(['Name', 'Phase', 'Progress', 'Rate', 'Age']);
    expect(columns(1)).toEqual(expect.arrayContaining(['Pair', 'Job']));
  });
});
