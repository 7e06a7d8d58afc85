/** Which worker logs are followed and which is polled next (pure decision tables). */
import { describe, expect, it } from 'vitest';
import { followedRuns, nextPoll, type PollCandidate, probeIntervalMs } from '../../src/controller/log-read-plan.js';

const run = (id: string, order: number) => ({ id, order });

describe('followedRuns', () => {
  it.each([
    { name: 'fewer runs than the bound: all', runs: [run('a', 1), run('b', 2)], max: 3, want: ['a', 'b'] },
    { name: 'exactly the bound: all', runs: [run('a', 1), run('b', 2)], max: 2, want: ['a', 'b'] },
    {
      name: 'over the bound: the most recently started',
      runs: [run('a', 1), run('b', 4), run('c', 2), run('d', 3)],
      max: 2,
      want: ['b', 'd'],
    },
    { name: 'same order: the larger id, stable', runs: [run('a', 1), run('b', 1), run('c', 1)], max: 1, want: ['c'] },
    { name: 'bound 0: none (poll everything)', runs: [run('a', 1)], max: 0, want: [] },
    { name: 'no runs', runs: [], max: 5, want: [] },
  ])('$name', ({ runs, max, want }) => {
    expect([...followedRuns(runs, max)].sort()).toEqual(want);
  });
});

describe('nextPoll', () => {
  const c = (id: string, order: number, lastReadAt?: number, urgent?: boolean): PollCandidate => ({
    id,
    order,
    ...(lastReadAt !== undefined ? { lastReadAt } : {}),
    ...(urgent ? { urgent } : {}),
  });
  it.each([
    { name: 'nothing to poll', candidates: [], now: 100, want: undefined },
    { name: 'never read goes first', candidates: [c('a', 1, 90), c('b', 2)], now: 100, want: { id: 'b' } },
    {
      name: 'the one read longest ago, when due',
      candidates: [c('a', 1, 50), c('b', 2, 20), c('c', 3, 80)],
      now: 100,
      want: { id: 'b' },
    },
    {
      name: 'not due yet: how long to wait',
      candidates: [c('a', 1, 95), c('b', 2, 97)],
      now: 100,
      want: { waitMs: 5 },
    },
    { name: 'due exactly at the interval', candidates: [c('a', 1, 90)], now: 100, want: { id: 'a' } },
    {
      name: 'urgent (container ended) before everything, even if just read',
      candidates: [c('a', 1), c('b', 2, 99, true)],
      now: 100,
      want: { id: 'b' },
    },
    {
      name: 'ties: the earlier started first',
      candidates: [c('b', 2, 50), c('a', 1, 50)],
      now: 100,
      want: { id: 'a' },
    },
    {
      name: 'a probe with its own shorter interval is due while one read longer ago is not',
      candidates: [c('a', 1, 92), { ...c('p', 2, 96), intervalMs: 2 }],
      now: 100,
      want: { id: 'p' },
    },
    {
      name: 'nothing due: the wait is to the earliest due, a probe included',
      candidates: [c('a', 1, 95), { ...c('p', 2, 99), intervalMs: 3 }],
      now: 100,
      want: { waitMs: 2 },
    },
  ])('$name', ({ candidates, now, want }) => {
    expect(nextPoll(candidates, now, 10)).toEqual(want);
  });

  it('a rotation over many runs reads every run once before any run twice', () => {
    const lastRead = new Map<string, number | undefined>(['a', 'b', 'c', 'd'].map((id) => [id, undefined]));
    const order = ['a', 'b', 'c', 'd'];
    const picked: string[] = [];
    let now = 0;
    for (let i = 0; i < 8; i++) {
      const choice = nextPoll(
        order.map((id, n) => c(id, n, lastRead.get(id))),
        now,
        0,
      );
      if (!choice || !('id' in choice)) throw new Error('expected a run');
      picked.push(choice.id);
      lastRead.set(choice.id, now);
      now += 1;
    }
    expect(picked).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
  });
});

describe('probeIntervalMs', () => {
  it.each([
    { probes: 1, refreshMs: 5000, want: 1000 },
    { probes: 10, refreshMs: 5000, want: 1000 },
    { probes: 20, refreshMs: 5000, want: 2000 },
    { probes: 300, refreshMs: 5000, want: 5000 },
    { probes: 300, refreshMs: 10_000, want: 10_000 },
    { probes: 1, refreshMs: 500, want: 500 },
  ])(
    '$probes probes, refresh $refreshMs ms: every $want ms (10 probe reads a second in all)',
    ({ probes, refreshMs, want }) => {
      expect(probeIntervalMs(probes, refreshMs)).toBe(want);
    },
  );
});
