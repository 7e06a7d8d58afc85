/**
 * One RunLog per run (Job UID), fed by following the log of the run's
 * current worker pod. Reconnects while the container runs (the API server
 * or kubelet may drop a long stream), resuming after the last applied line;
 * marks the log done once the container has ended and its log was read to
 * the end. Tells the controller when a RunLog changed (batched per tick).
 * A batch pod (several accounts in one worker) is followed the same way; its
 * log is a BatchRunLog, one RunLog per account (batch-run-log.ts).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { WORKER_CONTAINER } from '../api/mailsync.js';
import { isNotFound, KubeApiError, type KubeClient } from '../kube/kube-client.js';
import { followLog } from '../kube/log-follower.js';
import { type BatchMember, BatchRunLog } from './batch-run-log.js';
import { followedRuns, nextPoll, probeIntervalMs } from './log-read-plan.js';
import { paths } from './paths.js';
import { pollsInFlight, REFRESH_SHARE, refreshIntervalMs } from './refresh-pace.js';
import { RunLog, type RunLogInit } from './run-log.js';

export interface TrackRequest {
  jobUid: string;
  namespace: string;
  pod: string;
  /** The pod's worker container has ended (as the caller's cache says): read its log to the end. */
  ended?: boolean;
  /** The status to resume from (tail, progress, summary, position) when this process has no RunLog yet. */
  resume?: RunLogInit;
  /**
   * The API does not show the worker started yet (pods.ts, workerMayRun): the log is polled, not
   * followed, until it has lines, so that pods still being created take no follow from running ones.
   */
  probe?: boolean;
}

/** A batch pod's run: its accounts (MailSync names), each with the status to resume from. */
export type TrackBatchRequest = Omit<TrackRequest, 'resume'> & { members: ReadonlyArray<BatchMember> };

/** What following a log needs of the run's log: a RunLog, or a BatchRunLog for a batch pod. */
export interface StreamLog {
  readonly pod: string | undefined;
  /** MailSyncs whose live status this log feeds (a batch pod's accounts): status writes per refresh. */
  readonly accounts: number;
  readonly done: boolean;
  beginPod(pod: string): string | undefined;
  apply(rawLine: string): boolean;
  hasLinesOf(pod: string): boolean;
  markDone(): void;
  note(text: string): void;
}

interface Stream {
  log: StreamLog;
  namespace: string;
  /** The pod whose log is applied now, and the one to read once that log ended (a retry pod). */
  pod: string;
  next?: string;
  /** Start order of `pod` (higher = newer): the newest runs are followed. */
  order: number;
  ended: boolean;
  /** Polled until its pod's log has lines (TrackRequest.probe). */
  probing: boolean;
  /** Pod being followed now (one reader at a time: a follow or a poll). */
  following?: string;
  polling: boolean;
  lastReadAt?: number;
  abort?: AbortController;
}

export interface LogStreamHooks {
  onUpdate(jobUid: string): void;
  /** Logs followed live right now. */
  onActiveChange?(active: number): void;
  /** Logs read by polling (over the follow bound) right now. */
  onPolledChange?(polled: number): void;
  /** The refresh interval changed (refresh-pace.ts): the status writer's window follows it. */
  onPaceChange?(intervalMs: number): void;
}

export interface LogStreamOptions {
  /** At most this many logs followed at once (the most recently started runs); the rest are polled. */
  maxFollows: number;
  /**
   * A polled log is read at most this often with few runs; with many, once per
   * refresh interval (refresh-pace.ts), which grows with the load.
   */
  pollIntervalMs: number;
  /** Polls in flight at once: at least this many, more when the polled logs need them (pollsInFlight). */
  pollConcurrency: number;
  maxPollConcurrency: number;
  /** The client's rate limit (requests/s; 0 = none), which refreshes share with everything else. */
  qps: number;
}

export const DEFAULT_LOG_STREAM_OPTIONS: LogStreamOptions = {
  maxFollows: 100,
  pollIntervalMs: 5000,
  pollConcurrency: 8,
  maxPollConcurrency: 32,
  qps: 0,
};

