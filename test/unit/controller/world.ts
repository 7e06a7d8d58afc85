/**
 * A controller context around a FakeKube: the informer caches show the fake
 * store (trimmed as the real informers trim), optionally frozen to model a
 * cache that lags behind; the status writer, event recorder and log streams
 * are the real ones. Time is vitest's fake clock: `settle()` runs what the
 * controller scheduled (status writes, log streams), without waiting.
 */

import type { V1Job, V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { vi } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailSyncStatus } from '../../../src/api/status.js';
import { Admission } from '../../../src/controller/admission/admission.js';
import type { Caps, GroupCaps } from '../../../src/controller/admission/decide.js';
import { groupOf } from '../../../src/controller/admission/hosts.js';
import { runningSlots } from '../../../src/controller/admission/running.js';
import { BatchPacker } from '../../../src/controller/batch-packer.js';
import { ClusterView, type ObjectCache } from '../../../src/controller/cluster-view.js';
import { type ControllerContext, PairClaims } from '../../../src/controller/context.js';
import { trimJob, trimPod } from '../../../src/controller/controller.js';
import { LogStreamManager } from '../../../src/controller/log-stream-manager.js';
import { MailSyncEvents } from '../../../src/controller/mailsync-events.js';
import { ownerMigrationGone } from '../../../src/controller/migration-owner.js';
import { reconcile } from '../../../src/controller/reconcile.js';
import { StatusWriter } from '../../../src/controller/status-writer.js';
import { SecretKeys } from '../../../src/controller/validate.js';
import { EventRecorder } from '../../../src/kube/event-recorder.js';
import type { KubeObject } from '../../../src/kube/informers.js';
import type { ReconcileResult } from '../../../src/kube/workqueue.js';
import { ControllerMetrics } from '../../../src/metrics/controller-metrics.js';
import { type Action, FakeKube, type StoredObject } from './fake-kube.js';
import { NS, WORKER } from './fixtures.js';

/** An informer cache reading the fake store (or a frozen copy of it). */
class StoreCache<T> implements ObjectCache<T & KubeObject> {
  constructor(readonly read: () => StoredObject[]) {}
  get(name: string, namespace: string): (T & KubeObject) | undefined {
    return this.list().find((o) => o.metadata?.name === name && o.metadata?.namespace === namespace);
  }
  list(): (T & KubeObject)[] {
    return this.read() as (T & KubeObject)[];
  }
}

export interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

export class World {
  readonly kube: FakeKube;
  readonly ctx: ControllerContext;
  readonly enqueued: string[] = [];
  /** Job UIDs whose RunLog changed (the controller's onUpdate hook). */
  readonly streamUpdates: string[] = [];
  /** The controller's log output (JSON lines). */
  readonly logOutput: string[] = [];
  #frozen?: Map<string, StoredObject[]>;

  constructor(
    objects: StoredObject[] = [],
    options: {
      statusIntervalMs?: number;
      caps?: Caps;
      groupCaps?: Record<string, GroupCaps>;
      random?: number;
      /** The MailMigrations the controller's cache shows ("namespace/name" -> UID); absent: not listed. */
      migrations?: Record<string, string>;
      /** spec.accountsPerWorker by migration ("namespace/name"); absent: 1. */
      accountsPerWorker?: Record<string, number>;
    } = {},
  ) {
    this.kube = new FakeKube(objects);
    const log = pino({ level: 'debug' }, { write: (line: string) => this.logOutput.push(line) });
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const read = (resource: string) => () => this.#frozen?.get(resource) ?? this.kube.list(resource);
    this.ctx = {
      client: this.kube,
      log,
      view: new ClusterView(
        new StoreCache<MailSync>(read('mailsyncs')),
        new StoreCache<V1Job>(() => read('jobs')().map((j) => trimJob(j as V1Job) as StoredObject)),
        new StoreCache<V1Pod>(() => read('pods')().map((p) => trimPod(p as V1Pod) as StoredObject)),
      ),
      status: new StatusWriter(this.kube, log, options.statusIntervalMs ?? 5000),
      events: new MailSyncEvents(new EventRecorder(this.kube, log, 'mailsync-controller', 'test-host')),
      streams: new LogStreamManager(this.kube, log, { onUpdate: (uid) => this.streamUpdates.push(uid) }),
      metrics,
      worker: WORKER,
      now: () => new Date(),
      random: () => options.random ?? 0.5,
      currentJob: new Map(),
      mirrors: new Map(),
      claims: new PairClaims(),
      migrationGone: (ms) =>
        ownerMigrationGone(ms, {
          listed: options.migrations !== undefined,
          uidOf: (namespace, name) => options.migrations?.[`${namespace}/${name}`],
        }),
      secrets: new SecretKeys(this.kube),
      finalizerAdded: new Set(),
      checkedConfigMaps: new Map(),
      enqueue: (key) => this.enqueued.push(key),
      packer: new BatchPacker({
        create: (namespace, job) => this.kube.create<V1Job>(`/apis/batch/v1/namespaces/${namespace}/jobs`, job),
        worker: () => WORKER,
        onCreated: (members, jobUid) => {
          for (const m of members) {
            this.ctx.admission.created(m.entry.mailSync.metadata.uid!, jobUid);
            this.enqueued.push(m.key);
          }
        },
        onFailed: (members) => {
          for (const m of members) {
            this.ctx.claims.release(m.entry.pairHash, m.key);
            this.ctx.admission.release(m.entry.mailSync.metadata.uid!);
            this.enqueued.push(m.key);
          }
        },
        log,
        windowMs: 1000,
      }),
      accountsPerWorker: (ms) => options.accountsPerWorker?.[groupOf(ms.metadata)] ?? 1,
      admission: new Admission(
        options.caps ?? {},
        {
          running: () => runningSlots(read('jobs')() as V1Job[], read('pods')() as V1Pod[], () => undefined),
          hasJob: (jobUid) => read('jobs')().some((j) => j.metadata?.uid === jobUid),
          groupCaps: (group) => options.groupCaps?.[group],
        },
        (key) => this.enqueued.push(key),
      ),
    };
  }

