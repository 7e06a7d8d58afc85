/**
 * The console's writes to the API server: start a self-service sync (Secret,
 * then MailSync, then the Secret made owned by the MailSync so that deleting
 * the MailSync deletes the passwords too), abort one (delete the MailSync),
 * and remove the passwords when a run has ended. It acts with the console's
 * service account, in its own namespace only.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, GROUP, KIND, type MailSync, PLURAL, VERSION } from '../api/mailsync.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import { apiPath, paths } from '../kube/paths.js';
import { secretName as secretNameOf } from './sync-objects.js';

export const consolePaths = {
  mailSyncs: (ns: string) => apiPath`/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`,
  mailSync: (ns: string, name: string) => apiPath`/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}/${name}`,
  secrets: (ns: string) => apiPath`/api/v1/namespaces/${ns}/secrets`,
};

export interface SyncStore {
  start(secret: V1Secret, mailSync: MailSync): Promise<void>;
  abort(name: string): Promise<void>;
  /** Deletes the Secret of a sync whose run has ended (nothing if it is gone already). */
  forgetPasswords(name: string): Promise<void>;
}

export class KubeSyncStore implements SyncStore {
  constructor(
    readonly client: KubeClient,
    readonly namespace: string,
    readonly log: Logger,
  ) {}

  async start(secret: V1Secret, mailSync: MailSync): Promise<void> {
    const ns = this.namespace;
    const stored = await this.client.create<V1Secret>(consolePaths.secrets(ns), secret);
    const secretName = stored.metadata?.name ?? '';
    let created: MailSync;
    try {
      created = await this.client.create<MailSync>(consolePaths.mailSyncs(ns), mailSync);
    } catch (error) {
      await this.#deleteSecret(secretName);
      throw error;
    }
    const owner = {
      apiVersion: API_VERSION,
      kind: KIND,
      name: created.metadata.name ?? '',
      uid: created.metadata.uid ?? '',
    };
    // An update of the object just created (its resourceVersion is the precondition): the console's
    // Role may create, update and delete Secrets, never patch or read them.
    const owned = { ...stored, metadata: { ...stored.metadata, ownerReferences: [owner] } };
    await this.client.replace(paths.secret(ns, secretName), owned).catch((error: unknown) => {
      // Not fatal: the Secret is still deleted when the run ends (forgetPasswords).
      this.log.warn(
        { sync: created.metadata.name, reason: (error as { reason?: string }).reason },
        'could not make the Secret owned by its MailSync',
      );
    });
  }

  async abort(name: string): Promise<void> {
    try {
      await this.client.delete(consolePaths.mailSync(this.namespace, name), { propagationPolicy: 'Background' });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  forgetPasswords(name: string): Promise<void> {
    return this.#deleteSecret(secretNameOf(name));
  }

  async #deleteSecret(name: string): Promise<void> {
    try {
      await this.client.delete(paths.secret(this.namespace, name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
