/**
 * The accounts of a migration as read: inline from the spec, or the account
 * file from its Secret. Read, used, dropped: the file is fetched and parsed
 * for each reconcile and nothing of it is kept afterwards (the parsed rows
 * hold the passwords, which the controller must not keep in memory while the
 * migration exists). Never logged, never in status. The parse costs about a
 * fifth of what resolving the accounts costs anyway at every reconcile.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { parseAccountFile } from '../../api/accounts-file.js';
import type { AccountInput } from '../../api/migration-accounts.js';
import type { MailMigration } from '../../api/migration-object.js';
import { isNotFound, type KubeClient } from '../../kube/kube-client.js';
import { paths } from './paths.js';

export type AccountsRead = { input: AccountInput } | { unreadable: { reason: string; message: string } };

/** Reads a migration's accounts; holds nothing between two reads. */
export class AccountFiles {
  constructor(readonly client: KubeClient) {}

  async read(mm: MailMigration): Promise<AccountsRead> {
    if (mm.spec.accounts) return { input: { kind: 'inline', accounts: mm.spec.accounts } };
    const from = mm.spec.accountsFrom;
    if (!from) return { unreadable: { reason: 'NoAccounts', message: 'neither accounts nor accountsFrom is set' } };
    const namespace = mm.metadata.namespace ?? '';
    const format = from.format ?? 'imapsync';
    let secret: V1Secret;
    try {
      secret = await this.client.get<V1Secret>(paths.secret(namespace, from.secretRef.name));
    } catch (error) {
      if (isNotFound(error)) {
        return {
          unreadable: { reason: 'SecretNotFound', message: `Secret ${namespace}/${from.secretRef.name} not found` },
        };
      }
      throw error;
    }
    const data = secret.data?.[from.secretRef.key];
    if (data === undefined) {
      return {
        unreadable: {
          reason: 'SecretKeyNotFound',
          message: `Secret ${namespace}/${from.secretRef.name} has no key '${from.secretRef.key}'`,
        },
      };
    }
    const parsed = parseAccountFile(Buffer.from(data, 'base64').toString('utf8'), format);
    return { input: { kind: 'file', rows: parsed.rows, errors: parsed.errors } };
  }
}
