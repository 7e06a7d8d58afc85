/**
 * The refresh pace: the interval grows with the runs so that status writes
 * and log polls fit a share of the client's rate limit; the polls in flight
 * follow how long a poll takes (Little's law).
 */
import { describe, expect, it } from 'vitest';
import { pollsInFlight, refreshIntervalMs } from '../../../src/controller/refresh-pace.js';

describe('refreshIntervalMs', () => {
  const budget = { qps: 100, share: 0.9, floorMs: 5000 };
  it.each([
    { runs: 0, polled: 0, ms: 5000, why: 'nothing runs: the floor' },
    { runs: 100, polled: 0, ms: 5000, why: '100 writes per 5 s = 20/s, under 90/s' },
    { runs: 300, polled: 240, ms: 6000, why: '540 requests at 90/s' },
    { runs: 500, polled: 400, ms: 10_000, why: '900 requests at 90/s' },
    { runs: 1000, polled: 900, ms: 21_112, why: '1,900 requests at 90/s, rounded up' },
  ])('$runs runs, $polled polled: $ms ms ($why)', ({ runs, polled, ms }) => {
    expect(refreshIntervalMs(runs, polled, budget)).toBe(ms);
  });

  it('no rate limit (qps 0) or no share: the floor', () => {
    expect(refreshIntervalMs(1000, 900, { ...budget, qps: 0 })).toBe(5000);
    expect(refreshIntervalMs(1000, 900, { ...budget, share: 0 })).toBe(5000);
  });

  it('a smaller share waits longer', () => {
    expect(refreshIntervalMs(500, 400, { ...budget, share: 0.45 })).toBe(20_000);
  });
});

describe('pollsInFlight', () => {
  it.each([
    { polled: 400, intervalMs: 10_000, meanPollMs: undefined, n: 8, why: 'no poll measured yet: the least' },
    { polled: 0, intervalMs: 10_000, meanPollMs: 500, n: 8, why: 'nothing polled' },
    { polled: 400, intervalMs: 10_000, meanPollMs: 100, n: 8, why: '40/s x 0.1 s x 1.5 = 6' },
    { polled: 400, intervalMs: 10_000, meanPollMs: 300, n: 18, why: '40/s x 0.3 s x 1.5 = 18' },
    { polled: 400, intervalMs: 10_000, meanPollMs: 1000, n: 32, why: '60 needed, capped' },
  ])('$polled polled every $intervalMs ms, $meanPollMs ms a poll: $n ($why)', ({ n, ...load }) => {
    expect(pollsInFlight(load, 8, 32)).toBe(n);
  });
});
