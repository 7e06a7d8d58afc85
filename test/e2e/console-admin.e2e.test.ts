/**
 * The console's admin view against a real API server: the real TokenReview of ServiceAccount tokens
 * (TokenRequest) and the real SubjectAccessReview of their RBAC, with the console acting with the
 * test's kubeconfig (as its own ServiceAccount would, with the chart's console.admin RBAC). A user
 * with a Role in the namespace uploads an account file (a Secret and a MailMigration the real CRD
 * accepts), sees it listed, suspends it and downloads its report; a user without RBAC gets a 403
 * naming what was refused. No controller runs: only the console's decisions are under test.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMigration } from '../../src/api/migration-object.js';
import { adminApp } from '../../src/console/admin/admin-app.js';
import { parseTrustedProxies } from '../../src/console/admin/trusted-proxies.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { fakeConsole } from '../unit/console/fakes.js';
import { clusterSkipReason, connect, createNamespace, deleteNamespace, installCrd } from './helpers/kube.js';
import { getMigration, installMigrationCrd } from './helpers/migration.js';
import { grantMigrationRole, serviceAccountToken } from './helpers/rbac.js';

const skip = clusterSkipReason();
if (skip) console.warn(`SKIPPED test/e2e/console-admin.e2e.test.ts: ${skip}`);

const FILE = 'imap.old.example;joe;E2e-Secret-1;imap.new.example;joe;E2e-Secret-2\n';

describe.skipIf(skip)('the console admin view on a real API server', { timeout: 180_000 }, () => {
  let client: KubeClient;
  let ns: string;
  let app: ReturnType<typeof fakeConsole>['app'];
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    ({ client } = await connect());
    await installCrd(client);
    await installMigrationCrd(client);
    ns = await createNamespace(client, 'e2e-admin');
    await grantMigrationRole(client, ns, 'operator');
    tokens.operator = await serviceAccountToken(client, ns, 'operator');
    tokens.nobody = await serviceAccountToken(client, ns, 'nobody');
    const admin = adminApp({
      client,
      namespaces: [ns],
      key: Buffer.alloc(32, 3),
      trustedProxies: parseTrustedProxies(undefined),
      maxRunningPerHost: 0,
      secureCookies: false,
      log: pino({ level: 'silent' }),
    });
    ({ app } = fakeConsole({ admin }));
  });

  afterAll(async () => {
    if (ns) await deleteNamespace(client, ns);
    client?.close();
  });

  const bearer = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });

  async function csrf(who: string) {
    const res = await app.request('/admin', { headers: bearer(who) });
    return {
      status: res.status,
      cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
      token: /name="csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? '',
    };
  }

  it('a user with a Role uploads an account file, sees the migration, suspends it, downloads its report', async () => {
    const { status, cookie, token } = await csrf('operator');
    expect(status).toBe(200);
    const form = new FormData();
    form.set('csrf', token);
    form.set('namespace', ns);
    form.set('name', 'acme');
    form.set('file', new File([FILE], 'file.txt', { type: 'text/plain' }));
    const upload = await app.request('/admin/upload', {
      method: 'POST',
      headers: { ...bearer('operator'), Cookie: cookie },
      body: form,
    });
    expect(upload.status).toBe(303);
    const mm = (await getMigration(client, ns, 'acme')) as MailMigration;
    expect(mm.spec.accountsFrom).toEqual({ secretRef: { name: 'acme-accounts', key: 'file.txt' }, format: 'imapsync' });

    const page = await (await app.request('/admin', { headers: bearer('operator') })).text();
    expect(page).toContain(`data-migration="${ns}/acme"`);
    expect(page).not.toContain('E2e-Secret');

    const suspend = await app.request('/admin/action', {
      method: 'POST',
      headers: { ...bearer('operator'), Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: token,
        kind: 'mailmigrations',
        namespace: ns,
        name: 'acme',
        action: 'suspend',
      }).toString(),
    });
    expect(suspend.status).toBe(303);
    expect((await getMigration(client, ns, 'acme'))?.spec.suspend).toBe(true);

    const report = await app.request(`/admin/report/${ns}/acme.csv`, { headers: bearer('operator') });
    expect(report.status).toBe(200);
    expect((await report.text()).split('\n')[0]).toMatch(/^line,account,/);
  });

  it('a user without RBAC in the namespace gets a 403 naming what was refused', async () => {
    const res = await app.request('/admin', { headers: bearer('nobody') });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain(
      `Your Kubernetes permissions do not allow: list mailmigrations.mailsync.io in namespace ${ns}`,
    );
    const forged = await app.request('/admin', { headers: { Authorization: 'Bearer not-a-token' } });
    expect(forged.status).toBe(401);
  });
});
