/** e2e helpers for MailMigrations: the CRD, the objects, the report through the CLI. */
import type { MailSync } from '../../../src/api/mailsync.js';
import { LABEL_MIGRATION, MIGRATION_CRD_NAME } from '../../../src/api/migration.js';
import { buildMigrationCrd } from '../../../src/api/migration-crd.js';
import type { MailMigration } from '../../../src/api/migration-object.js';
import type { MailMigrationSpec } from '../../../src/api/migration-spec.js';
import { paths } from '../../../src/controller/migration/paths.js';
import { isAlreadyExists, isNotFound, type KubeClient } from '../../../src/kube/kube-client.js';
import type { DovecotPair } from '../../harness/dovecot.js';
import { waitFor } from './kube.js';
import { addUserOnBoth, seedMailbox } from './mail.js';

/** Create or update the MailMigration CRD from the generator and wait until it is served. */
export async function installMigrationCrd(client: KubeClient): Promise<void> {
  const crd = buildMigrationCrd() as { metadata: { resourceVersion?: string } };
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${MIGRATION_CRD_NAME}`;
  try {
    await client.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const existing = await client.get<{ metadata: { resourceVersion: string } }>(path);
    await client.replace(path, {
      ...crd,
      metadata: { ...crd.metadata, resourceVersion: existing.metadata.resourceVersion },
    });
  }
  await waitFor('MailMigration API served', async () => {
    await client.get(paths.mailMigrations('default'));
    return true;
  });
}

export async function createMigration(client: KubeClient, namespace: string, name: string, spec: MailMigrationSpec) {
  const body: MailMigration = {
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailMigration',
    metadata: { name, namespace },
    spec,
  };
  return client.create<MailMigration>(paths.mailMigrations(namespace), body);
}

export async function getMigration(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<MailMigration | undefined> {
  try {
    return await client.get<MailMigration>(paths.mailMigration(namespace, name));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function childrenOf(client: KubeClient, namespace: string, migration: string): Promise<MailSync[]> {
  const list = await client.get<{ items: MailSync[] }>(paths.mailSyncs(namespace), {
    labelSelector: `${LABEL_MIGRATION}=${migration}`,
  });
  return list.items;
}

export async function secretsOf(client: KubeClient, namespace: string, migration: string) {
  const list = await client.get<{ items: { metadata: { name: string; ownerReferences?: { uid: string }[] } }[] }>(
    paths.secrets(namespace),
    { labelSelector: `${LABEL_MIGRATION}=${migration}` },
  );
  return list.items;
}

/**
 * The template of the e2e migrations: the pair's implicit-TLS ports on 127.0.0.1, its CA from the
 * Secret `ca` (key ca.crt) that the test creates in its namespace.
 */
export function migrationTemplate(pair: DovecotPair) {
  const side = (port: number) => ({
    host: '127.0.0.1',
    port,
    tls: 'implicit' as const,
    caSecretRef: { name: 'ca', key: 'ca.crt' },
  });
  return { source: side(pair.a.implicitTlsPort), destination: side(pair.b.implicitTlsPort) };
}

/**
 * Accounts of an imapsync file.txt for a test: each user made on both servers
 * with random passwords (kept in `secrets`: none may show anywhere), its
 * mailbox seeded, and its line `;user;pw1;;user;pw2;[options]` (hosts from the
 * template). `pair` is read when a user is made (tests start it in beforeAll).
 */
export function fileAccounts(pair: () => DovecotPair) {
  const secrets: string[] = [];
  const passwords = new Map<string, { a: string; b: string }>();
  return {
    secrets,
    async user(name: string, messages: number): Promise<number> {
      const pw = {
        a: `src-${name}-${Math.random().toString(36).slice(2)}`,
        b: `dst-${name}-${Math.random().toString(36).slice(2)}`,
      };
      secrets.push(pw.a, pw.b);
      passwords.set(name, pw);
      await addUserOnBoth(pair(), name, pw);
      return messages > 0 ? seedMailbox(pair().a, name, messages) : 0;
    },
    line(name: string, options = ''): string {
      const pw = passwords.get(name)!;
      return `;${name};${pw.a};;${name};${pw.b};${options}`;
    },
  };
}
