/**
 * How often the live status of running MailSyncs is refreshed, and how many
 * log polls that takes in flight. Pure.
 *
 * Every refresh costs API requests under the client's rate limit
 * (--kube-api-qps): a status write per running MailSync, and a log read per
 * run whose log is polled (over --max-log-follows). With a fixed 5 s the
 * demand grows with the runs and reaches the limit: at 300 runs (60
 * followed) bench:live measured 99.3 requests/s against a limit of 100; at
 * 500 (100 followed) it would be 180/s. Past the limit every request waits
 * in the client's token bucket behind refreshes, run starts and Events
 * included (only the Lease has its own). Instead the interval grows with
 * the load so that refreshes take at most a fixed share of the limit and the
 * rest stays free (docs/performance.md, "500 running syncs").
 */

export interface RefreshBudget {
  /** The client's rate limit, requests per second; 0 or less: none. */
  qps: number;
  /** The share of it that refreshes may take (0..1]. */
  share: number;
  /** The interval with few runs (the status writer's 5 s window). */
  floorMs: number;
}

export const REFRESH_SHARE = 0.9;

/**
 * The refresh interval for `runs` running MailSyncs, `polled` of them read by
 * polling: one status write per run and one read per polled log per interval.
 */
export function refreshIntervalMs(runs: number, polled: number, budget: RefreshBudget): number {
  if (budget.qps <= 0 || budget.share <= 0) return budget.floorMs;
  const requests = Math.max(0, runs) + Math.max(0, polled);
  return Math.max(budget.floorMs, Math.ceil((requests / (budget.qps * budget.share)) * 1000));
}

export interface PollLoad {
  /** Logs read by polling. */
  polled: number;
  /** Each is read once per this interval. */
  intervalMs: number;
  /** How long a poll takes (the mean of recent ones); undefined before the first. */
  meanPollMs: number | undefined;
}

/**
 * Polls in flight needed to read every polled log once per interval (Little's
 * law: rate x duration, with half again as margin), between `min` and `max`.
 * On a loaded node a poll takes from 0.1 s to over 1 s: a fixed 8 in flight
 * read 400 polled logs once a minute at best.
 */
export function pollsInFlight(load: PollLoad, min: number, max: number): number {
  if (load.meanPollMs === undefined || load.polled <= 0 || load.intervalMs <= 0) return min;
  const needed = Math.ceil(((load.polled * load.meanPollMs) / load.intervalMs) * 1.5);
  return Math.min(max, Math.max(min, needed));
}