  /** Reconcile one MailSync (by name in NS, or "namespace/name"), then let what it scheduled run. */
  async reconcile(name: string): Promise<ReconcileResult> {
    const result = await reconcile(this.ctx, name.includes('/') ? name : `${NS}/${name}`);
    await this.settle();
    return result;
  }

  /** Run due timers and pending I/O; `ms` moves the clock forward first. */
  async settle(ms = 0): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    // Log streams hop through a few stream ticks before their lines are applied.
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
  }

  /** The caches keep showing what they show now, whatever the API does (an informer lagging behind). */
  freezeCaches(): void {
    this.#frozen = new Map(
      ['mailsyncs', 'jobs', 'pods'].map((r) => [r, this.kube.list(r).map((o) => structuredClone(o))]),
    );
  }

  thawCaches(): void {
    this.#frozen = undefined;
  }

  mailSync(name = 'joe', namespace = NS): MailSync | undefined {
    return this.kube.object<MailSync>('mailsyncs', namespace, name);
  }

  /** The status as stored by the API (what the controller wrote). */
  status(name = 'joe', namespace = NS): MailSyncStatus {
    return this.mailSync(name, namespace)?.status ?? {};
  }

  job(name: string, namespace = NS): V1Job | undefined {
    return this.kube.object<V1Job>('jobs', namespace, name);
  }

  /** Position in the action log, for `writes(since)` and `events(since)`. */
  mark(): number {
    return this.kube.actions.length;
  }

  /** Writes other than Events, in order, as "verb resource/name[/sub] detail". */
  writes(since = 0): string[] {
    return this.kube.actions
      .slice(since)
      .filter((a) => !['get', 'list', 'watch', 'log'].includes(a.verb) && a.resource !== 'events')
      .map(describeAction);
  }

  /** Events recorded (created or counted again), in order. */
  events(since = 0): RecordedEvent[] {
    return this.kube.actions
      .slice(since)
      .filter((a) => a.resource === 'events' && a.verb === 'create')
      .map((a) => {
        const body = a.body as { type: string; reason: string; message: string };
        return { type: body.type, reason: body.reason, message: body.message };
      });
  }

  /** Status subresource patches (the bodies' status parts). */
  statusPatches(since = 0): MailSyncStatus[] {
    return this.kube.actions
      .slice(since)
      .filter((a) => a.resource === 'mailsyncs' && a.subresource === 'status' && a.verb === 'patch')
      .map((a) => (a.body as { status: MailSyncStatus }).status);
  }
}

export function describeAction(a: Action): string {
  const name = a.name ?? (a.verb === 'create' ? (a.body as StoredObject | undefined)?.metadata?.name : undefined);
  const what = `${a.verb} ${a.resource}${name ? `/${name}` : ''}${a.subresource ? `/${a.subresource}` : ''}`;
  if (a.verb === 'delete') {
    const options = a.body as { propagationPolicy?: string; gracePeriodSeconds?: number } | undefined;
    const detail = [
      options?.propagationPolicy ? `propagation=${options.propagationPolicy}` : '',
      options?.gracePeriodSeconds !== undefined ? `grace=${options.gracePeriodSeconds}` : '',
    ].filter(Boolean);
    return detail.length > 0 ? `${what} ${detail.join(' ')}` : what;
  }
  return what;
}

/** The condition of this type in a status. */
export const condition = (status: MailSyncStatus, type: string) => status.conditions?.find((c) => c.type === type);
