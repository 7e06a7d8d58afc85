/**
 * `concurrency: auto` of a MailMigration, the decision (pure): after each
 * window, the next limit of running syncs against one host, AIMD-style
 * (as TCP's congestion window):
 * - any throttling signal in the window (a run that ended ServerBusy or
 *   ConnectFailed against that host): halve the limit (not below `min`);
 * - the limit was not reached in the window: hold (nothing was learned);
 * - the host's aggregate throughput rose by more than the noise margin over
 *   the previous window (the first window: anything copied at all): one
 *   more sync (not above `max`);
 * - the previous window ran more syncs (a back-off) and nothing throttled
 *   since: one more sync, probing back up;
 * - otherwise hold: one more sync did not pay.
 */
import type { HOST_ROLES } from '../../api/migration.js';
import type { Concurrency } from '../../api/migration-spec.js';

export type HostRole = (typeof HOST_ROLES)[number];

export interface AutoSettings {
  initial: number;
  min: number;
  max: number;
  windowSeconds: number;
}

/** Defaults of spec.concurrency.auto (the CRD has the same). */
export const AUTO_DEFAULTS = { initial: 2, min: 1, max: 50, windowSeconds: 60 } as const;

/**
 * Relative rise of throughput that counts as "rose": 5 %, or half the share one more sync
 * would bring at this limit when that is smaller (at 40 syncs, one more adds 2.5 %).
 */
export const NOISE_MARGIN = 0.05;

/** spec.concurrency.auto with its defaults, for one role; undefined when auto is off. */
export function autoSettings(concurrency: Concurrency | undefined, role: HostRole): AutoSettings | undefined {
  const auto = concurrency?.auto;
  if (!auto) return undefined;
  const staticCap = role === 'source' ? concurrency.perSourceHost : concurrency.perDestinationHost;
  const max = auto.max ?? staticCap ?? AUTO_DEFAULTS.max;
  const min = Math.min(auto.min ?? AUTO_DEFAULTS.min, max);
  const initial = Math.min(max, Math.max(min, auto.initial ?? AUTO_DEFAULTS.initial));
  return { initial, min, max, windowSeconds: auto.windowSeconds ?? AUTO_DEFAULTS.windowSeconds };
}

export interface AimdInput {
  settings: Pick<AutoSettings, 'min' | 'max'>;
  /** The limit during the window. */
  limit: number;
  /** Messages per second copied against this host in the window (all of the migration's syncs). */
  throughput: number;
  /** The previous window's throughput and limit (undefined: first window). */
  previous?: { throughput: number; limit: number };
  /** The most syncs running against the host at once in the window. */
  running: number;
  /** Throttling signals in the window. */
  throttled: number;
}

export interface AimdDecision {
  limit: number;
  change: 'increase' | 'decrease' | 'hold';
  /** Why, in words (status and Event). */
  reason: string;
}

const rate = (n: number) => `${Math.round(n * 10) / 10} msg/s`;

export function decideLimit(input: AimdInput): AimdDecision {
  const { min, max } = input.settings;
  const { limit, throughput, previous, running, throttled } = input;
  const next = (value: number, reason: string): AimdDecision => {
    const bounded = Math.min(max, Math.max(min, value));
    const change = bounded > limit ? 'increase' : bounded < limit ? 'decrease' : 'hold';
    return { limit: bounded, change, reason };
  };
  if (throttled > 0) {
    const signals = `${throttled} throttling signal${throttled === 1 ? '' : 's'}`;
    if (limit <= min) return next(min, `${signals}; already at min ${min}`);
    return next(Math.floor(limit / 2), `${signals}: halved from ${limit}`);
  }
  if (limit < min || limit > max) return next(limit, `limit ${limit} outside min ${min} .. max ${max}`);
  if (running < limit) return next(limit, `${running} of ${limit} running at most: the limit was not reached`);
  const grow = (why: string) =>
    limit >= max ? next(limit, `${why}; at max ${max}`) : next(limit + 1, `${why}: one more`);
  if (!previous) {
    // Syncs that copied nothing yet (pods starting, runs refused) are no reason for more.
    if (throughput <= 0) return next(limit, 'at the limit, nothing copied in the first window: holding');
    return grow(`at the limit, ${rate(throughput)} in the first window`);
  }
  const margin = Math.min(NOISE_MARGIN, 0.5 / Math.max(1, previous.limit));
  if (throughput > previous.throughput * (1 + margin)) {
    return grow(`throughput rose from ${rate(previous.throughput)} to ${rate(throughput)}`);
  }
  if (previous.limit > limit) return grow(`no throttling since the back-off from ${previous.limit}`);
  return next(limit, `throughput did not rise (${rate(previous.throughput)} -> ${rate(throughput)}): holding`);
}
