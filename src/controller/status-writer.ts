/**
 * The only writer of MailSync status. Holds, per MailSync, the status as the
 * controller wants it and as it was last written, and sends the difference
 * as a JSON merge patch on the status subresource:
 * - urgent changes (phase; a condition's status, reason or observedGeneration)
 *   at once, on the client's 'urgent' lane (sockets of their own: at a mass
 *   start hundreds of requests wait for the 32 of the request lane);
 * - everything else (progress, logTail, a condition's message alone, e.g. a
 *   pending pod's "ContainerCreating") coalesced: at most one write per
 *   MailSync every `intervalMs` (5 s), or the longer refresh interval set by
 *   `pace` (with hundreds running, refresh-pace.ts);
 * - a Queued MailSync's place in line (and the hold its message names) at
 *   most every 30 s near the head of the line, and further
 *   back every 2 s per place (at most every 5 minutes; queuedWindowMs): with
 *   hundreds queued the line moves at every start, and each write came back
 *   as a watch event whose reconcile found the child moved again (26.45 writes
 *   per account in bench:fleet at 1,000 accounts, 18.04 with a flat 30 s);
 * - coalesced writes wait their turn: at most COALESCED_IN_FLIGHT (16) at
 *   once, oldest due first, fewer (4) while urgent writes are out unless the
 *   status is 10 s old; the patch is made when the write goes, so what it
 *   carries is as fresh as the log (with 400 running, 80 writes a second were
 *   due against the 70-80 requests a second a 2-core API server answers: a
 *   patch made when due waited 5 s behind the others for a socket and arrived
 *   5 s old, and a `Running` waited too);
 * - nothing when nothing changed;
 * - always within the CRD's limits, control characters escaped (api/status-bounds.ts).
 * Reconcile reads its status from here (`current`), so it never acts on a
 * stale informer copy of what it wrote itself.
 */
import type { Logger } from 'pino';
import { type MailSync, objectKey, splitKey } from '../api/mailsync.js';
import type { MailSyncStatus } from '../api/status.js';
import { boundStatus } from '../api/status-bounds.js';
import { isNotFound, type KubeClient, type Lane } from '../kube/kube-client.js';
import { applyMergePatch, deepEqual, mergePatch } from '../kube/merge-patch.js';
import { paths } from './paths.js';

/** What of the conditions is news (written at once): all but the messages (and the times that go with them). */
function conditionStates(status: MailSyncStatus): unknown[] {
  return (status.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.observedGeneration]);
}

interface Entry {
  uid: string;
  written: MailSyncStatus;
  desired: MailSyncStatus;
  lastWriteAt: number;
  timer?: NodeJS.Timeout;
  /** When `timer` fires (a change that may go sooner replaces it). */
  dueAt?: number;
  writing?: Promise<void>;
  urgent: boolean;
  /** What waits came from a read paced to the window (a log poll): it may go a little sooner. */
  paced?: boolean;
}

export interface StatusWriterHooks {
  onWrite?(): void;
}

/** Coalesced writes out at once; the rest of the request lane's 32 sockets stays free for everything else. */
export const COALESCED_IN_FLIGHT = 16;
/** ... while urgent writes (a phase change a user waits for) are out: the API server's time goes to them. */
export const COALESCED_IN_FLIGHT_BEHIND_URGENT = 4;
/** ... unless the MailSync's status is this old: its progress goes anyway (issue 9: no older than 15 s). */
export const OVERDUE_MS = 10_000;
/**
 * A change read by a log poll goes once this share of the window has passed. Polls and writes both
 * come once per refresh interval; with the full window each, a write could fall up to a whole
 * interval after the poll whose lines it carries (bench:live at 500: progress 18.4 s old at p99 with a
 * 10 s interval). The poll itself is paced, so this adds no write.
 */
export const PACED_WINDOW_SHARE = 0.5;

/** How often a Queued MailSync near the head of the line has its place rewritten. */
export const QUEUE_INTERVAL_MS = 30_000;
/** Further back, the wait per place in line: a place in the hundreds changes by little, relatively, in minutes. */
export const QUEUE_MS_PER_PLACE = 2_000;
export const QUEUE_MAX_INTERVAL_MS = 300_000;

