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
}

export type PollChoice = { id: string } | { waitMs: number } | undefined;

/** The `max` most recently started runs (ties: the larger id, so the choice is stable). */
export function followedRuns(runs: readonly RunOrder[], max: number): Set<string> {
  if (max <= 0) return new Set();
  const newestFirst = [...runs].sort((a, b) => b.order - a.order || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return new Set(newestFirst.slice(0, max).map((r) => r.id));
}

/**
 * The run to poll now, or how long to wait until one is due (each run at
 * most once per `minIntervalMs`, urgent ones at once); undefined when there
 * is nothing to poll.
 */
export function nextPoll(candidates: readonly PollCandidate[], now: number, minIntervalMs: number): PollChoice {
  let best: PollCandidate | undefined;
  for (const c of candidates) if (!best || pollsBefore(c, best)) best = c;
  if (!best) return undefined;
  if (best.urgent || best.lastReadAt === undefined) return { id: best.id };
  const dueAt = best.lastReadAt + minIntervalMs;
  return dueAt <= now ? { id: best.id } : { waitMs: dueAt - now };
}

function pollsBefore(a: PollCandidate, b: PollCandidate): boolean {
  if (Boolean(a.urgent) !== Boolean(b.urgent)) return Boolean(a.urgent);
  const aRead = a.lastReadAt ?? Number.NEGATIVE_INFINITY;
  const bRead = b.lastReadAt ?? Number.NEGATIVE_INFINITY;
  if (aRead !== bRead) return aRead < bRead;
  return a.order < b.order || (a.order === b.order && a.id < b.id);
}
