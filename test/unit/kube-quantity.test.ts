import { describe, expect, it } from 'vitest';
import { compareQuantities, parseQuantity } from '../../src/kube/quantity.js';

describe('parseQuantity / compareQuantities', () => {
  it.each<[string | number, string | number, number]>([
    ['1Gi', '1073741824', 0],
    ['1Gi', '1G', 1],
    ['500m', '0.5', 0],
    ['0.5', '501m', -1],
    ['1.5Gi', '1536Mi', 0],
    ['2e3', '2k', 0],
    ['1E-3', '1m', 0],
    ['100n', '1u', -1],
    [4, '4000m', 0],
    ['.5', '0.5', 0],
    ['1Ei', '1E', 1],
    ['129Mi', '128Mi', 1],
  ])('%s vs %s: %i', (a, b, expected) => {
    expect(Math.sign(compareQuantities(parseQuantity(a), parseQuantity(b)))).toBe(expected);
    expect(Math.sign(compareQuantities(parseQuantity(b), parseQuantity(a)))).toBe(-expected || 0);
  });

  it.each(['', 'lots', '1.2.3', '1Gb', '1 Gi', '--1', 'Mi', '1e', '1e999999999', '1'.repeat(41)])(
    'refuses %j with a reason',
    (text) => {
      expect(() => parseQuantity(text)).toThrow(expect.objectContaining({ reason: 'InvalidQuantity' }));
    },
  );
});
