/**
 * The MailMigration controller, beside the MailSync controller in the same
 * process: its own informers (MailMigrations; MailSyncs and Secrets labelled
 * mailsync.io/migration), its own work queue and workers. A change of a child
 * re-queues its migration after a short delay, so that a thousand children
 * reporting progress cost one reconcile of the migration every few seconds.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type MailSync, objectKey } from '../../api/mailsync.js';
import { LABEL_MIGRATION } from '../../api/migration.js';
import type { MailMigration } from '../../api/migration-object.js';
import type { MailMigrationStatus } from '../../api/migration-status.js';
import { extraOptionsToSpec } from '../../imapsync/extra-options.js';
import { EventRecorder } from '../../kube/event-recorder.js';
import { InformerSet } from '../../kube/informers.js';
import type { KubeClient } from '../../kube/kube-client.js';
import { ExponentialBackoff, runWorkers, WorkQueue } from '../../kube/workqueue.js';
import { withDigestedData } from './child-objects.js';
import { paths } from './paths.js';
import { AccountFiles } from './read-accounts.js';
import { type MigrationContext, reconcileMigration } from './reconcile.js';
import { isReconcileTrigger, triggerFingerprint } from './reconcile-trigger.js';

export interface MigrationControllerOptions {
  /** Namespaces to watch; empty = all. */
  namespaces: string[];
  /** Migrations reconciled in parallel. */
  concurrency: number;
  /** Replace each informer this often. */
  informerRestartMs: number;
  /** Re-enqueue every migration this often. */
  resyncMs: number;
  /** A child's change re-queues its migration after this delay (coalescing). */
  childDelayMs?: number;
}

/** What the migration reads of a child: everything but the log tail and stream position (the bulk of a status). */
export function trimChild(child: MailSync): MailSync {
  if (!child.status) return child;
  const { logTail: _t, logStream: _s, ...status } = child.status;
  return { ...child, status };
}

export class MigrationController {
  readonly queue: WorkQueue;
  readonly migrations: InformerSet<MailMigration>;
  readonly children: InformerSet<MailSync>;
  readonly secrets: InformerSet<V1Secret>;
  readonly ctx: MigrationContext;
  #timers: NodeJS.Timeout[] = [];
  #workers?: Promise<void>;

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly options: MigrationControllerOptions,
  ) {
    const informerLog = log.child({ component: 'informer' });
    const common = { relistEveryMs: options.informerRestartMs, log: informerLog };
    this.migrations = new InformerSet<MailMigration>(client, options.namespaces, paths.mailMigrations, {
      name: 'mailmigrations',
      ...common,
    });
    this.children = new InformerSet<MailSync>(client, options.namespaces, paths.mailSyncs, {
      name: 'migration-children',
      labelSelector: LABEL_MIGRATION,
      transform: trimChild,
      ...common,
    });
    this.secrets = new InformerSet<V1Secret>(client, options.namespaces, paths.secrets, {
      name: 'migration-secrets',
      labelSelector: LABEL_MIGRATION,
      // Digests, never the passwords: the cache only tells whether a Secret is current.
      transform: withDigestedData,
      ...common,
    });
    this.queue = new WorkQueue('mailmigration', undefined, new ExponentialBackoff(1000, 120_000));
    const accountFiles = new AccountFiles(client);
    const written = new Map<string, MailMigrationStatus>();
    this.ctx = {
      client,
      log,
      events: new EventRecorder(client, log.child({ component: 'events' }), 'mailsync-controller'),
      accountFiles,
      optionsToSpec: extraOptionsToSpec,
      migration: (namespace, name) => this.migrations.get(name, namespace),
      childrenOf: (namespace, name) => this.#labelled(this.children.list(), namespace, name),
      secretsOf: (namespace, name) => this.#labelled(this.secrets.list(), namespace, name),
      written,
      auto: new Map(),
      now: () => new Date(),
      writeConcurrency: 8,
    };
    const childDelay = options.childDelayMs ?? 2000;
    // By UID: what the reconcile acts on, as last seen (reconcile-trigger.ts: not its own status writes).
    const seen = new Map<string, string>();
    this.migrations.onChange((mm, type) => {
      const uid = mm.metadata.uid ?? '';
      if (type === 'delete') {
        written.delete(uid);
        this.ctx.auto.delete(uid);
        seen.delete(uid);
        return;
      }
      const news = isReconcileTrigger(seen.get(uid), mm);
      seen.set(uid, triggerFingerprint(mm));
      if (news) this.queue.add(objectKey(mm));
    });
    const owner = (obj: { metadata?: { namespace?: string; labels?: Record<string, string> } }) => {
      const migration = obj.metadata?.labels?.[LABEL_MIGRATION];
      if (migration) this.queue.addAfter(`${obj.metadata?.namespace ?? ''}/${migration}`, childDelay);
    };
    this.children.onChange(owner);
    this.secrets.onChange(owner);
  }

  #labelled<T extends { metadata?: { namespace?: string; labels?: Record<string, string> } }>(
    objects: T[],
    namespace: string,
    migration: string,
  ): T[] {
    return objects.filter(
      (o) => o.metadata?.namespace === namespace && o.metadata?.labels?.[LABEL_MIGRATION] === migration,
    );
  }

  async start(): Promise<void> {
    await Promise.all([this.children.start(), this.secrets.start()]);
    await this.migrations.start();
    this.log.info(
      { migrations: this.migrations.list().length, children: this.children.list().length },
      'migration caches synced',
    );
    this.#workers = runWorkers(this.queue, this.options.concurrency, (key) => reconcileMigration(this.ctx, key), {
      onResult: (key, result, _seconds, error) => {
        if (result !== 'error') return;
        const slash = key.indexOf('/');
        this.log.warn(
          { namespace: key.slice(0, slash), name: key.slice(slash + 1), err: String(error) },
          'migration reconcile failed; retrying with backoff',
        );
      },
    });
    const resync = setInterval(() => {
      for (const mm of this.migrations.list()) this.queue.add(objectKey(mm));
    }, this.options.resyncMs);
    resync.unref();
    this.#timers = [resync];
  }

  /** Stop taking work; running reconciles may finish within `drainMs`. */
  async stop(drainMs = 5000): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.queue.shutdown();
    this.migrations.stop();
    this.children.stop();
    this.secrets.stop();
    await Promise.race([this.#workers, new Promise((r) => setTimeout(r, drainMs).unref())]);
  }
}
