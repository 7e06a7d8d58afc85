/**
 * The caps of MailMigrations (spec.concurrency, and the per-host limits its
 * `auto` chose in status.concurrency), read from an informer on
 * mailmigrations. The controller waits for its first list before it
 * reconciles (no sync is admitted past a cap nobody has read yet); without
 * the MailMigration CRD (or without the right to read it) there are no
 * migration caps, and the informer keeps trying in the background.
 */
import type { Logger } from 'pino';
import type { Concurrency } from '../../api/migration-spec.js';
import { InformerSet } from '../../kube/informers.js';
import { isNotFound, KubeApiError, type KubeClient } from '../../kube/kube-client.js';
import { segment } from '../../kube/paths.js';
import type { HostRole } from './aimd.js';
import { autoLimitKey, type GroupCaps } from './decide.js';

/** What this file reads of a MailMigration (the full type is the migration controller's). */
export interface MigrationCapsView {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: { concurrency?: Concurrency; accountsPerWorker?: number };
  status?: { concurrency?: { hosts?: { role: HostRole; host: string; limit: number }[] } };
  /** Kept in the cache instead of spec and status: the caps, with the auto limits by host. */
  caps?: GroupCaps;
  /** spec.accountsPerWorker when above 1 (packed runs: batch-packer.ts). */
  accountsPerWorker?: number;
}

export const mailMigrationsPath = (ns?: string) =>
  ns
    ? `/apis/mailsync.io/v1alpha1/namespaces/${segment(ns)}/mailmigrations`
    : '/apis/mailsync.io/v1alpha1/mailmigrations';

/** Only the caps are cached (thousands of inline accounts are not), with the limits concurrency: auto chose. */
export function trimMigration(obj: MigrationCapsView): MigrationCapsView {
  const perWorker = obj.spec?.accountsPerWorker;
  const packed = typeof perWorker === 'number' && perWorker > 1 ? { accountsPerWorker: perWorker } : {};
  const concurrency = obj.spec?.concurrency;
  if (!concurrency) return { metadata: obj.metadata, ...packed };
  const caps: GroupCaps = { ...concurrency };
  if (concurrency.auto) {
    const limits: Record<string, number> = {};
    for (const h of obj.status?.concurrency?.hosts ?? []) limits[autoLimitKey(h.role, h.host)] = h.limit;
    caps.autoLimits = limits;
  }
  return { metadata: obj.metadata, caps, ...packed };
}

export class MigrationCaps {
  readonly informers: InformerSet<MigrationCapsView>;
  #listed = false;

  constructor(
    readonly client: KubeClient,
    readonly namespaces: readonly string[],
    readonly log: Logger,
    relistEveryMs: number,
  ) {
    this.informers = new InformerSet<MigrationCapsView>(client, namespaces, mailMigrationsPath, {
      name: 'mailmigrations',
      transform: trimMigration,
      relistEveryMs,
      log,
    });
  }

  /** The caps of the migration "namespace/name". */
  caps(group: string): GroupCaps | undefined {
    const slash = group.indexOf('/');
    return this.informers.get(group.slice(slash + 1), group.slice(0, slash))?.caps;
  }

  /** Accounts per worker pod of the migration "namespace/name" (1: a pod per account). */
  accountsPerWorker(group: string): number {
    const slash = group.indexOf('/');
    return this.informers.get(group.slice(slash + 1), group.slice(0, slash))?.accountsPerWorker ?? 1;
  }

  /** Changes with every change of the cache (caps() may answer differently). */
  get version(): number {
    return this.informers.version;
  }

  /** The migrations were listed (then uidOf is authoritative). */
  get listed(): boolean {
    return this.#listed;
  }

  /** UID of the migration `namespace/name`, undefined when there is none. */
  uidOf(namespace: string, name: string): string | undefined {
    return this.informers.get(name, namespace)?.metadata?.uid;
  }

  onChange(handler: () => void): void {
    this.informers.onChange(handler);
  }

  /** Resolves once the caps are known (listed, or the CRD is not installed: no migrations). */
  async start(): Promise<void> {
    const targets = this.namespaces.length === 0 ? [undefined] : this.namespaces;
    let installed = true;
    try {
      await this.client.get(mailMigrationsPath(targets[0]), { limit: 1 });
    } catch (error) {
      const forbidden = error instanceof KubeApiError && error.status === 403;
      if (!isNotFound(error) && !forbidden) throw error;
      installed = false;
      this.log.warn(
        { err: String(error) },
        forbidden
          ? 'no permission to read MailMigrations: migration caps are not applied (check the RBAC)'
          : 'MailMigration CRD not installed: no migration caps (watching for it)',
      );
    }
    const listed = this.informers.start().then(() => {
      this.#listed = true;
    });
    if (installed) await listed;
  }

  stop(): void {
    this.informers.stop();
  }
}
