/**
 * Rate limits of the self-service page (per client address, per account
 * pair): one token bucket per key, `burst` tokens refilled at `perMinute`.
 * A request finding its bucket empty is refused at once with the time until
 * the next token (never queued: a web request must not wait). Memory is
 * bounded: buckets that have refilled completely are the same as no bucket
 * and are forgotten; beyond `maxKeys` the oldest are dropped.
 */
export interface RateDecision {
  allowed: boolean;
  /** When refused: seconds until a token is back (rounded up, at least 1). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface KeyedRateLimitOptions {
  burst: number;
  perMinute: number;
  maxKeys?: number;
  /** Milliseconds; injected by tests. */
  now?: () => number;
}

export class KeyedRateLimit {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(readonly options: KeyedRateLimitOptions) {
    if (options.burst < 1 || options.perMinute <= 0) throw new RangeError('burst must be >= 1 and perMinute > 0');
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #tokens(bucket: Bucket, now: number): number {
    return Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 60_000) * this.options.perMinute);
  }

  /** Takes a token for `key` if one is there. */
  take(key: string): RateDecision {
    const now = this.#now();
    const existing = this.#buckets.get(key);
    const tokens = existing ? this.#tokens(existing, now) : this.options.burst;
    if (tokens < 1) {
      const seconds = Math.ceil(((1 - tokens) / this.options.perMinute) * 60);
      return { allowed: false, retryAfterSeconds: Math.max(1, seconds) };
    }
    // Re-inserted so that the Map's order is least recently used first.
    this.#buckets.delete(key);
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.#buckets.size > this.#maxKeys) this.#trim(now);
    return { allowed: true, retryAfterSeconds: 0 };
  }

  #trim(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (this.#tokens(bucket, now) >= this.options.burst) this.#buckets.delete(key);
    }
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxKeys) break;
      this.#buckets.delete(key);
    }
  }
}
