/**
 * Packed runs: MailSyncs of one MailMigration that were admitted to run
 * (their run slots reserved, their ConfigMaps written) join an open batch;
 * the batch's Job is created once it holds spec.accountsPerWorker members or
 * its window has passed since it opened, whichever comes first. The Job's
 * name is known at join time, so each member records its run as started
 * with that name (run-start.ts); until the Job exists, run-plan.ts sees
 * the member as joining (`pending`), not as a run that lost its Job.
 *
 * In memory only: a controller that restarts with batches still open has
 * members whose Job never came; they are recorded as lost (retried by
 * spec.retry) and the next pass starts them again.
 */
import { randomBytes } from 'node:crypto';
import type { V1Job, V1OwnerReference } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type BatchEntry, buildBatchJob, podSettingsKey } from './batch-job.js';
import type { WorkerOptions } from './job-builder.js';

export interface PackRequest {
  key: string;
  entry: BatchEntry;
  /** The migration ("namespace/name") the member belongs to. */
  group: string;
  accountsPerWorker: number;
  /** The migration, controller of the Job. */
  owner: V1OwnerReference;
  trigger: string;
}

export interface PackerDeps {
  create(namespace: string, job: V1Job): Promise<V1Job>;
  worker: () => WorkerOptions;
  /** The Job is there: the members' run slots are taken by it; look at them again. */
  onCreated(members: readonly PackRequest[], jobUid: string | undefined): void;
  /** No Job: give the members' run slots back; look at them again. */
  onFailed(members: readonly PackRequest[], message: string): void;
  log: Logger;
  /** How long a batch stays open for more members (ms). */
  windowMs: number;
}

interface OpenBatch {
  name: string;
  namespace: string;
  members: PackRequest[];
  size: number;
  timer?: NodeJS.Timeout;
}

/** How long members of a just-created batch Job wait for the Job cache to show it before asking the API. */
const CACHE_WAIT_MS = 30_000;

/** Batch names: the migration's name, cut to leave room, and a random suffix (a batch is not reconciled by name). */
export function batchJobName(migration: string): string {
  const suffix = randomBytes(5).toString('hex');
  const base = migration.slice(0, 40).replace(/[-.]+$/, '');
  return `${base}-b-${suffix}`;
}

export class BatchPacker {
  readonly #open = new Map<string, OpenBatch>();
  /** Batches whose Job is being created: "namespace/name". */
  readonly #creating = new Set<string>();
  /**
   * Batches whose Job was created but not yet seen in the Job cache ("namespace/name" -> until when):
   * still `pending`, so that their members wait for the cache instead of asking the API whether
   * their run's Job is lost (one GET per member).
   */
  readonly #created = new Map<string, number>();
  /** Why a batch's Job could not be created, kept a while for its members' status ("namespace/name"). */
  readonly #failed = new Map<string, { message: string; until: number }>();

  constructor(readonly deps: PackerDeps) {}

  /** Join (or stay in) an open batch; returns the name its Job will have. */
  join(request: PackRequest): string {
    const namespace = request.entry.mailSync.metadata.namespace ?? '';
    for (const batch of this.#open.values()) {
      if (batch.members.some((m) => m.key === request.key)) return batch.name;
    }
    const groupKey = `${namespace}\n${request.group}\n${request.owner.uid}\n${podSettingsKey(request.entry.mailSync)}`;
    let batch = this.#open.get(groupKey);
    if (!batch) {
      const migration = request.group.slice(request.group.indexOf('/') + 1);
      batch = { name: batchJobName(migration), namespace, members: [], size: request.accountsPerWorker };
      this.#open.set(groupKey, batch);
      const opened = batch;
      batch.timer = setTimeout(() => this.#flush(groupKey, opened), this.deps.windowMs);
      batch.timer.unref?.();
    }
    batch.members.push(request);
    if (batch.members.length >= batch.size) this.#flush(groupKey, batch);
    return batch.name;
  }

  /** The Job of this name is still to come from this packer (open, or being created). */
  pending(namespace: string, jobName: string, now = Date.now()): boolean {
    const id = `${namespace}/${jobName}`;
    if (this.#creating.has(id)) return true;
    const until = this.#created.get(id);
    if (until !== undefined) {
      if (until > now) return true;
      this.#created.delete(id);
    }
    for (const batch of this.#open.values()) if (batch.namespace === namespace && batch.name === jobName) return true;
    return false;
  }

  /** The Job cache shows this Job (or its deletion): its members go by the cache from now on. */
  seen(namespace: string, jobName: string): void {
    this.#created.delete(`${namespace}/${jobName}`);
  }

  /** Why this batch's Job could not be created, if that is what happened (recently). */
  failure(namespace: string, jobName: string, now = Date.now()): string | undefined {
    const failed = this.#failed.get(`${namespace}/${jobName}`);
    return failed && failed.until > now ? failed.message : undefined;
  }

  /** A member leaves an open batch (deleted or suspended before its Job was made). */
  leave(key: string): void {
    for (const [groupKey, batch] of this.#open) {
      const i = batch.members.findIndex((m) => m.key === key);
      if (i < 0) continue;
      batch.members.splice(i, 1);
      if (batch.members.length === 0) {
        clearTimeout(batch.timer);
        this.#open.delete(groupKey);
      }
    }
  }

  /** Open batches, their members (for tests and the stats line). */
  get openMembers(): number {
    let n = 0;
    for (const batch of this.#open.values()) n += batch.members.length;
    return n;
  }

  stop(): void {
    for (const batch of this.#open.values()) clearTimeout(batch.timer);
    this.#open.clear();
    this.#created.clear();
  }

  #flush(groupKey: string, batch: OpenBatch): void {
    clearTimeout(batch.timer);
    if (this.#open.get(groupKey) !== batch) return;
    this.#open.delete(groupKey);
    if (batch.members.length === 0) return;
    const id = `${batch.namespace}/${batch.name}`;
    this.#creating.add(id);
    const members = batch.members;
    const job = buildBatchJob({
      jobName: batch.name,
      entries: members.map((m) => m.entry),
      owner: members[0]!.owner,
      worker: this.deps.worker(),
      trigger: members[0]!.trigger,
    });
    void this.deps
      .create(batch.namespace, job)
      .then(
        (created) => {
          this.deps.log.info(
            { namespace: batch.namespace, job: batch.name, accounts: members.length },
            'created batch Job',
          );
          const now = Date.now();
          for (const [key, until] of this.#created) if (until <= now) this.#created.delete(key);
          this.#created.set(id, now + CACHE_WAIT_MS);
          this.deps.onCreated(members, created.metadata?.uid);
        },
        (error: unknown) => {
          const message = `the batch Job ${batch.name} could not be created: ${(error as Error).message}`.slice(
            0,
            1000,
          );
          this.deps.log.warn({ namespace: batch.namespace, job: batch.name }, message);
          const now = Date.now();
          for (const [key, failed] of this.#failed) if (failed.until <= now) this.#failed.delete(key);
          this.#failed.set(id, { message, until: now + 600_000 });
          this.deps.onFailed(members, message);
        },
      )
      .finally(() => this.#creating.delete(id));
  }
}