/** Weight of the newest poll in the running mean of poll durations. */
const POLL_MEAN_WEIGHT = 0.2;

const RECONNECT_DELAY_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 15_000;

export class LogStreamManager {
  readonly #streams = new Map<string, Stream>();
  readonly #dirty = new Set<string>();
  readonly options: LogStreamOptions;
  #flushScheduled = false;
  #active = 0;
  #polls = 0;
  #polled = -1;
  /** Polls finished and the milliseconds they took, since the last `readStats()`. */
  #pollsDone = 0;
  #pollMs = 0;
  /** Running mean of poll durations (ms); undefined before the first. */
  #pollMeanMs: number | undefined;
  #refreshMs: number;
  #order = 0;
  #pollTimer?: NodeJS.Timeout;
  #stopped = false;

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly hooks: LogStreamHooks,
    options: Partial<LogStreamOptions> = {},
  ) {
    this.options = { ...DEFAULT_LOG_STREAM_OPTIONS, ...options };
    this.#refreshMs = this.options.pollIntervalMs;
  }

  /** How often each running MailSync's log is polled and its progress written, now (refresh-pace.ts). */
  get refreshMs(): number {
    return this.#refreshMs;
  }

  /** The RunLog of a single-account run (undefined for a batch: see getBatch). */
  get(jobUid: string): RunLog | undefined {
    const log = this.#streams.get(jobUid)?.log;
    return log instanceof RunLog ? log : undefined;
  }

  getBatch(jobUid: string): BatchRunLog | undefined {
    const log = this.#streams.get(jobUid)?.log;
    return log instanceof BatchRunLog ? log : undefined;
  }

  /** The RunLog of one account of a batch run. */
  member(jobUid: string, id: string): RunLog | undefined {
    return this.getBatch(jobUid)?.member(id);
  }

  get active(): number {
    return this.#active;
  }

  /**
   * Logs followed and polled now, polls in flight, and the polls finished
   * since the last call with their mean duration (the controller logs these
   * with its request counters: a slow rotation of polls is a stale status).
   */
  readStats(): {
    followed: number;
    polled: number;
    pollsInFlight: number;
    polls: number;
    pollMeanMs: number;
    refreshMs: number;
  } {
    const stats = {
      refreshMs: this.#refreshMs,
      followed: this.#active,
      polled: Math.max(0, this.#polled),
      pollsInFlight: this.#polls,
      polls: this.#pollsDone,
      pollMeanMs: this.#pollsDone === 0 ? 0 : Math.round(this.#pollMs / this.#pollsDone),
    };
    this.#pollsDone = 0;
    this.#pollMs = 0;
    return stats;
  }

  /** Ensure `pod`'s log is being applied to the run's RunLog; returns the RunLog. */
  track(request: TrackRequest): RunLog {
    return this.#track(request, RunLog, () => new RunLog(request.resume));
  }

  /**
   * The same for a batch pod: its lines are applied to one RunLog per account. The members are
   * those of the first call (a batch pod's accounts are fixed); later calls' members are ignored.
   */
  trackBatch(request: TrackBatchRequest): BatchRunLog {
    return this.#track(request, BatchRunLog, () => new BatchRunLog(request.members));
  }

  #track<L extends StreamLog>(
    request: Omit<TrackRequest, 'resume'>,
    kind: abstract new (...args: never[]) => L,
    create: () => L,
  ): L {
    let stream = this.#streams.get(request.jobUid);
    // A run is a batch or not from its Job on: mixing the two is a bug of the caller.
    if (stream && !(stream.log instanceof kind)) {
      throw new Error(
        `run ${request.jobUid} is followed as ${stream.log instanceof BatchRunLog ? 'a batch' : 'one account'}`,
      );
    }
    // Reconciles track often (every status write comes back as a watch event): rebalance only on news.
    let news = true;
    if (!stream) {
      stream = {
        log: create(),
        namespace: request.namespace,
        pod: request.pod,
        order: ++this.#order,
        ended: request.ended === true,
        probing: request.probe === true,
        polling: false,
      };
      this.#streams.set(request.jobUid, stream);
    } else if (stream.pod !== request.pod) {
      if (this.#finished(stream)) this.#moveTo(stream, request.pod, request.ended === true);
      else if (stream.next !== request.pod) stream.next = request.pod;
      else news = false;
    } else if (request.ended && !stream.ended) {
      stream.ended = true;
      stream.lastReadAt = undefined;
    } else if (stream.probing && request.probe !== true) {
      stream.probing = false;
    } else {
      news = false;
    }
    if (news && !this.#stopped) this.#rebalance();
    return stream.log as L;
  }

  /** Is a follower running for this run? */
  isFollowing(jobUid: string): boolean {
    return this.#streams.get(jobUid)?.following !== undefined;
  }

  /** Is this run's log read by polling (not followed) now? */
  isPolled(jobUid: string): boolean {
    const stream = this.#streams.get(jobUid);
    return stream !== undefined && stream.following === undefined && !this.#finished(stream);
  }

  /** Forget a run (its MailSync is done with it). */
  forget(jobUid: string): void {
    const stream = this.#streams.get(jobUid);
    stream?.abort?.abort();
    this.#streams.delete(jobUid);
    if (!this.#stopped) this.#rebalance();
  }

  /** Forget every run not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const jobUid of [...this.#streams.keys()]) if (!keep.has(jobUid)) this.forget(jobUid);
  }

  stopAll(): void {
    this.#stopped = true;
    clearTimeout(this.#pollTimer);
    for (const stream of this.#streams.values()) stream.abort?.abort();
  }

  /** The log of the stream's pod was read to its end (nothing left to read unless a next pod comes). */
  #finished(stream: Stream): boolean {
    return stream.log.pod === stream.pod && stream.log.done;
  }

  #moveTo(stream: Stream, pod: string, ended: boolean): void {
    stream.pod = pod;
    stream.probing = false;
    stream.next = undefined;
    stream.ended = ended;
    stream.order = ++this.#order;
    stream.lastReadAt = undefined;
  }

  /** Follow the newest runs (up to the bound), stop following the others, and poll those. */
  #rebalance(): void {
    const live = [...this.#streams].filter(([, s]) => !this.#finished(s));
    const follow = followedRuns(
      live.filter(([, s]) => !s.probing).map(([id, s]) => ({ id, order: s.order })),
      this.options.maxFollows,
    );
    for (const [id, stream] of live) {
      if (follow.has(id)) {
        if (stream.following === undefined && !stream.polling) this.#follow(id, stream);
      } else if (stream.following !== undefined) {
        // Demoted: the follow ends (its applied position is kept) and polls take over from there.
        stream.abort?.abort();
      }
    }
    this.#schedulePolls();
  }

  #schedulePolls(): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    if (this.#stopped) return;
    const candidates = () =>
      [...this.#streams].filter(([, s]) => s.following === undefined && !s.polling && !this.#finished(s));
    let waiting = candidates();
    const live = [...this.#streams.values()].filter((s) => !this.#finished(s));
    const polled = live.filter((s) => s.following === undefined).length;
    this.#reportPolled(polled);
    // Every account of a batch pod is a status write per refresh.
    this.#pace(
      live.reduce((n, s) => n + s.log.accounts, 0),
      polled,
    );
    const inFlight = pollsInFlight(
      { polled, intervalMs: this.#refreshMs, meanPollMs: this.#pollMeanMs },
      this.options.pollConcurrency,
      Math.max(this.options.pollConcurrency, this.options.maxPollConcurrency),
    );
    // Probes (a started pod's first lines make its MailSync Running) are read more often, within a budget.
    const probeMs = probeIntervalMs(live.filter((s) => s.probing && s.following === undefined).length, this.#refreshMs);
    while (this.#polls < inFlight && waiting.length > 0) {
      const choice = nextPoll(
        waiting.map(([id, s]) => ({
          id,
          order: s.order,
          urgent: s.ended && s.lastReadAt === undefined,
          ...(s.lastReadAt !== undefined ? { lastReadAt: s.lastReadAt } : {}),
          ...(s.probing ? { intervalMs: probeMs } : {}),
        })),
        Date.now(),
        this.#refreshMs,
      );
      if (!choice) return;
      if ('waitMs' in choice) {
        this.#pollTimer = setTimeout(() => this.#schedulePolls(), choice.waitMs);
        this.#pollTimer.unref();
        return;
      }
      const stream = this.#streams.get(choice.id)!;
      this.#poll(choice.id, stream);
      waiting = candidates();
    }
  }

  /** The refresh interval for this many running MailSyncs, `polled` logs polled; the hook hears of a change. */
  #pace(runs: number, polled: number): void {
    const intervalMs = refreshIntervalMs(runs, polled, {
      qps: this.options.qps,
      share: REFRESH_SHARE,
      floorMs: this.options.pollIntervalMs,
    });
    if (intervalMs === this.#refreshMs) return;
    this.#refreshMs = intervalMs;
    this.hooks.onPaceChange?.(intervalMs);
  }

  #reportPolled(polled: number): void {
    if (polled === this.#polled) return;
    this.#polled = polled;
    this.hooks.onPolledChange?.(polled);
  }

  /** One read of a polled log from its last applied line (no follow). */
  #poll(jobUid: string, stream: Stream): void {
    const abort = new AbortController();
    const pod = stream.pod;
    const endedBefore = stream.ended;
    stream.polling = true;
    stream.abort = abort;
    this.#polls++;
    const startedAt = Date.now();
    let applied = 0;
    const read = async () => {
      const sinceTime = stream.log.beginPod(pod);
      if (stream.log.done) return;
      try {
        await followLog(this.client, {
          namespace: stream.namespace,
          pod,
          container: WORKER_CONTAINER,
          sinceTime,
          follow: false,
          signal: abort.signal,
          onLine: (line) => {
            if (stream.log.apply(line)) {
              applied++;
              this.#changed(jobUid);
            }
          },
        });
      } catch (error) {
        if (abort.signal.aborted) return;
        if (isNotFound(error)) {
          if (await this.#podGone(stream, pod)) return;
          this.log.warn({ namespace: stream.namespace, pod }, 'log not found while its pod exists; retrying');
          return;
        }
        if (!(error instanceof KubeApiError && error.status === 400)) {
          this.log.warn({ namespace: stream.namespace, pod, err: String(error) }, 'log read failed; retrying');
        }
        return;
      }
      if (abort.signal.aborted) return;
      // The container had ended before this read began: the log was read to its end.
      if (endedBefore) stream.log.markDone();
      // Nothing new: maybe the container ended without the caller telling us; ask.
      else if (applied === 0) {
        const state = await this.#containerState(stream.namespace, pod);
        if (state === 'terminated') stream.ended = true;
        else if (state === 'gone') {
          stream.log.note('--- worker pod gone: log no longer available ---');
          stream.log.markDone();
        }
      }
    };
    void read().finally(() => {
      this.#polls--;
      const tookMs = Date.now() - startedAt;
      this.#pollsDone++;
      this.#pollMs += tookMs;
      this.#pollMeanMs =
        this.#pollMeanMs === undefined ? tookMs : this.#pollMeanMs + POLL_MEAN_WEIGHT * (tookMs - this.#pollMeanMs);
      stream.polling = false;
      // Ended during this read: read once more at once, to the end.
      stream.lastReadAt = stream.ended && !endedBefore ? undefined : Date.now();
      if (stream.abort === abort) stream.abort = undefined;
      this.#afterRead(jobUid, stream, abort.signal);
    });
  }

  /** A follow or a poll ended: report the end of a log, move on to a retry pod, and rebalance. */
  #afterRead(jobUid: string, stream: Stream, signal: AbortSignal): void {
    if (this.#streams.get(jobUid) !== stream) return;
    // The probe found the worker at work: its log may now be followed.
    if (stream.probing && stream.log.hasLinesOf(stream.pod)) stream.probing = false;
    if (this.#finished(stream)) {
      this.#changed(jobUid);
      if (stream.next && stream.next !== stream.pod && !signal.aborted) this.#moveTo(stream, stream.next, false);
    }
    if (!this.#stopped) this.#rebalance();
  }

  #changed(jobUid: string): void {
    this.#dirty.add(jobUid);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const dirty = [...this.#dirty];
      this.#dirty.clear();
      for (const uid of dirty) this.hooks.onUpdate(uid);
    });
  }

  #setActive(delta: number): void {
    this.#active += delta;
    this.hooks.onActiveChange?.(this.#active);
  }

  #follow(jobUid: string, stream: Stream): void {
    const abort = new AbortController();
    const pod = stream.pod;
    stream.following = pod;
    stream.abort = abort;
    this.#setActive(1);
    void this.#run(jobUid, stream, pod, abort.signal).finally(() => {
      this.#setActive(-1);
      if (stream.following === pod) stream.following = undefined;
      if (stream.abort === abort) stream.abort = undefined;
      stream.lastReadAt = Date.now();
      this.#afterRead(jobUid, stream, abort.signal);
    });
  }

  async #run(jobUid: string, stream: Stream, pod: string, signal: AbortSignal): Promise<void> {
    const log = this.log.child({ namespace: stream.namespace, pod });
    let delay = RECONNECT_DELAY_MS;
    while (!signal.aborted) {
      const sinceTime = stream.log.beginPod(pod);
      if (stream.log.done) return;
      try {
        await followLog(this.client, {
          namespace: stream.namespace,
          pod,
          container: WORKER_CONTAINER,
          sinceTime,
          signal,
          onLine: (line) => {
            if (stream.log.apply(line)) this.#changed(jobUid);
          },
        });
        delay = RECONNECT_DELAY_MS;
      } catch (error) {
        if (signal.aborted) return;
        if (isNotFound(error)) {
          if (await this.#podGone(stream, pod)) return;
          log.warn('log not found while its pod exists; retrying');
        } else if (!(error instanceof KubeApiError && error.status === 400)) {
          // 400: the container is not started yet (or is being created): wait.
          log.warn({ err: String(error) }, 'log stream failed; retrying');
        }
      }
      if (signal.aborted) return;
      const state = await this.#containerState(stream.namespace, pod);
      if (state === 'gone' || state === 'terminated') {
        if (state === 'terminated') {
          // Read what may have arrived between the end of the stream and the termination.
          await this.#drain(stream, pod, signal, jobUid).catch(() => {});
        }
        stream.log.markDone();
        return;
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
    }
  }

  /** Read the rest of a terminated container's log once (no follow). */
  async #drain(stream: Stream, pod: string, signal: AbortSignal, jobUid: string): Promise<void> {
    const sinceTime = stream.log.beginPod(pod);
    await followLog(this.client, {
      namespace: stream.namespace,
      pod,
      container: WORKER_CONTAINER,
      sinceTime,
      follow: false,
      signal,
      onLine: (line) => {
        if (stream.log.apply(line)) this.#changed(jobUid);
      },
    });
  }

  /**
   * A 404 for a log: the end only when the pod itself is gone. A kubelet that is restarting answers 404 for
   * the containers it has not found again yet, while the worker goes on (found by the fault matrix).
   */
  async #podGone(stream: Stream, pod: string): Promise<boolean> {
    if ((await this.#containerState(stream.namespace, pod)) !== 'gone') return false;
    stream.log.note('--- worker pod gone: log no longer available ---');
    stream.log.markDone();
    return true;
  }

  async #containerState(namespace: string, pod: string): Promise<'running' | 'terminated' | 'waiting' | 'gone'> {
    try {
      const object = await this.client.get<V1Pod>(paths.pod(namespace, pod));
      const status = object.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER);
      if (status?.state?.terminated) return 'terminated';
      if (object.status?.phase === 'Succeeded' || object.status?.phase === 'Failed') return 'terminated';
      if (status?.state?.running) return 'running';
      return 'waiting';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      return 'waiting';
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
