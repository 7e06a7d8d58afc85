import { describe, expect, it } from 'vitest';
import { type BucketClock, TokenBucket } from '../../src/kube/token-bucket.js';

/** A clock that only moves when told; sleeps are recorded and resolve at once. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  const clock: BucketClock = {
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
    },
  };
  return { clock, sleeps, advance: (ms: number) => (now += ms) };
}

describe('token bucket (client-side rate limit)', () => {
  it('lets a burst through at once, then spaces requests at qps in arrival order', async () => {
    const { clock, sleeps } = fakeClock();
    const bucket = new TokenBucket(20, 3, clock);
    for (let i = 0; i < 6; i++) await bucket.take();
    // 3 at once, then the 4th waits 1/20 s, the 5th 2/20 s, the 6th 3/20 s
    expect(sleeps).toEqual([50, 100, 150]);
  });

  it('refills with time up to the burst, not beyond', async () => {
    const { clock, sleeps, advance } = fakeClock();
    const bucket = new TokenBucket(10, 2, clock);
    await bucket.take();
    await bucket.take();
    advance(60_000);
    expect(bucket.tokens).toBe(2);
    await bucket.take();
    await bucket.take();
    await bucket.take();
    expect(sleeps).toEqual([100]);
  });

  it('gives the reservation back when the waiter aborts', async () => {
    const { clock } = fakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    await bucket.take();
    const abort = new AbortController();
    abort.abort(new Error('caller gave up'));
    await expect(bucket.take(abort.signal)).rejects.toThrow('caller gave up');
    expect(bucket.tokens).toBe(0);
  });

  it('qps 0 means no limit', async () => {
    const { clock, sleeps } = fakeClock();
    const bucket = new TokenBucket(0, 1, clock);
    for (let i = 0; i < 100; i++) await bucket.take();
    expect(sleeps).toEqual([]);
  });
});
