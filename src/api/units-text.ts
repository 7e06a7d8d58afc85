/**
 * Sizes, durations and counts as people read them. One home for these, so
 * that the CLI, status.logTail, Events and the printer columns write
 * "2.00 MiB" and "1m06s" the same way.
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** "512 B", "1.50 KiB", "300.0 MiB": binary units, three significant digits below 100. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(Math.abs(value) < 10 ? 2 : 1)} ${BYTE_UNITS[unit]}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "4.3 s" under a minute, then "1m06s" and "1h02m05s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${pad2(m)}m${pad2(rest)}s` : `${m}m${pad2(rest)}s`;
}

/** "1 message", "3 messages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
