/**
 * The running controller: informers on MailSyncs, worker Jobs and pods feed a
 * rate-limited work queue; `concurrency` workers reconcile keys; log streams
 * update status between reconciles; a periodic resync re-enqueues every
 * MailSync (watches can miss things).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { LABEL_MAILSYNC_UID, LABEL_PAIR, type MailSync, objectKey } from '../api/mailsync.js';
import { PHASES, type Phase } from '../api/status.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { InformerSet } from '../kube/informers.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { LabelSelector } from '../kube/label-selector.js';
import { ExponentialBackoff, runWorkers, WorkQueue } from '../kube/workqueue.js';
import { CONTROLLER_NAME, type ControllerMetrics, QUEUE_NAME } from '../metrics/controller-metrics.js';
import { Admission } from './admission/admission.js';
import { CachedRunningSource } from './admission/cached-source.js';
import { groupOf, STANDALONE } from './admission/hosts.js';
import { MigrationCaps } from './admission/migration-caps.js';
import { batchMembers, LABEL_BATCH } from './batch-job.js';
import { BatchPacker } from './batch-packer.js';
import type { BatchRunLog } from './batch-run-log.js';
import { ClusterView } from './cluster-view.js';
import { type ControllerContext, PairClaims } from './context.js';
import { countCopied } from './copy-counter.js';
import type { WorkerOptions } from './job-builder.js';
import { LogStreamManager } from './log-stream-manager.js';
import { MailSyncEvents } from './mailsync-events.js';
import { ownerMigrationGone } from './migration-owner.js';
import { mayMirror } from './pair-wait.js';
import { paths } from './paths.js';
import { podJobUid } from './pods.js';
import { reconcile } from './reconcile.js';
import type { ResourceMaximums } from './resource-maximums.js';
import { batchSettled } from './run-finish.js';
import type { RunLog } from './run-log.js';
import { runInProgress } from './run-plan.js';
import { StatusWriter } from './status-writer.js';
import { SecretKeys } from './validate.js';

export interface ControllerOptions {
  /** Namespaces to watch; empty = all. */
  namespaces: string[];
  concurrency: number;
  worker: WorkerOptions;
  /** Re-enqueue every MailSync this often. */
  resyncMs: number;
  /** Replace each informer this often (a silent watch cannot last). */
  informerRestartMs: number;
  /** Minimum time between two non-urgent status writes of one MailSync. */
  statusIntervalMs: number;
  /** Worker logs followed live at once (the rest are polled); default 100. */
  maxLogFollows?: number;
  /** How often to log the API request counters (default 30 s). */
  requestStatsMs?: number;
  /** Running syncs at most, controller-wide (undefined or 0: no cap). */
  maxRunning?: number;
  /** Running syncs at most per IMAP host (source or destination), controller-wide. */
  maxRunningPerHost?: number;
  /** Only Secrets matching it may be referenced (--secret-selector). */
  secretSelector?: LabelSelector;
  /** The ceiling on a worker's resources (--max-worker-resources). */
  maxWorkerResources?: ResourceMaximums;
  /** How long a batch of a packed migration waits for more accounts before its Job is made (ms). */
  batchWindowMs?: number;
}

/**
 * A batch's Job is made when it is full, or this long after its first account joined
 * (--batch-window-seconds). With slots given back account by account, a 1 s window made pods of 6
 * accounts on average where 25 were allowed (bench:fleet, 1,000 accounts: 97 and 168 pods in two
 * runs), and each pod's start costs the node about as much CPU as several small accounts
 * (docs/performance.md).
 */
export const DEFAULT_BATCH_WINDOW_SECONDS = 5;

