import { describe, expect, it } from 'vitest';
import { KeyedRateLimit } from '../../../src/console/rate-limit.js';

function limiter(burst: number, perMinute: number, maxKeys?: number) {
  let now = 1_000_000;
  const limit = new KeyedRateLimit({ burst, perMinute, now: () => now, ...(maxKeys ? { maxKeys } : {}) });
  return { limit, advance: (ms: number) => (now += ms) };
}

describe('KeyedRateLimit', () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    const { limit } = limiter(3, 6);
    expect([1, 2, 3].map(() => limit.take('1.2.3.4').allowed)).toEqual([true, true, true]);
    expect(limit.take('1.2.3.4')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('refills at the rate per minute', () => {
    const { limit, advance } = limiter(2, 6);
    limit.take('a');
    limit.take('a');
    expect(limit.take('a').allowed).toBe(false);
    advance(5_000);
    expect(limit.take('a')).toEqual({ allowed: false, retryAfterSeconds: 5 });
    advance(5_000);
    expect(limit.take('a').allowed).toBe(true);
    expect(limit.take('a').allowed).toBe(false);
    advance(3_600_000);
    // Never more than the burst, however long the pause.
    expect([1, 2, 3].map(() => limit.take('a').allowed)).toEqual([true, true, false]);
  });

  it('keeps keys apart', () => {
    const { limit } = limiter(1, 1);
    expect(limit.take('a').allowed).toBe(true);
    expect(limit.take('a').allowed).toBe(false);
    expect(limit.take('b').allowed).toBe(true);
  });

  it('a refused request takes no token (hammering does not lengthen the wait)', () => {
    const { limit, advance } = limiter(1, 60);
    limit.take('a');
    for (let i = 0; i < 100; i++) limit.take('a');
    advance(1_000);
    expect(limit.take('a').allowed).toBe(true);
  });

  it('bounds its memory: full buckets are forgotten, then the least recently used', () => {
    const { limit, advance } = limiter(2, 60, 3);
    for (const k of ['a', 'b', 'c']) limit.take(k);
    advance(10_000); // a, b, c are full again
    limit.take('d');
    limit.take('d');
    limit.take('e');
    expect(limit.size).toBeLessThanOrEqual(3);
    // d is remembered empty: still refused.
    expect(limit.take('d').allowed).toBe(false);
    for (const k of ['f', 'g', 'h', 'i']) limit.take(k);
    expect(limit.size).toBeLessThanOrEqual(3);
  });

  it('refuses nonsense settings', () => {
    expect(() => new KeyedRateLimit({ burst: 0, perMinute: 1 })).toThrow(RangeError);
    expect(() => new KeyedRateLimit({ burst: 1, perMinute: 0 })).toThrow(RangeError);
  });
});
