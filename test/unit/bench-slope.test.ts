/** The soak benchmark's growth figure: the least-squares slope of its samples. */
import { describe, expect, it } from 'vitest';
import { leastSquaresSlope } from '../../bench/slope.js';

describe('leastSquaresSlope', () => {
  it.each<[string, [number, number][], number]>([
    [
      'a flat series',
      [
        [0, 5],
        [1, 5],
        [2, 5],
      ],
      0,
    ],
    [
      'a straight line',
      [
        [0, 1],
        [1, 3],
        [2, 5],
        [3, 7],
      ],
      2,
    ],
    [
      'a falling line',
      [
        [0, 10],
        [2, 6],
        [4, 2],
      ],
      -2,
    ],
    [
      'noise around a line (1 per unit)',
      [
        [0, 1],
        [1, 1],
        [2, 3],
        [3, 3],
      ],
      0.8,
    ],
    [
      'a sawtooth (garbage collection) around a flat level',
      [
        [0, 100],
        [1, 140],
        [2, 100],
        [3, 140],
        [4, 100],
        [5, 140],
      ],
      60 / 17.5,
    ],
    [
      'non-finite values left out',
      [
        [0, 0],
        [1, Number.NaN],
        [2, 4],
      ],
      2,
    ],
  ])('%s', (_case, points, slope) => {
    expect(leastSquaresSlope(points)).toBeCloseTo(slope, 9);
  });

  it.each<[string, [number, number][]]>([
    ['no point', []],
    ['one point', [[1, 1]]],
    [
      'the same x twice',
      [
        [1, 1],
        [1, 2],
      ],
    ],
  ])('%s: NaN', (_case, points) => {
    expect(leastSquaresSlope(points)).toBeNaN();
  });
});