export class Controller {
  readonly queue: WorkQueue;
  readonly ctx: ControllerContext;
  readonly mailSyncs: InformerSet<MailSync>;
  readonly jobs: InformerSet<V1Job>;
  readonly pods: InformerSet<V1Pod>;
  readonly migrationCaps: MigrationCaps;
  readonly #uidToKey = new Map<string, string>();
  #timers: NodeJS.Timeout[] = [];
  #loopDelay?: ReturnType<typeof monitorEventLoopDelay>;
  #workers?: Promise<void>;
  #started = false;

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly metrics: ControllerMetrics,
    readonly options: ControllerOptions,
  ) {
    const relistEveryMs = options.informerRestartMs;
    const informerLog = log.child({ component: 'informer' });
    this.mailSyncs = new InformerSet<MailSync>(client, options.namespaces, paths.mailSyncs, {
      name: 'mailsyncs',
      relistEveryMs,
      log: informerLog,
    });
    this.jobs = new InformerSet<V1Job>(client, options.namespaces, paths.jobs, {
      name: 'jobs',
      labelSelector: LABEL_PAIR,
      transform: trimJob,
      relistEveryMs,
      log: informerLog,
    });
    this.pods = new InformerSet<V1Pod>(client, options.namespaces, paths.pods, {
      name: 'pods',
      labelSelector: LABEL_PAIR,
      transform: trimPod,
      relistEveryMs,
      log: informerLog,
    });
    this.migrationCaps = new MigrationCaps(client, options.namespaces, informerLog, relistEveryMs);
    this.queue = new WorkQueue(QUEUE_NAME, undefined, new ExponentialBackoff(1000, 120_000), {
      depth: (n) => metrics.queueDepth.set({ name: QUEUE_NAME }, n),
      added: () => metrics.queueAdds.inc({ name: QUEUE_NAME }),
      retried: () => metrics.queueRetries.inc({ name: QUEUE_NAME }),
    });
    const streams = new LogStreamManager(
      client,
      log.child({ component: 'logs' }),
      {
        onUpdate: (jobUid) => this.#onRunLogUpdate(jobUid),
        onActiveChange: (n) => metrics.logStreamsActive.set(n),
        onPolledChange: (n) => metrics.logStreamsPolled.set(n),
        onPaceChange: (ms) => this.ctx.status.pace(ms),
      },
      {
        // Refreshes of running MailSyncs (log polls, status writes) pace themselves to the client's rate limit.
        qps: client.options.qps,
        pollIntervalMs: options.statusIntervalMs,
        ...(options.maxLogFollows !== undefined ? { maxFollows: options.maxLogFollows } : {}),
      },
    );
    this.ctx = {
      client,
      log,
      view: new ClusterView(this.mailSyncs, this.jobs, this.pods),
      status: new StatusWriter(client, log.child({ component: 'status' }), options.statusIntervalMs, {
        onWrite: () => metrics.statusWrites.inc(),
      }),
      events: new MailSyncEvents(new EventRecorder(client, log.child({ component: 'events' }), 'mailsync-controller')),
      streams,
      metrics,
      worker: options.worker,
      now: () => new Date(),
      random: Math.random,
      currentJob: new Map(),
      mirrors: new Map(),
      claims: new PairClaims(),
      admission: new Admission(
        { maxRunning: options.maxRunning, maxRunningPerHost: options.maxRunningPerHost },
        new CachedRunningSource(this.jobs, this.pods, this.migrationCaps, (uid) => this.#mailSyncByUid(uid)),
        (key) => this.queue.add(key),
      ),
      migrationGone: (ms) => ownerMigrationGone(ms, this.migrationCaps),
      secrets: new SecretKeys(client, undefined, options.secretSelector),
      ...(options.maxWorkerResources ? { maxWorkerResources: options.maxWorkerResources } : {}),
      finalizerAdded: new Set(),
      checkedConfigMaps: new Map(),
      enqueue: (key) => this.queue.add(key),
      packer: new BatchPacker({
        create: (namespace, job) => client.create<V1Job>(paths.jobs(namespace), job),
        worker: () => options.worker,
        onCreated: (members, jobUid) => {
          for (const m of members) {
            this.ctx.admission.created(m.entry.mailSync.metadata.uid!, jobUid);
            this.queue.add(m.key, { urgent: true });
          }
        },
        onFailed: (members) => {
          for (const m of members) {
            this.ctx.claims.release(m.entry.pairHash, m.key);
            this.ctx.admission.release(m.entry.mailSync.metadata.uid!);
            this.queue.add(m.key);
          }
        },
        log: log.child({ component: 'batches' }),
        windowMs: options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_SECONDS * 1000,
      }),
      accountsPerWorker: (ms) => {
        const group = groupOf(ms.metadata);
        return group === STANDALONE ? 1 : this.migrationCaps.accountsPerWorker(group);
      },
    };
    this.mailSyncs.onChange((ms, type) => {
      const key = objectKey(ms);
      if (ms.metadata?.uid) {
        if (type === 'delete') {
          this.#uidToKey.delete(ms.metadata.uid);
          this.ctx.checkedConfigMaps.delete(ms.metadata.uid);
        } else this.#uidToKey.set(ms.metadata.uid, key);
      }
      this.queue.add(key);
    });
    this.jobs.onChange((job) => {
      if (job.metadata?.labels?.[LABEL_BATCH] !== undefined) {
        this.ctx.packer.seen(job.metadata.namespace ?? '', job.metadata.name ?? '');
      }
      this.#enqueueFor(job.metadata?.labels, job.metadata?.uid, job.metadata?.ownerReferences);
      this.ctx.admission.poke();
    });
    this.pods.onChange((pod, type) => {
      if (type === 'delete') this.ctx.view.deletedPods.remember(pod);
      // A pod on a node may be running, or have started or ended: its MailSync's phase may change (Running,
      // an end), which the user waits to see; ahead of a mass start's hundreds of Job creations.
      const batchJob = pod.metadata?.labels?.[LABEL_BATCH] !== undefined ? podJobUid(pod) : undefined;
      this.#enqueueFor(pod.metadata?.labels, batchJob, undefined, pod.spec?.nodeName !== undefined);
      this.ctx.admission.poke();
    });
    // A migration's caps changed: queued syncs may go.
    this.migrationCaps.onChange(() => this.ctx.admission.poke());
  }

  #mailSyncByUid(uid: string): MailSync | undefined {
    const key = this.#uidToKey.get(uid);
    if (!key) return undefined;
    const slash = key.indexOf('/');
    return this.mailSyncs.get(key.slice(slash + 1), key.slice(0, slash));
  }

  /** The owner of a Job or pod (`urgent`: ahead of the work queue), and every MailSync waiting for its account pair. */
  #enqueueFor(
    labels: Record<string, string> | undefined,
    jobUid: string | undefined,
    owners: { uid: string; name: string; kind: string; controller?: boolean }[] | undefined,
    urgent = false,
  ): void {
    const ownerUid = labels?.[LABEL_MAILSYNC_UID] ?? owners?.find((o) => o.controller && o.kind === 'MailSync')?.uid;
    const ownerKey = ownerUid ? this.#uidToKey.get(ownerUid) : undefined;
    if (ownerKey) this.queue.add(ownerKey, { urgent });
    // A batch Job (or its pod): every MailSync it runs.
    if (labels?.[LABEL_BATCH] !== undefined && jobUid !== undefined) {
      const job = this.ctx.view.jobByUid(jobUid);
      for (const member of job ? batchMembers(job) : []) {
        const key = this.#uidToKey.get(member.uid);
        if (key) this.queue.add(key, { urgent });
      }
    }
    const pair = labels?.[LABEL_PAIR];
    if (!pair && !jobUid) return;
    // Waiting MailSyncs are all in `mirrors` (few): look at their pair.
    for (const [key, mirroredJob] of this.ctx.mirrors) {
      if (jobUid !== undefined && mirroredJob === jobUid) {
        this.queue.add(key);
        continue;
      }
      const slash = key.indexOf('/');
      const ms = this.mailSyncs.get(key.slice(slash + 1), key.slice(0, slash));
      if (ms && this.ctx.status.current(ms).pairHash === pair) this.queue.add(key);
    }
  }

  /** New log lines of a run: live status for its MailSync (coalesced) and the mirrors of waiting ones. */
  #onRunLogUpdate(jobUid: string): void {
    const batch = this.ctx.streams.getBatch(jobUid);
    if (batch) {
      this.#onBatchLogUpdate(jobUid, batch);
      return;
    }
    const runLog = this.ctx.streams.get(jobUid);
    if (!runLog) return;
    // The counters move while the run copies, not only when it ends.
    countCopied(this.metrics, runLog.copied);
    const snapshot = runLog.snapshot();
    for (const [key, ms] of this.#mailSyncsOf(this.ctx.currentJob, jobUid))
      this.#showLog(key, ms, runLog, snapshot, jobUid);
    const jobNamespace = this.ctx.view.jobByUid(jobUid)?.metadata?.namespace ?? '';
    for (const [, ms] of this.#mailSyncsOf(this.ctx.mirrors, jobUid)) {
      // A waiter in another namespace is not shown this run's log.
      if (!mayMirror(ms.metadata.namespace ?? '', jobNamespace)) continue;
      this.ctx.status.update(ms, (s) => {
        s.logTail = snapshot.logTail;
      });
    }
  }

  /**
   * New lines of a batch pod: each account whose lines came gets its live
   * status; its summary (or the end of the log) puts it ahead of the queue,
   * as its first lines do while it shows Pending.
   */
  #onBatchLogUpdate(jobUid: string, batch: BatchRunLog): void {
    const job = this.ctx.view.jobByUid(jobUid);
    const namespace = job?.metadata?.namespace ?? '';
    const members = job ? batchMembers(job) : [];
    const uids = new Map(members.map((m) => [m.name, m.uid]));
    for (const id of batch.takeChanged()) {
      const runLog = batch.member(id);
      const ms = this.mailSyncs.get(id, namespace);
      // Only the MailSync the Job lists under this name (not a namesake made since).
      if (!runLog || !ms || ms.metadata.uid !== uids.get(id)) continue;
      countCopied(this.metrics, runLog.copied);
      // Its status shows this batch's run: a member that ended early may have joined a later batch while
      // this pod goes on with the others, and the old lines must not reach its new run.
      const key = objectKey(ms);
      // Once its outcome is recorded, nothing more is shown (the pod's end would only move logStream).
      const current = this.ctx.status.current(ms);
      const showsThisRun = current.jobName === job?.metadata?.name && runInProgress(current);
      if (showsThisRun && this.ctx.currentJob.get(key) === jobUid)
        this.#showLog(key, ms, runLog, runLog.snapshot(), jobUid);
    }
    // The pod's log is read to its end and every account has recorded its outcome: let the log go.
    const batchJob = { uid: jobUid, namespace, name: job?.metadata?.name ?? '', members };
    if (batch.done && job && batchSettled(this.ctx, batchJob)) this.ctx.streams.forget(jobUid);
  }

  /** A run's log in its MailSync's live status (coalesced by the status writer). */
  #showLog(key: string, ms: MailSync, runLog: RunLog, snapshot: ReturnType<RunLog['snapshot']>, jobUid: string): void {
    // A polled log's lines come once per refresh interval: written soon after their poll (status-writer.ts).
    const paced = this.ctx.streams.isPolled(jobUid);
    this.ctx.status.update(
      ms,
      (s) => {
        s.logTail = snapshot.logTail;
        if (snapshot.progress) s.progress = snapshot.progress;
        if (snapshot.summary) s.summary = snapshot.summary;
        if (snapshot.logStream) s.logStream = snapshot.logStream;
      },
      { paced },
    );
    // The end of the log (or the summary) may be what finalization waits for; the first lines of a run
    // whose pod the API does not show running yet make it Running (run-track.ts). Both are phase
    // changes a user waits to see: ahead of the other MailSyncs in the work queue.
    const pod = runLog.pod;
    const firstLines = this.ctx.status.phaseOf(ms) === 'Pending' && pod !== undefined && runLog.hasLinesOf(pod);
    if (runLog.done || snapshot.summary || firstLines) this.queue.add(key, { urgent: true });
  }

  /** The cached MailSyncs whose "namespace/name" key maps to this Job UID. */
  *#mailSyncsOf(jobByKey: Map<string, string>, jobUid: string) {
    for (const [key, uid] of jobByKey) {
      if (uid !== jobUid) continue;
      const slash = key.indexOf('/');
      const ms = this.mailSyncs.get(key.slice(slash + 1), key.slice(0, slash));
      if (ms) yield [key, ms] as const;
    }
  }

  get started(): boolean {
    return this.#started;
  }

  async start(): Promise<void> {
    const started = Date.now();
    await Promise.all([this.jobs.start(), this.pods.start(), this.migrationCaps.start()]);
    await this.mailSyncs.start();
    this.log.info(
      {
        mailSyncs: this.mailSyncs.list().length,
        jobs: this.jobs.list().length,
        pods: this.pods.list().length,
        ms: Date.now() - started,
      },
      'caches synced',
    );
    this.#started = true;
    this.#workers = runWorkers(this.queue, this.options.concurrency, (key) => reconcile(this.ctx, key), {
      onResult: (key, result, seconds, error) => {
        this.metrics.reconcileTotal.inc({ controller: CONTROLLER_NAME, result });
        this.metrics.reconcileTime.observe({ controller: CONTROLLER_NAME }, seconds);
        if (result === 'error') {
          this.metrics.reconcileErrors.inc({ controller: CONTROLLER_NAME });
          const slash = key.indexOf('/');
          this.log.warn(
            { namespace: key.slice(0, slash), name: key.slice(slash + 1), err: describe(error) },
            'reconcile failed; retrying with backoff',
          );
        }
      },
    });
    const resync = setInterval(() => {
      for (const ms of this.mailSyncs.list()) this.queue.add(objectKey(ms));
    }, this.options.resyncMs);
    const phases = setInterval(() => this.#countPhases(), 5000);
    // API requests sent so far, by verb and resource (the benchmark reads these lines), and how late this
    // process' timers ran (a starved event loop delays lease renewals and status alike).
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    this.#loopDelay = loopDelay;
    const requests = setInterval(() => {
      const eventLoopDelayMs = {
        p99: Math.round(loopDelay.percentile(99) / 1e6),
        max: Math.round(loopDelay.max / 1e6),
      };
      loopDelay.reset();
      // Resident and heap MiB: the live set (heapUsed) tells a leak from a lazily collected heap (rss).
      const { rss, heapUsed, external } = process.memoryUsage();
      const memoryMiB = { rss: mib(rss), heapUsed: mib(heapUsed), external: mib(external) };
      this.log.info(
        {
          requests: Object.fromEntries(this.client.requestCounts),
          eventLoopDelayMs,
          memoryMiB,
          queueDepth: this.queue.length,
          urgentQueueDepth: this.queue.urgentLength,
          backlog: this.client.backlog(),
          statusWritesDue: this.ctx.status.dueWaiting,
          logs: this.ctx.streams.readStats(),
          at: Date.now(),
        },
        'api requests',
      );
    }, this.options.requestStatsMs ?? 30_000);
    for (const t of [resync, phases, requests]) t.unref();
    this.#timers = [resync, phases, requests];
    this.#countPhases();
  }

  #countPhases(): void {
    const counts: Partial<Record<Phase, number>> = {};
    const accounts = new Map<string, Partial<Record<Phase, number>>>();
    for (const ms of this.mailSyncs.list()) {
      const phase = this.ctx.status.phaseOf(ms) ?? 'Pending';
      if (!PHASES.includes(phase)) continue;
      counts[phase] = (counts[phase] ?? 0) + 1;
      const group = groupOf(ms.metadata);
      if (group === STANDALONE) continue;
      const perPhase = accounts.get(group) ?? {};
      perPhase[phase] = (perPhase[phase] ?? 0) + 1;
      accounts.set(group, perPhase);
    }
    this.metrics.setPhaseCounts(counts);
    const runningPerHost = new Map<string, number>();
    for (const slot of this.ctx.admission.running()) {
      for (const host of new Set([slot.sourceHost, slot.destinationHost])) {
        if (host) runningPerHost.set(host, (runningPerHost.get(host) ?? 0) + 1);
      }
    }
    this.metrics.setFleet({ accounts, queued: this.ctx.admission.waitingByGroup(), runningPerHost });
  }

  /**
   * Stop taking work, stop following logs, let running reconciles finish (at most `drainMs`), then
   * write pending status (at most `flushMs`) unless `flush` is false: a replica that lost the Lease
   * must not write over what the new leader decided. Resolves when done or out of time.
   */
  async stop(options: { drainMs?: number; flushMs?: number; flush?: boolean } = {}): Promise<void> {
    const { drainMs = 5000, flushMs = 5000, flush = true } = options;
    for (const t of this.#timers) clearInterval(t);
    this.#loopDelay?.disable();
    this.queue.shutdown();
    this.ctx.streams.stopAll();
    this.ctx.packer.stop();
    this.ctx.admission.stop();
    this.migrationCaps.stop();
    this.mailSyncs.stop();
    this.jobs.stop();
    this.pods.stop();
    const drained = await within(this.#workers ?? Promise.resolve(), drainMs);
    if (!drained) this.log.warn({ drainMs }, 'reconciles still running at shutdown; not waiting for them');
    if (!flush) {
      this.ctx.status.discardAll();
      return;
    }
    const flushed = await within(this.ctx.status.flushAll(), flushMs);
    if (!flushed) this.log.warn({ flushMs }, 'status writes still pending at shutdown; dropped');
  }
}

/** True when `work` settled within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the controller reads of a Job (the cache holds thousands: the pod template is not kept). */
export function trimJob(job: V1Job): V1Job {
  return {
    metadata: job.metadata,
    spec: { suspend: job.spec?.suspend, activeDeadlineSeconds: job.spec?.activeDeadlineSeconds, template: {} },
    status: job.status,
  } as V1Job;
}

/**
 * What the controller reads of a worker pod: identity, labels, owners and status; of the spec only the
 * containers' names and resources (an OutOfMemory message names the limit the worker was killed at).
 */
export function trimPod(pod: V1Pod): V1Pod {
  const status = pod.status;
  const containers = pod.spec?.containers?.map(({ name, resources }) => ({
    name,
    ...(resources ? { resources } : {}),
  }));
  // nodeName: a pod on a node may run before its status says so (pods.ts, workerMayRun).
  const nodeName = pod.spec?.nodeName;
  return {
    metadata: pod.metadata,
    ...(containers ? { spec: { containers, ...(nodeName ? { nodeName } : {}) } } : {}),
    status: status && {
      phase: status.phase,
      conditions: status.conditions,
      containerStatuses: status.containerStatuses,
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
