import { describe, expect, it } from 'vitest';
import { type AimdInput, autoSettings, decideLimit } from '../../src/controller/admission/aimd.js';

const settings = { min: 1, max: 10 };
const input = (over: Partial<AimdInput>): AimdInput => ({
  settings,
  limit: 4,
  throughput: 40,
  previous: { throughput: 30, limit: 3 },
  running: 4,
  throttled: 0,
  ...over,
});

describe('concurrency: auto, the next limit of a host', () => {
  it.each([
    ['at the limit and throughput rose: one more', {}, 5, 'increase', /rose from 30 msg\/s to 40 msg\/s/],
    ['a throttling signal: halved', { throttled: 1 }, 2, 'decrease', /^1 throttling signal: halved from 4$/],
    [
      'throttled although throughput rose: halved all the same',
      { throttled: 3, limit: 7 },
      3,
      'decrease',
      /3 throttling signals/,
    ],
    [
      'halving never goes below min',
      { throttled: 1, limit: 3, settings: { min: 2, max: 10 } },
      2,
      'decrease',
      /halved/,
    ],
    ['throttled at min: stays at min', { throttled: 2, limit: 1 }, 1, 'hold', /already at min 1/],
    ['the limit was not reached: hold', { running: 3 }, 4, 'hold', /3 of 4 running at most/],
    ['flat throughput at the same limit: hold', { previous: { throughput: 40, limit: 4 } }, 4, 'hold', /did not rise/],
    [
      'a rise within the noise margin: hold',
      { throughput: 31, previous: { throughput: 30, limit: 4 } },
      4,
      'hold',
      /did not rise/,
    ],
    ['throughput fell after one more sync: hold', { throughput: 25 }, 4, 'hold', /did not rise/],
    ['first window at the limit: one more', { previous: undefined }, 5, 'increase', /first window/],
    [
      'first window at the limit, nothing copied yet: hold',
      { previous: undefined, throughput: 0 },
      4,
      'hold',
      /nothing copied in the first window/,
    ],
    [
      'after a back-off, no throttling: probe back up',
      { throughput: 20, previous: { throughput: 60, limit: 8 } },
      5,
      'increase',
      /back-off from 8/,
    ],
    [
      'never above max',
      { limit: 10, running: 10, throughput: 90, previous: { throughput: 80, limit: 9 } },
      10,
      'hold',
      /rose/,
    ],
    [
      'at max, flat: hold (flat is flat)',
      { limit: 10, running: 10, throughput: 80, previous: { throughput: 80, limit: 10 } },
      10,
      'hold',
      /did not rise/,
    ],
    ['max lowered below the limit (spec edited): down to max', { limit: 14, running: 14 }, 10, 'decrease', /outside/],
    [
      'min raised above the limit: up to min',
      { limit: 1, running: 1, settings: { min: 3, max: 10 } },
      3,
      'increase',
      /outside/,
    ],
  ] as const)('%s', (_name, over, limit, change, reason) => {
    const decision = decideLimit(input(over as Partial<AimdInput>));
    expect(decision).toMatchObject({ limit, change });
    expect(decision.reason).toMatch(reason);
  });

  it('the noise margin shrinks with the limit: at 40 syncs one more (+2.5 %) counts as a rise', () => {
    const at40 = { limit: 41, running: 41, settings: { min: 1, max: 50 } };
    expect(decideLimit(input({ ...at40, throughput: 102.2, previous: { throughput: 100, limit: 40 } })).change).toBe(
      'increase',
    );
    expect(decideLimit(input({ ...at40, throughput: 101, previous: { throughput: 100, limit: 40 } })).change).toBe(
      'hold',
    );
  });
});

describe('concurrency: auto settings', () => {
  it.each([
    ['off without auto', { perSourceHost: 5 }, 'source', undefined],
    ['defaults', { auto: {} }, 'source', { initial: 2, min: 1, max: 50, windowSeconds: 60 }],
    [
      'max defaults to the static cap of the role',
      { perSourceHost: 8, perDestinationHost: 3, auto: {} },
      'destination',
      { initial: 2, min: 1, max: 3, windowSeconds: 60 },
    ],
    [
      'initial within min .. max',
      { auto: { initial: 9, max: 4 } },
      'source',
      { initial: 4, min: 1, max: 4, windowSeconds: 60 },
    ],
    ['initial raised to min', { auto: { min: 3 } }, 'source', { initial: 3, min: 3, max: 50, windowSeconds: 60 }],
    [
      'all given',
      { auto: { initial: 5, min: 2, max: 20, windowSeconds: 15 } },
      'source',
      { initial: 5, min: 2, max: 20, windowSeconds: 15 },
    ],
  ] as const)('%s', (_name, concurrency, role, expected) => {
    expect(autoSettings(concurrency, role)).toEqual(expected);
  });
});
