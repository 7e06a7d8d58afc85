/**
 * What the reconcile steps share: API client, caches, status writer, event
 * recorder, log streams, metrics, worker settings, and small in-memory
 * bookkeeping (which run each MailSync follows, who waits for which Job,
 * pair claims bridging the gap between creating a Job and seeing it cached).
 */
import type { Logger } from 'pino';
import type { MailSync } from '../api/mailsync.js';
import type { MailSyncStatus } from '../api/status.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import type { Admission } from './admission/admission.js';
import type { BatchPacker } from './batch-packer.js';
import type { ClusterView } from './cluster-view.js';
import type { CheckedConfigMaps } from './delta-state.js';
import type { WorkerOptions } from './job-builder.js';
import type { LogStreamManager } from './log-stream-manager.js';
import type { MailSyncEvents } from './mailsync-events.js';
import type { ResourceMaximums } from './resource-maximums.js';
import type { StatusWriter } from './status-writer.js';
import type { SecretKeys } from './validate.js';

export interface ControllerContext {
  client: KubeClient;
  log: Logger;
  view: ClusterView;
  status: StatusWriter;
  events: MailSyncEvents;
  streams: LogStreamManager;
  metrics: ControllerMetrics;
  worker: WorkerOptions;
  now(): Date;
  /** Uniform in [0, 1): the jitter of retry backoffs (tests pass a fixed one). */
  random(): number;
  /** MailSync key -> UID of the Job whose run its status shows. */
  currentJob: Map<string, string>;
  /** Waiting MailSync key -> UID of the Job it waits for (its log is mirrored). */
  mirrors: Map<string, string>;
  claims: PairClaims;
  /** Run slots under the caps (--max-running, --max-running-per-host, MailMigration spec.concurrency). */
  admission: Admission;
  /** Packed runs: open batches of a migration's MailSyncs, their Jobs still to be created (batch-packer.ts). */
  packer: BatchPacker;
  /** spec.accountsPerWorker of the MailSync's migration (1: a Job of its own). */
  accountsPerWorker(mailSync: MailSync): number;
  /** The MailMigration that made this MailSync is gone (it is about to be garbage-collected). */
  migrationGone(mailSync: MailSync): boolean;
  /** The ceiling on a worker's resources (--max-worker-resources); unset: none. */
  maxWorkerResources?: ResourceMaximums;
  /** Key names of referenced Secrets (validation before a run). */
  secrets: SecretKeys;
  /** Each MailSync's ConfigMap version as last checked or written here (delta-state.ts). */
  checkedConfigMaps: CheckedConfigMaps;
  /** UIDs whose finalizer this process has added (the cache may not show it yet). */
  finalizerAdded: Set<string>;
  /** Queue a MailSync key for reconcile (e.g. waiters once the pair is free). */
  enqueue(key: string): void;
}

export interface StepInput {
  ctx: ControllerContext;
  key: string;
  mailSync: MailSync;
  status: MailSyncStatus;
  pairHash: string;
  jobName: string;
  log: Logger;
}

/**
 * An account pair claimed by a MailSync that has just created its Job (the
 * informer may not show it for a moment): another MailSync of the same pair,
 * possibly in another namespace, must wait rather than start a second Job.
 */
export class PairClaims {
  readonly #claims = new Map<string, { key: string; until: number }>();

  constructor(readonly ttlMs = 30_000) {}

  /** The key holding the pair, if another key holds it. */
  holder(pairHash: string, key: string, now = Date.now()): string | undefined {
    const claim = this.#claims.get(pairHash);
    if (!claim || claim.until < now) return undefined;
    return claim.key === key ? undefined : claim.key;
  }

  claim(pairHash: string, key: string, now = Date.now()): void {
    this.#claims.set(pairHash, { key, until: now + this.ttlMs });
  }

  release(pairHash: string, key: string): void {
    if (this.#claims.get(pairHash)?.key === key) this.#claims.delete(pairHash);
  }
}
