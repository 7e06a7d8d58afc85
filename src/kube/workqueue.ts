/**
 * A work queue in the style of client-go's: a key is queued at most once; a
 * key being processed is never handed to a second worker (a change that
 * arrives meanwhile is processed right after); failed keys come back with a
 * per-key exponential backoff; delayed adds keep only the earliest deadline.
 * Urgent adds (a phase change the user waits to see) go to a line of their
 * own that is served first, and a key already waiting in the normal line moves
 * to it: with hundreds of keys queued at a mass start, "the log shows the
 * worker at work" must not wait behind every other MailSync's progress.
 * The clock is injected so tests run on a fake one.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Per-key exponential backoff: base, 2*base, 4*base... capped at max. */
export class ExponentialBackoff {
  readonly #failures = new Map<string, number>();

  constructor(
    readonly baseMs = 1000,
    readonly maxMs = 120_000,
  ) {}

  /** The delay for the next retry of `key` (and count the failure). */
  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures, 30));
  }

  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}

export interface QueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
}

const noMetrics: QueueMetrics = { depth: () => {}, added: () => {}, retried: () => {} };

export interface AddOptions {
  /** Served before every key of the normal line (a key already queued there moves up). */
  urgent?: boolean;
}

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #urgent: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  /** Keys changed during processing whose next turn is urgent. */
  readonly #dirtyUrgent = new Set<string>();
  readonly #timers = new Map<string, { at: number; handle: unknown }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;

  constructor(
    readonly name: string,
    readonly clock: Clock = realClock,
    readonly backoff = new ExponentialBackoff(),
    readonly metrics: QueueMetrics = noMetrics,
  ) {}

  add(key: string, options: AddOptions = {}): void {
    if (this.#shuttingDown) return;
    this.metrics.added();
    const urgent = options.urgent === true;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      if (urgent) this.#dirtyUrgent.add(key);
      return;
    }
    if (this.#queued.has(key)) {
      if (urgent) this.#promote(key);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#queued.add(key);
    (urgent ? this.#urgent : this.#queue).push(key);
    this.metrics.depth(this.length);
  }

  /** Move a key of the normal line to the urgent one (a no-op when it is there already). */
  #promote(key: string): void {
    const at = this.#queue.indexOf(key);
    if (at < 0) return;
    this.#queue.splice(at, 1);
    this.#urgent.push(key);
  }

  /** Add `key` after `ms` (an earlier pending deadline for the key wins). */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clearTimeout(existing.handle);
    const handle = this.clock.setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, { at, handle });
  }

  /** Retry `key` after its backoff delay. */
  addRateLimited(key: string): number {
    const delay = this.backoff.when(key);
    this.metrics.retried();
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: reset its backoff. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Next key to process; resolves undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.#urgent.shift() ?? this.#queue.shift();
    if (key !== undefined) {
      this.#queued.delete(key);
      this.#processing.add(key);
      this.metrics.depth(this.length);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Processing of `key` ended; a change that arrived meanwhile queues it again. */
  done(key: string): void {
    this.#processing.delete(key);
    const urgent = this.#dirtyUrgent.delete(key);
    if (this.#dirty.delete(key)) this.add(key, { urgent });
  }

  get length(): number {
    return this.#urgent.length + this.#queue.length;
  }

  /** Keys waiting in the urgent line. */
  get urgentLength(): number {
    return this.#urgent.length;
  }

  isProcessing(key: string): boolean {
    return this.#processing.has(key);
  }

  shutdown(): void {
    this.#shuttingDown = true;
    for (const { handle } of this.#timers.values()) this.clock.clearTimeout(handle);
    this.#timers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }
}

export interface ReconcileResult {
  /** Process the key again after this many milliseconds. */
  requeueAfter?: number;
  /** Process the key again after its backoff delay (a condition retrying can fix). */
  requeue?: boolean;
}

export interface WorkerHooks {
  /** Called after each reconcile with its outcome, for metrics and logs. */
  onResult?(
    key: string,
    result: 'success' | 'error' | 'requeue' | 'requeue_after',
    seconds: number,
    error?: unknown,
  ): void;
  now?(): number;
}

/**
 * Run `concurrency` workers until the queue shuts down. Errors requeue with
 * backoff; success forgets the key's backoff.
 */
export async function runWorkers(
  queue: WorkQueue,
  concurrency: number,
  reconcile: (key: string) => Promise<ReconcileResult | undefined>,
  hooks: WorkerHooks = {},
): Promise<void> {
  const now = hooks.now ?? (() => performance.now());
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = now();
      try {
        const result = (await reconcile(key)) ?? {};
        const seconds = (now() - started) / 1000;
        if (result.requeue) {
          queue.addRateLimited(key);
          hooks.onResult?.(key, 'requeue', seconds);
        } else {
          queue.forget(key);
          if (result.requeueAfter !== undefined) {
            queue.addAfter(key, result.requeueAfter);
            hooks.onResult?.(key, 'requeue_after', seconds);
          } else {
            hooks.onResult?.(key, 'success', seconds);
          }
        }
      } catch (error) {
        queue.addRateLimited(key);
        hooks.onResult?.(key, 'error', (now() - started) / 1000, error);
      } finally {
        queue.done(key);
      }
      // A reconcile that needed no I/O (a queued MailSync asking again) resolves at once: without a turn of
      // the event loop here, a thousand of them in a row hold off timers and answers, Lease renewals
      // among them (5.6 s in bench:fleet). From node:timers, which tests that fake the clock leave real.
      await nextTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
