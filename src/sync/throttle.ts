/**
 * Throttling (imapsync --maxbytespersecond, --maxbytesafter,
 * --maxmessagespersecond, --exitwhenover).
 *
 * `Throttle` is a pair of token buckets shared by all folder workers. Each
 * bucket holds at most one second of budget (so after a pause the run may
 * burst for one second, never more) and starts full. `take(bytes, messages)`
 * waits until both buckets hold enough, then spends. A message bigger than a
 * whole second of budget only waits for a full bucket and drives it negative:
 * the following takes wait for the debt, so the average rate still holds.
 * Callers are served in order (first come, first served), so a big message
 * cannot be starved by a stream of small ones. With `unthrottledBytes`
 * (imapsync --maxbytesafter, set by the Gmail presets), the first that many
 * bytes of the run pass without waiting for the byte bucket.
 *
 * `ByteCap` is the per-run byte budget: it answers whether the next message
 * still fits, so the run stops cleanly *before* exceeding the cap.
 *
 * Time is injectable (`now`, `sleep`) so tests run on a fake clock.
 */
import { sleep as realSleep } from './abort.js';
import { AbortedError } from './errors.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface ThrottleRates {
  maxBytesPerSecond?: number;
  /** Bytes of the run that maxBytesPerSecond does not pace (the first ones). */
  unthrottledBytes?: number;
  maxMessagesPerSecond?: number;
}

export interface ThrottleClock {
  /** Milliseconds, monotonic enough (default: performance.now). */
  now?: () => number;
  /** Resolve after ms, reject with the signal's reason when it aborts (default: a real timer). */
  sleep?: Sleep;
}

class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    now: number,
  ) {
    this.tokens = rate; // capacity: one second of budget
    this.last = now;
  }

  refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.rate, this.tokens + elapsed * this.rate);
    this.last = now;
  }

  /** Milliseconds until `amount` (capped at the capacity) is available. */
  waitFor(amount: number): number {
    const needed = Math.min(amount, this.rate);
    if (this.tokens >= needed) return 0;
    // Multiply before dividing and allow for rounding noise, so 4001 bytes at 1000/s is 4001 ms, not 4002.
    return Math.ceil(((needed - this.tokens) * 1000) / this.rate - 1e-9);
  }

  spend(amount: number): void {
    this.tokens -= amount;
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new AbortedError();
}

export class Throttle {
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly bytes?: TokenBucket;
  private readonly messages?: TokenBucket;
  /** What is left of the unpaced bytes at the start of the run. */
  private freeBytes: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(rates: ThrottleRates = {}, clock: ThrottleClock = {}) {
    this.now = clock.now ?? (() => performance.now());
    this.sleep = clock.sleep ?? realSleep;
    const start = this.now();
    this.freeBytes = rates.unthrottledBytes ?? 0;
    if (rates.maxBytesPerSecond !== undefined) this.bytes = new TokenBucket(rates.maxBytesPerSecond, start);
    if (rates.maxMessagesPerSecond !== undefined) this.messages = new TokenBucket(rates.maxMessagesPerSecond, start);
  }

  /** False when no rate is set: take() then returns at once. */
  get enabled(): boolean {
    return this.bytes !== undefined || this.messages !== undefined;
  }

  /**
   * Wait until `bytes` and `messages` fit in the budget, then spend them.
   * Rejects with the signal's reason (an AbortedError when it has none) if
   * the signal aborts while waiting; nothing is spent then.
   */
  async take(bytes: number, messages = 1, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortReason(signal);
    if (!this.enabled) return;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => {
      release = resolve;
    });
    try {
      await this.waitTurn(previous, signal);
      await this.takeNow(bytes, messages, signal);
    } finally {
      // The next caller goes once this one and everyone before it are done.
      void previous.then(release);
    }
  }

  private waitTurn(previous: Promise<void>, signal?: AbortSignal): Promise<void> {
    if (!signal) return previous;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      void previous.then(() => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(abortReason(signal));
        else resolve();
      });
    });
  }

  private async takeNow(allBytes: number, messages: number, signal?: AbortSignal): Promise<void> {
    const free = Math.min(allBytes, this.freeBytes);
    this.freeBytes -= free;
    const bytes = allBytes - free;
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const now = this.now();
      this.bytes?.refill(now);
      this.messages?.refill(now);
      const wait = Math.max(this.bytes?.waitFor(bytes) ?? 0, this.messages?.waitFor(messages) ?? 0);
      if (wait <= 0) break;
      await this.sleep(wait, signal);
    }
    this.bytes?.spend(bytes);
    this.messages?.spend(messages);
  }
}

/**
 * The byte budget of a run (maxBytesPerRun). Workers reserve a message's size
 * before transferring it; when it does not fit, the cap is reached, nothing
 * more is reserved, and the run ends with ByteCapReached. Release the bytes
 * of a message whose transfer failed or was dropped (they were not sent).
 */
export class ByteCap {
  private usedBytes = 0;
  private reachedCap = false;

  constructor(readonly limit?: number) {}

  get used(): number {
    return this.usedBytes;
  }

  /** True once a message did not fit: the run must stop taking messages. */
  get reached(): boolean {
    return this.reachedCap;
  }

  get remaining(): number {
    return this.limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.limit - this.usedBytes);
  }

  /** Whether a message of this size would fit now (reserves nothing). */
  fits(bytes: number): boolean {
    return !this.reachedCap && (this.limit === undefined || this.usedBytes + bytes <= this.limit);
  }

  /** Reserve the bytes of the next message; false (and reached) when it would exceed the cap. */
  tryReserve(bytes: number): boolean {
    if (!this.fits(bytes)) {
      if (this.limit !== undefined) this.reachedCap = true;
      return false;
    }
    this.usedBytes += bytes;
    return true;
  }

  /** Give back a reservation whose message was not transferred. */
  release(bytes: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - bytes);
  }
}
