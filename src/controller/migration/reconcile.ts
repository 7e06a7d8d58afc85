/**
 * One reconcile of a MailMigration, level-based and idempotent: read the
 * accounts, decide the passes, make the children and per-account Secrets
 * match (child-plan.ts), ask every child for the current pass
 * (mailsync.io/requested-at), write the status. Deleting a migration needs no
 * step here: its children and Secrets are garbage-collected through their
 * ownerReferences, and each child's finalizer aborts its run (TERM, then KILL).
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_VERSION, type MailSync, splitKey } from '../../api/mailsync.js';
import { ANNOTATION_ACCOUNT_LINE, ANNOTATION_REQUESTED_AT, MIGRATION_KIND } from '../../api/migration.js';
import { type OptionsToSpec, resolveAccounts } from '../../api/migration-accounts.js';
import type { MailMigration } from '../../api/migration-object.js';
import type { InvalidAccount, MailMigrationStatus } from '../../api/migration-status.js';
import { boundMigrationStatus, boundRequestedAt } from '../../api/status-bounds.js';
import type { EventRecorder, ObjectReference } from '../../kube/event-recorder.js';
import { isAlreadyExists, isNamespaceTerminating, isNotFound, type KubeClient } from '../../kube/kube-client.js';
import { mergePatch } from '../../kube/merge-patch.js';
import type { ReconcileResult } from '../../kube/workqueue.js';
import { AutoConcurrency } from './auto-concurrency.js';
import { type ChildPlan, planChildren } from './child-plan.js';
import { childView } from './child-view.js';
import { buildStatus } from './migration-status.js';
import { decidePasses } from './pass-machine.js';
import { paths } from './paths.js';
import type { AccountFiles } from './read-accounts.js';
import { parseSchedule, type Schedule } from './schedule.js';

export interface MigrationContext {
  client: KubeClient;
  log: Logger;
  events: EventRecorder;
  accountFiles: AccountFiles;
  optionsToSpec: OptionsToSpec;
  migration(namespace: string, name: string): MailMigration | undefined;
  /** Cached MailSyncs labelled with this migration. */
  childrenOf(namespace: string, migration: string): MailSync[];
  /** Cached Secrets labelled with this migration. */
  secretsOf(namespace: string, migration: string): V1Secret[];
  /** The status this controller wrote last, by migration UID (newer than the cache right after a write). */
  written: Map<string, MailMigrationStatus>;
  /** concurrency: auto bookkeeping, by migration UID (forgotten with the migration). */
  auto: Map<string, AutoConcurrency>;
  now(): Date;
  /** Writes in flight at once when a pass touches every child. */
  writeConcurrency: number;
}

/** While a pass runs, the status (rate, ETA) is refreshed at least this often. */
export const RUNNING_REFRESH_MS = 15_000;

/** The migration's run-now request as status.lastRequestedAt holds it (see boundRequestedAt). */
function requestedAtOf(mm: MailMigration): string | undefined {
  const value = mm.metadata.annotations?.[ANNOTATION_REQUESTED_AT];
  return value === undefined ? undefined : boundRequestedAt(value, 'MailMigration');
}

function reference(mm: MailMigration): ObjectReference {
  return {
    apiVersion: API_VERSION,
    kind: MIGRATION_KIND,
    name: mm.metadata.name ?? '',
    namespace: mm.metadata.namespace ?? '',
    uid: mm.metadata.uid,
    resourceVersion: mm.metadata.resourceVersion,
  };
}