/** The least time between two writes of a Queued MailSync's place in line, at `position`. */
export function queuedWindowMs(position: number | undefined): number {
  const byPlace = Math.min(QUEUE_MAX_INTERVAL_MS, (position ?? 0) * QUEUE_MS_PER_PLACE);
  return Math.max(QUEUE_INTERVAL_MS, byPlace);
}

export class StatusWriter {
  readonly #entries = new Map<string, Entry>();
  #stopped = false;
  #paceMs = 0;
  /** Coalesced writes that are due, in the order they fell due (keys). */
  readonly #due = new Set<string>();
  #coalescedInFlight = 0;
  #urgentInFlight = 0;

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly intervalMs = 5000,
    readonly hooks: StatusWriterHooks = {},
  ) {}

  #entry(mailSync: MailSync): Entry {
    const key = objectKey(mailSync);
    const uid = mailSync.metadata.uid ?? '';
    let entry = this.#entries.get(key);
    if (!entry || entry.uid !== uid) {
      if (entry?.timer) clearTimeout(entry.timer);
      const status = structuredClone(mailSync.status ?? {});
      entry = { uid, written: status, desired: structuredClone(status), lastWriteAt: 0, urgent: false };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /**
   * Coalesced writes go at most every `ms` (never more often than `intervalMs`): the refresh
   * interval of the running MailSyncs (refresh-pace.ts), so that their writes fit the rate limit.
   */
  pace(ms: number): void {
    this.#paceMs = ms;
  }

  /** The least time between two coalesced writes of one MailSync now. */
  get windowMs(): number {
    return Math.max(this.intervalMs, this.#paceMs);
  }

  /** The latest status the controller decided for this MailSync (written or about to be). */
  current(mailSync: MailSync): MailSyncStatus {
    return structuredClone(this.#entry(mailSync).desired);
  }

  /** The latest phase the controller decided (no copy of the status: the metrics count it for every MailSync). */
  phaseOf(mailSync: MailSync): MailSyncStatus['phase'] {
    return this.#entry(mailSync).desired.phase;
  }

  /**
   * Change the desired status. Phase and condition changes are written at once; everything else is
   * coalesced within the interval. `quiet`: a condition change that is a step on the way to the next
   * phase (a worker pod pending) waits for the window too; the next phase change, often a second
   * later, carries it (one write per run fewer). `paced`: the change comes from a log poll, itself
   * once per window; it goes when half the window has passed (PACED_WINDOW_SHARE).
   */
  update(
    mailSync: MailSync,
    mutate: (status: MailSyncStatus) => void,
    options: { quiet?: boolean; paced?: boolean } = {},
  ): void {
    const entry = this.#entry(mailSync);
    let next = structuredClone(entry.desired);
    mutate(next);
    next = boundStatus(next);
    // Phase and condition changes are news; progress, log lines and reworded messages can wait for the next window.
    const conditionsChanged = !deepEqual(conditionStates(next), conditionStates(entry.desired));
    if (next.phase !== entry.desired.phase || (conditionsChanged && !options.quiet)) entry.urgent = true;
    if (options.paced) entry.paced = true;
    entry.desired = next;
    this.#schedule(objectKey(mailSync), entry);
  }

  /** Write now whatever is pending (reconcile waits for this on phase changes). */
  async flush(mailSync: MailSync): Promise<void> {
    const key = objectKey(mailSync);
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.urgent = true;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    await this.#write(key, entry);
  }

  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry?.timer) clearTimeout(entry.timer);
    this.#entries.delete(key);
    this.#due.delete(key);
  }

  /** Write everything pending (shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all(
      [...this.#entries.entries()].map(([key, entry]) => {
        clearTimeout(entry.timer);
        entry.urgent = true;
        // Everything at once at shutdown: the request lane's 32 sockets, not the urgent lane's 16.
        return this.#write(key, entry, 'requests').catch(() => {});
      }),
    );
    this.#stopped = true;
  }

  /** Write nothing more, pending changes included (a replica that lost the Lease: the new leader owns status). */
  discardAll(): void {
    this.#stopped = true;
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    this.#entries.clear();
    this.#due.clear();
  }

  #schedule(key: string, entry: Entry): void {
    if (this.#stopped) return;
    if (mergePatch(entry.written, entry.desired) === undefined) return;
    const now = Date.now();
    const wait = entry.urgent ? 0 : Math.max(0, entry.lastWriteAt + this.#windowOf(entry) - now);
    // A write already planned as soon (or sooner) stays; one planned later (a place far back) is brought forward.
    if (entry.timer && entry.dueAt !== undefined && entry.dueAt <= now + wait) return;
    this.#arm(key, entry, wait);
  }

  /** (Re)plan the write of `entry` in `waitMs`. */
  #arm(key: string, entry: Entry, waitMs: number): void {
    clearTimeout(entry.timer);
    entry.dueAt = Date.now() + waitMs;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.urgent) void this.#write(key, entry);
      else {
        this.#due.add(key);
        this.#sendDue();
      }
    }, waitMs);
    entry.timer.unref();
  }

  /**
   * Coalesced writes that fell due go while fewer than the limit are out, oldest first. Behind urgent
   * writes only a few go, except for a MailSync whose status is older than OVERDUE_MS: during a mass
   * start, hundreds of phase changes would otherwise keep every running MailSync's progress waiting.
   */
  #sendDue(): void {
    const now = Date.now();
    for (const key of this.#due) {
      if (this.#stopped || this.#coalescedInFlight >= COALESCED_IN_FLIGHT) return;
      const entry = this.#entries.get(key);
      // Behind urgent writes the scan passes over most keys: the cheap test first, the status diff after.
      const behindUrgent = this.#urgentInFlight > 0 && this.#coalescedInFlight >= COALESCED_IN_FLIGHT_BEHIND_URGENT;
      if (entry && behindUrgent && now - entry.lastWriteAt < OVERDUE_MS) continue;
      this.#due.delete(key);
      if (!entry || entry.writing || mergePatch(entry.written, entry.desired) === undefined) continue;
      this.#coalescedInFlight += 1;
      void this.#write(key, entry).finally(() => {
        this.#coalescedInFlight -= 1;
        this.#sendDue();
      });
    }
  }

  /** Coalesced writes waiting for their turn (for the request-stats log). */
  get dueWaiting(): number {
    return this.#due.size;
  }

  /** Non-urgent changes of a MailSync that was and stays Queued are only its place in line (and reworded holds). */
  #windowOf(entry: Entry): number {
    const queued = entry.written.phase === 'Queued' && entry.desired.phase === 'Queued';
    if (queued) return Math.max(this.windowMs, queuedWindowMs(entry.desired.queuePosition));
    return entry.paced ? this.windowMs * PACED_WINDOW_SHARE : this.windowMs;
  }

  async #write(key: string, entry: Entry, lane?: Lane): Promise<void> {
    // One write at a time per MailSync; a second caller waits and then writes what is left.
    while (entry.writing) await entry.writing;
    const patch = mergePatch(entry.written, entry.desired);
    const sendOn: Lane = lane ?? (entry.urgent ? 'urgent' : 'requests');
    entry.urgent = false;
    entry.paced = false;
    if (patch === undefined) return;
    // This write carries everything pending: its turn among the coalesced ones is not needed any more.
    this.#due.delete(key);
    const { namespace, name } = splitKey(key);
    const urgent = sendOn === 'urgent';
    if (urgent) this.#urgentInFlight += 1;
    entry.writing = (async () => {
      try {
        this.hooks.onWrite?.();
        this.log.debug({ namespace, name, fields: Object.keys(patch as object), lane: sendOn }, 'status write');
        await this.client.mergePatch(
          paths.mailSyncStatus(namespace, name),
          // The UID guards against writing onto a new MailSync of the same name.
          { metadata: { uid: entry.uid }, status: patch },
          { lane: sendOn },
        );
        entry.written = applyMergePatch(entry.written, patch) as MailSyncStatus;
        entry.lastWriteAt = Date.now();
      } catch (error) {
        if (isNotFound(error)) {
          this.forget(key);
          return;
        }
        this.log.warn({ namespace, name, err: String(error) }, 'status write failed; retrying');
        entry.lastWriteAt = Date.now();
        if (this.#entries.get(key) === entry && !entry.timer) this.#arm(key, entry, this.windowMs);
      } finally {
        entry.writing = undefined;
        if (urgent) {
          this.#urgentInFlight -= 1;
          if (this.#urgentInFlight === 0) this.#sendDue();
        }
      }
    })();
    await entry.writing;
    // Changes made during the write go out in the next window.
    if (this.#entries.get(key) === entry) this.#schedule(key, entry);
  }
}
