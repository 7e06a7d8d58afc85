/**
 * Client-side rate limit, as client-go's: a token bucket of `burst` tokens
 * refilled at `qps` per second. A caller that finds the bucket empty reserves
 * the next token and waits for it, so waiters are served in arrival order and
 * a burst of requests is spread at `qps` instead of hitting the API server at
 * once. qps <= 0 means no limit.
 */
export interface BucketClock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realBucketClock: BucketClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    readonly clock: BucketClock = realBucketClock,
  ) {
    this.#tokens = burst;
    this.#last = clock.now();
  }

  /** Tokens available now (negative: reserved by waiters). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Takes a token, waiting for one if needed; an abort while waiting gives the reservation back. */
  async take(signal?: AbortSignal): Promise<void> {
    if (this.qps <= 0) return;
    this.#refill();
    this.#tokens -= 1;
    if (this.#tokens >= 0) return;
    const waitMs = (-this.#tokens / this.qps) * 1000;
    try {
      await this.clock.sleep(waitMs, signal);
    } catch (error) {
      this.#tokens += 1;
      throw error;
    }
  }

  #refill(): void {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.qps);
    this.#last = now;
  }
}
