/**
 * One RunLog per run (Job UID), fed by following the log of the run's
 * current worker pod. Reconnects while the container runs (the API server
 * or kubelet may drop a long stream), resuming after the last applied line;
 * marks the log done once the container has ended and its log was read to
 * the end. Tells the controller when a RunLog changed (batched per tick).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { WORKER_CONTAINER } from '../api/mailsync.js';
import { isNotFound, KubeApiError, type KubeClient } from '../kube/kube-client.js';
import { followLog } from '../kube/log-follower.js';
import { paths } from './paths.js';
import { RunLog, type RunLogInit } from './run-log.js';

export interface TrackRequest {
  jobUid: string;
  namespace: string;
  pod: string;
  /** The status to resume from (tail, progress, summary, position) when this process has no RunLog yet. */
  resume?: RunLogInit;
}

interface Stream {
  log: RunLog;
  namespace: string;
  /** Pod being followed now, and the one to follow next (a retry pod). */
  following?: string;
  next?: string;
  abort?: AbortController;
}

export interface LogStreamHooks {
  onUpdate(jobUid: string): void;
  onActiveChange?(active: number): void;
}

const RECONNECT_DELAY_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 15_000;

export class LogStreamManager {
  readonly #streams = new Map<string, Stream>();
  readonly #dirty = new Set<string>();
  #flushScheduled = false;
  #active = 0;
  #stopped = false;

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly hooks: LogStreamHooks,
  ) {}

  get(jobUid: string): RunLog | undefined {
    return this.#streams.get(jobUid)?.log;
  }

  get active(): number {
    return this.#active;
  }

  /** Ensure `pod`'s log is being applied to the run's RunLog; returns the RunLog. */
  track(request: TrackRequest): RunLog {
    let stream = this.#streams.get(request.jobUid);
    if (!stream) {
      stream = { log: new RunLog(request.resume), namespace: request.namespace };
      this.#streams.set(request.jobUid, stream);
    }
    if (this.#stopped) return stream.log;
    if (stream.following === undefined) {
      if (stream.log.pod !== request.pod || !stream.log.done) this.#follow(request.jobUid, stream, request.pod);
    } else if (stream.following !== request.pod) {
      stream.next = request.pod;
    }
    return stream.log;
  }

  /** Is a follower running for this run? */
  isFollowing(jobUid: string): boolean {
    return this.#streams.get(jobUid)?.following !== undefined;
  }

  /** Forget a run (its MailSync is done with it). */
  forget(jobUid: string): void {
    const stream = this.#streams.get(jobUid);
    stream?.abort?.abort();
    this.#streams.delete(jobUid);
  }

  /** Forget every run not in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    for (const jobUid of [...this.#streams.keys()]) if (!keep.has(jobUid)) this.forget(jobUid);
  }

  stopAll(): void {
    this.#stopped = true;
    for (const stream of this.#streams.values()) stream.abort?.abort();
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

  #follow(jobUid: string, stream: Stream, pod: string): void {
    const abort = new AbortController();
    stream.following = pod;
    stream.abort = abort;
    this.#setActive(1);
    void this.#run(jobUid, stream, pod, abort.signal).finally(() => {
      this.#setActive(-1);
      if (stream.following === pod) stream.following = undefined;
      this.#changed(jobUid);
      const next = stream.next;
      stream.next = undefined;
      if (next && next !== pod && !abort.signal.aborted && this.#streams.get(jobUid) === stream) {
        this.#follow(jobUid, stream, next);
      }
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
          stream.log.note('--- worker pod gone: log no longer available ---');
          stream.log.markDone();
          return;
        }
        // 400: the container is not started yet (or is being created): wait.
        if (!(error instanceof KubeApiError && error.status === 400)) {
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