/** Run `task` over `items`, at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Carry out a plan; accounts whose name turns out to be taken are returned as conflicts. */
async function applyPlan(ctx: MigrationContext, namespace: string, plan: ChildPlan): Promise<InvalidAccount[]> {
  const conflicts: InvalidAccount[] = [];
  const limit = ctx.writeConcurrency;
  const { client } = ctx;
  await eachLimited(plan.createSecrets, limit, async (secret) => {
    try {
      await client.create(paths.secrets(namespace), secret);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      // Not in our cache: not labelled for us, or the cache is behind. The next reconcile sees which.
    }
  });
  await eachLimited(plan.updateSecrets, limit, async ({ secret, existing }) => {
    await client.mergePatch(paths.secret(namespace, secret.metadata?.name ?? ''), {
      metadata: { resourceVersion: existing.metadata?.resourceVersion },
      data: mergePatch(existing.data ?? {}, secret.data ?? {}),
    });
  });
  await eachLimited(plan.createChildren, limit, async (child) => {
    try {
      await client.create(paths.mailSyncs(namespace), child);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const line = Number(child.metadata.annotations?.[ANNOTATION_ACCOUNT_LINE] ?? 0) || undefined;
      conflicts.push({ line, message: `a MailSync named ${child.metadata.name} already exists` });
    }
  });
  await eachLimited(plan.updateChildren, limit, async ({ child, existing }) => {
    // A merge patch with the resourceVersion as precondition: fields the server defaulted and
    // the migration does not set come back as their defaults.
    await client.mergePatch(paths.mailSync(namespace, child.metadata.name ?? ''), {
      metadata: { resourceVersion: existing.metadata.resourceVersion, annotations: child.metadata.annotations },
      spec: mergePatch(existing.spec, child.spec) ?? {},
    });
  });
  const remove = async (path: string) => {
    try {
      await client.delete(path, { propagationPolicy: 'Background' });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  };
  await eachLimited(plan.deleteChildren, limit, (name) => remove(paths.mailSync(namespace, name)));
  await eachLimited(plan.deleteSecrets, limit, (name) => remove(paths.secret(namespace, name)));
  return conflicts;
}

export async function reconcileMigration(ctx: MigrationContext, key: string): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const mm = ctx.migration(namespace, name);
  if (!mm || mm.metadata.deletionTimestamp) {
    return {};
  }
  const uid = mm.metadata.uid ?? '';
  const now = ctx.now();
  const read = await ctx.accountFiles.read(mm);
  const resolved =
    'input' in read ? resolveAccounts(name, mm.spec, read.input, ctx.optionsToSpec) : { accounts: [], invalid: [] };

  let schedule: Schedule | undefined;
  let scheduleError: string | undefined;
  if (mm.spec.schedule) {
    try {
      schedule = parseSchedule(mm.spec.schedule, mm.spec.timeZone);
    } catch (error) {
      scheduleError = (error as Error).message;
    }
  }

  const children = new Map(ctx.childrenOf(namespace, name).map((c) => [c.metadata.name ?? '', c]));
  const secrets = new Map(ctx.secretsOf(namespace, name).map((s) => [s.metadata?.name ?? '', s]));
  const views = resolved.accounts.flatMap((a) => {
    const child = children.get(a.name);
    return child ? [childView(child)] : [];
  });
  const previous = ctx.written.get(uid) ?? mm.status;
  const suspend = mm.spec.suspend === true;
  const decision = decidePasses({
    now,
    passes: previous?.passes ?? [],
    accounts: resolved.accounts.length,
    children: views,
    suspend,
    finalPass: mm.spec.finalPass === true,
    schedule,
    requestedAt: requestedAtOf(mm),
    lastRequestedAt: previous?.lastRequestedAt,
  });
  const passId = decision.current?.id ?? 'presync-1';

  const plan = planChildren({
    migration: mm,
    accounts: resolved.accounts,
    complete: 'input' in read && resolved.invalid.length === 0,
    children,
    secrets,
    passId,
    suspend,
  });
  let createConflicts: InvalidAccount[];
  try {
    createConflicts = await applyPlan(ctx, namespace, plan);
  } catch (error) {
    // The namespace is being deleted (its children went first): its deletion takes the migration too.
    if (!isNamespaceTerminating(error)) throw error;
    ctx.log.debug({ namespace, name }, 'namespace is being deleted; no children created');
    return {};
  }

  // Every existing child of a running pass is asked for it (new children got it at creation).
  if (decision.current && !decision.current.endTime && !suspend) {
    const behind = resolved.accounts
      .map((a) => children.get(a.name))
      .filter((c): c is MailSync => c !== undefined && c.metadata.annotations?.[ANNOTATION_REQUESTED_AT] !== passId);
    await eachLimited(behind, ctx.writeConcurrency, async (child) => {
      try {
        await ctx.client.mergePatch(paths.mailSync(namespace, child.metadata.name ?? ''), {
          metadata: { annotations: { [ANNOTATION_REQUESTED_AT]: passId } },
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  const invalid = [...resolved.invalid, ...plan.conflicts, ...createConflicts].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0),
  );
  let auto = ctx.auto.get(uid);
  if (!auto && mm.spec.concurrency?.auto) {
    auto = new AutoConcurrency(now);
    ctx.auto.set(uid, auto);
  }
  const allChildren = [...children.values()];
  auto?.prune(allChildren);
  const autoStep = auto?.step({
    concurrency: mm.spec.concurrency,
    children: allChildren,
    previous: previous?.concurrency?.hosts,
    active: decision.phase === 'Running',
    now,
  });
  if (!autoStep) ctx.auto.delete(uid);

  const status = boundMigrationStatus(
    buildStatus({
      previous,
      generation: mm.metadata.generation ?? 0,
      now,
      decision,
      total: resolved.accounts.length,
      invalid,
      unreadable: 'unreadable' in read ? read.unreadable : undefined,
      scheduleError,
      concurrency: autoStep?.status,
    }),
  );
  const patch = mergePatch(previous ?? {}, status);
  if (patch !== undefined) {
    await ctx.client.mergePatch(paths.mailMigrationStatus(namespace, name), { status: patch });
  }
  ctx.written.set(uid, status);

  const ref = reference(mm);
  if (decision.started) {
    ctx.events.record(
      ref,
      'Normal',
      'PassStarted',
      `pass ${decision.started.id} over ${resolved.accounts.length} account(s)`,
    );
  }
  if (decision.ended) {
    const a = decision.ended.accounts;
    ctx.events.record(
      ref,
      a.failed > 0 ? 'Warning' : 'Normal',
      'PassEnded',
      `pass ${decision.ended.id}: ${a.succeeded} succeeded, ${a.failed} failed of ${a.total}`,
    );
  }
  for (const change of autoStep?.changes ?? []) {
    ctx.events.record(
      ref,
      'Normal',
      'ConcurrencyChanged',
      `${change.role} host ${change.host}: ${change.from} -> ${change.to} running syncs (${change.reason})`,
    );
  }
  if (decision.phase === 'Running') {
    return { requeueAfter: Math.max(1000, Math.min(RUNNING_REFRESH_MS, autoStep?.nextDecisionMs ?? Infinity)) };
  }
  if (decision.nextPassTime) return { requeueAfter: Math.max(1000, decision.nextPassTime.getTime() - now.getTime()) };
  if ('unreadable' in read) return { requeueAfter: 30_000 };
  return {};
}
