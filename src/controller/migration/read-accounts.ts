/**
 * The accounts of a migration as read: inline from the spec, or the account
 * file from its Secret (parsed once per Secret version). The file's text is
 * kept only as long as the parse takes; never logged, never in status.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { parseAccountFile } from '../../api/accounts-file.js';
import type { AccountInput } from '../../api/migration-accounts.js';
import type { MailMigration } from '../../api/migration-object.js';
import { isNotFound, type KubeClient } from '../../kube/kube-client.js';
import { paths } from './paths.js';

export type AccountsRead = { input: AccountInput } | { unreadable: { reason: string; message: string } };

interface Parsed {
  version: string;
  input: AccountInput;
}

/** Parsed account files by Secret UID (one entry per migration's Secret, dropped with the migration). */
export class AccountFiles {
  readonly #parsed = new Map<string, Parsed>();

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
    const cacheKey = `${mm.metadata.uid}`;
    const version = `${secret.metadata?.uid}/${secret.metadata?.resourceVersion}/${from.secretRef.key}/${format}`;
    const cached = this.#parsed.get(cacheKey);
    if (cached?.version === version) return { input: cached.input };
    const parsed = parseAccountFile(Buffer.from(data, 'base64').toString('utf8'), format);
    const input: AccountInput = { kind: 'file', rows: parsed.rows, errors: parsed.errors };
    this.#parsed.set(cacheKey, { version, input });
    return { input };
  }

  forget(migrationUid: string): void {
    this.#parsed.delete(migrationUid);
  }
}
