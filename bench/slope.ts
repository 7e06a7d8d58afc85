/**
 * The least-squares slope of a series of (x, y) points: how fast a sampled figure (RSS, open file
 * descriptors, queue depth) grows, read through the noise of a garbage-collected heap. NaN with
 * fewer than two distinct x values. Points with a non-finite y are left out. Pure.
 */
export function leastSquaresSlope(points: readonly (readonly [number, number])[]): number {
  const usable = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const n = usable.length;
  if (n < 2) return Number.NaN;
  const meanX = usable.reduce((a, [x]) => a + x, 0) / n;
  const meanY = usable.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of usable) {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}
