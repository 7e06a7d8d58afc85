/**
 * Which worker logs to follow live and which to poll next, when more runs
 * go on than the controller may follow at once (every follow is a long HTTP
 * stream through the API server and the kubelet). Pure.
 *
 * The most recently started runs are followed: a new run shows its first
 * lines at once, and a long run changes little between two polls. The others
 * are polled (one short read from the last applied line) in a fair rotation:
 * the one read longest ago first, so that every run's status stays about
 * equally fresh; a run whose container ended is read first (its outcome waits
 * for the end of its log).
 */

export interface RunOrder {
  id: string;
  /** Higher = started more recently. */
  order: number;
}

export interface PollCandidate extends RunOrder {
  /** When its log was last read (ms); undefined: never read. */
  lastReadAt?: number;
  /** Read as soon as possible (its container ended). */
  urgent?: boolean;
  /** Its own least interval between reads (a probe's), instead of the common one. */
  intervalMs?: number;
}

export type PollChoice = { id: string } | { waitMs: number } | undefined;

/** The `max` most recently started runs (ties: the larger id, so the choice is stable). */
export function followedRuns(runs: readonly RunOrder[], max: number): Set<string> {
  if (max <= 0) return new Set();
  const newestFirst = [...runs].sort((a, b) => b.order - a.order || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return new Set(newestFirst.slice(0, max).map((r) => r.id));
}

/**
 * Polls per second all probes together may take (a probe: a pod on its node whose worker the API
 * does not show started yet; its log is read until it has lines). A probe is short-lived and its
 * read small, and its first lines make the MailSync Running, which a user waits to see: it is read
 * more often than the refresh interval, within this budget (10 % of the default rate limit).
 */
export const PROBE_POLLS_PER_SECOND = 10;
/** A probe is never read more often than this. */
export const PROBE_MIN_INTERVAL_MS = 1000;

/** How often each of `probes` probing logs is read: as often as the budget allows, never less often than `refreshMs`. */
export function probeIntervalMs(probes: number, refreshMs: number): number {
  const byBudget = Math.max(PROBE_MIN_INTERVAL_MS, (probes * 1000) / PROBE_POLLS_PER_SECOND);
  return Math.min(refreshMs, byBudget);
}

/**
 * The run to poll now, or how long to wait until one is due (each run at
 * most once per `minIntervalMs`, or its own `intervalMs`; urgent ones at
 * once); undefined when there is nothing to poll.
 */
export function nextPoll(candidates: readonly PollCandidate[], now: number, minIntervalMs: number): PollChoice {
  let best: PollCandidate | undefined;
  let bestDue = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const due = dueAt(c, minIntervalMs);
    if (!best || due < bestDue || (due === bestDue && pollsBefore(c, best))) {
      best = c;
      bestDue = due;
    }
  }
  if (!best) return undefined;
  return bestDue <= now ? { id: best.id } : { waitMs: bestDue - now };
}

/** When a candidate is due: urgent first, then never read, then by its last read plus its interval. */
function dueAt(c: PollCandidate, minIntervalMs: number): number {
  if (c.urgent) return Number.NEGATIVE_INFINITY;
  if (c.lastReadAt === undefined) return Number.MIN_SAFE_INTEGER;
  return c.lastReadAt + (c.intervalMs ?? minIntervalMs);
}

function pollsBefore(a: PollCandidate, b: PollCandidate): boolean {
  const aRead = a.lastReadAt ?? Number.NEGATIVE_INFINITY;
  const bRead = b.lastReadAt ?? Number.NEGATIVE_INFINITY;
  if (aRead !== bRead) return aRead < bRead;
  return a.order < b.order || (a.order === b.order && a.id < b.id);
}
