/**
 * The admin view's reads and writes through the API server, with the
 * console's ServiceAccount; every call here comes after the signed-in user's
 * SubjectAccessReview for the same verb, resource, namespace and name
 * (admin-routes.ts). Abort is a delete; suspend and resume patch
 * spec.suspend (MailSync and MailMigration both have it); run now sets the
 * mailsync.io/requested-at annotation; an upload writes the account file's
 * Secret, then the MailMigration (the Secret is removed again if the
 * MailMigration cannot be written), then makes the Secret owned by the
 * MailMigration so that deleting the migration deletes the passwords.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { ANNOTATION_REQUESTED_AT, API_VERSION, GROUP, type MailSync, PLURAL, VERSION } from '../../api/mailsync.js';
import { LABEL_MIGRATION, MIGRATION_KIND, MIGRATION_PLURAL } from '../../api/migration.js';
import type { MailMigration } from '../../api/migration-object.js';
import { isNotFound, type KubeClient } from '../../kube/kube-client.js';
import { apiPath, paths } from '../../kube/paths.js';

export type AdminKind = 'mailmigrations' | 'mailsyncs';
export const ADMIN_KINDS: readonly AdminKind[] = [MIGRATION_PLURAL, PLURAL] as AdminKind[];

export const adminPaths = {
  collection: (kind: AdminKind, ns: string) => apiPath`/apis/${GROUP}/${VERSION}/namespaces/${ns}/${kind}`,
  item: (kind: AdminKind, ns: string, name: string) =>
    apiPath`/apis/${GROUP}/${VERSION}/namespaces/${ns}/${kind}/${name}`,
  secrets: (ns: string) => apiPath`/api/v1/namespaces/${ns}/secrets`,
};

export interface AdminStore {
  migrations(namespace: string): Promise<MailMigration[]>;
  syncs(namespace: string, migration?: string): Promise<MailSync[]>;
  migration(namespace: string, name: string): Promise<MailMigration | undefined>;
  remove(kind: AdminKind, namespace: string, name: string): Promise<void>;
  setSuspend(kind: AdminKind, namespace: string, name: string, suspend: boolean): Promise<void>;
  runNow(kind: AdminKind, namespace: string, name: string, at: Date): Promise<void>;
  /** Throws the API error (AlreadyExists, Invalid...) when either object cannot be written. */
  createImport(namespace: string, secret: V1Secret, migration: MailMigration): Promise<void>;
}

export class KubeAdminStore implements AdminStore {
  constructor(readonly client: KubeClient) {}

  async migrations(namespace: string): Promise<MailMigration[]> {
    const list = await this.client.get<{ items?: MailMigration[] }>(adminPaths.collection(MIGRATION_PLURAL, namespace));
    return list.items ?? [];
  }

  async syncs(namespace: string, migration?: string): Promise<MailSync[]> {
    const query = migration ? { labelSelector: `${LABEL_MIGRATION}=${migration}` } : undefined;
    const list = await this.client.get<{ items?: MailSync[] }>(adminPaths.collection(PLURAL, namespace), query);
    return list.items ?? [];
  }

  async migration(namespace: string, name: string): Promise<MailMigration | undefined> {
    try {
      return await this.client.get<MailMigration>(adminPaths.item(MIGRATION_PLURAL, namespace, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async remove(kind: AdminKind, namespace: string, name: string): Promise<void> {
    try {
      await this.client.delete(adminPaths.item(kind, namespace, name), { propagationPolicy: 'Background' });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async setSuspend(kind: AdminKind, namespace: string, name: string, suspend: boolean): Promise<void> {
    await this.client.mergePatch(adminPaths.item(kind, namespace, name), { spec: { suspend } });
  }

  async runNow(kind: AdminKind, namespace: string, name: string, at: Date): Promise<void> {
    const patch = { metadata: { annotations: { [ANNOTATION_REQUESTED_AT]: at.toISOString() } } };
    await this.client.mergePatch(adminPaths.item(kind, namespace, name), patch);
  }

  async createImport(namespace: string, secret: V1Secret, migration: MailMigration): Promise<void> {
    const stored = await this.client.create<V1Secret>(adminPaths.secrets(namespace), secret);
    const secretName = stored.metadata?.name ?? '';
    let created: MailMigration;
    try {
      created = await this.client.create<MailMigration>(adminPaths.collection(MIGRATION_PLURAL, namespace), migration);
    } catch (error) {
      await this.client.delete(paths.secret(namespace, secretName)).catch(() => {});
      throw error;
    }
    const owner = {
      apiVersion: API_VERSION,
      kind: MIGRATION_KIND,
      name: created.metadata.name ?? '',
      uid: created.metadata.uid ?? '',
    };
    // Not fatal if it fails: the migration works; the Secret then outlives it (kubectl delete it).
    await this.client
      .replace(paths.secret(namespace, secretName), {
        ...stored,
        metadata: { ...stored.metadata, ownerReferences: [owner] },
      })
      .catch(() => {});
  }
}
