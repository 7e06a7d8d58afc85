/**
 * The run-slot gate in front of Job creation. Reconcile asks `request()`
 * right before it creates a run's Job; the answer is synchronous (no await
 * between counting and reserving), so several reconciles in flight can never
 * admit past a cap together.
 *
 * Counting is by what exists, not by statuses: busy Jobs and live worker pods
 * from the informer caches (`RunningSource`), plus the slots reserved here for
 * Jobs just created that the cache does not show yet.
 *
 * Syncs that were not admitted wait in `#waiting`; when a slot may have
 * opened (a Job or pod changed, a migration's caps changed) `poke()` decides
 * again (debounced) and enqueues the keys that may start now.
 *
 * A decision reads every running sync and every waiting one, and each queued
 * MailSync asks again on every reconcile: a re-list that re-queued 1,000
 * queued children made 1,000 decisions over 1,000 waiting, which held the
 * controller's event loop for 5.6 s (bench:fleet, CPU profile). The last
 * decision is reused while nothing it read has changed (the source's
 * `version`, the waiting set, the reservations).
 */
import {
  type AdmissionResult,
  type Candidate,
  type Caps,
  decideAdmission,
  type GroupCaps,
  type Hold,
  type Slot,
} from './decide.js';
import { STANDALONE } from './hosts.js';

/** A running sync: its slot and the UID of its MailSync (a Job and its pod count once). */
export interface RunningSlot extends Slot {
  uid: string;
}

export interface RunningSource {
  running(): RunningSlot[];
  /** The cache shows this Job (whatever its state). */
  hasJob(jobUid: string): boolean;
  /** A batch member's account has ended in this Job: its slot is free (the pod runs on with the others). */
  memberEnded?(jobUid: string, memberUid: string): void;
  groupCaps(group: string): GroupCaps | undefined;
  /**
   * Changes whenever `running()`, `hasJob()` or `groupCaps()` may answer differently (the caches'
   * versions). Without it every request decides afresh.
   */
  version?(): number;
}

export type AdmissionAnswer = { admitted: true } | { admitted: false; position: number; hold: Hold };

/** How long a reservation stands in for a Job the cache does not show yet. */
const RESERVATION_TTL_MS = 60_000;
const POKE_DELAY_MS = 200;

export class Admission {
  readonly #waiting = new Map<string, Candidate & { uid: string }>();
  readonly #reserved = new Map<string, { slot: RunningSlot; until: number; jobUid?: string }>();
  /** Bumped whenever the waiting set or a reservation changes (part of a decision's inputs). */
  #changes = 0;
  #lastDecision?: { inputs: string; result: AdmissionResult };
  #pokeTimer?: NodeJS.Timeout;

  constructor(
    readonly caps: Caps,
    readonly source: RunningSource,
    readonly enqueue: (key: string) => void,
    readonly now: () => number = Date.now,
  ) {}

  /** Some cap may apply: without any, admission is a no-op. */
  #mayHold(group: string): boolean {
    if ((this.caps.maxRunning ?? 0) > 0 || (this.caps.maxRunningPerHost ?? 0) > 0) return true;
    if (group === STANDALONE) return false;
    const caps = this.source.groupCaps(group);
    return Boolean(caps && (caps.total || caps.perSourceHost || caps.perDestinationHost || caps.auto));
  }

  /** The syncs holding a slot: cache-visible ones plus fresh reservations. */
  running(): RunningSlot[] {
    const slots = this.source.running();
    const seen = new Set(slots.map((s) => s.uid));
    const now = this.now();
    for (const [uid, reservation] of this.#reserved) {
      // The cache shows the run's Job: it counts from there (while active), or the run is over already.
      const cached = seen.has(uid) || (reservation.jobUid !== undefined && this.source.hasJob(reservation.jobUid));
      if (cached || reservation.until < now) {
        this.#reserved.delete(uid);
        this.#changes++;
      } else slots.push(reservation.slot);
    }
    return slots;
  }

  #decide(): AdmissionResult {
    const running = this.running();
    const version = this.source.version?.();
    const inputs = version === undefined ? undefined : `${version}/${this.#changes}`;
    if (inputs !== undefined && this.#lastDecision?.inputs === inputs) return this.#lastDecision.result;
    const result = decideAdmission({
      running,
      waiting: [...this.#waiting.values()],
      caps: this.caps,
      groupCaps: (group) => this.source.groupCaps(group),
    });
    if (inputs !== undefined) this.#lastDecision = { inputs, result };
    return result;
  }

  /** Waiting, or waiting with other data (a changed host, say): the next decision cannot reuse the last. */
  #wait(candidate: Candidate & { uid: string }): void {
    const known = this.#waiting.get(candidate.key);
    if (known && sameCandidate(known, candidate)) return;
    this.#waiting.set(candidate.key, candidate);
    this.#changes++;
  }

  #unwait(key: string): void {
    if (this.#waiting.delete(key)) this.#changes++;
  }

  /** May this sync start its run now? Admitted: a slot is reserved for it until its Job shows in the cache. */
  request(candidate: Candidate & { uid: string }): AdmissionAnswer {
    if (!this.#mayHold(candidate.group)) {
      this.#unwait(candidate.key);
      return { admitted: true };
    }
    this.#wait(candidate);
    const result = this.#decide();
    const admitted = result.start.includes(candidate.key);
    // Others the decision would start: they go next (each is admitted by its own request).
    for (const key of result.start) if (key !== candidate.key) this.enqueue(key);
    if (admitted) {
      this.#unwait(candidate.key);
      const { since: _s, ...slot } = candidate;
      this.#reserved.set(candidate.uid, { slot, until: this.now() + RESERVATION_TTL_MS });
      this.#changes++;
      return { admitted: true };
    }
    const queued = result.queued.get(candidate.key)!;
    return { admitted: false, position: queued.position, hold: queued.hold };
  }

  /** The run's Job was created: its reservation ends once the cache shows that Job. */
  created(uid: string, jobUid: string | undefined): void {
    const reservation = this.#reserved.get(uid);
    if (reservation && jobUid) reservation.jobUid = jobUid;
  }

  /** The Job could not be created: give the slot back. */
  release(uid: string): void {
    if (!this.#reserved.delete(uid)) return;
    this.#changes++;
    this.poke();
  }

  /** A packed run's outcome is recorded while its batch pod runs on: its slot goes to whoever waits. */
  memberEnded(jobUid: string, memberUid: string): void {
    if (!this.source.memberEnded) return;
    this.source.memberEnded(jobUid, memberUid);
    this.poke();
  }

  /** The sync no longer waits for a slot (it runs, waits for its pair, was deleted or suspended). */
  forget(key: string): void {
    this.#unwait(key);
  }

  /** Waiting syncs by group (metrics). */
  waitingByGroup(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.#waiting.values()) counts.set(c.group, (counts.get(c.group) ?? 0) + 1);
    return counts;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  /** A slot may have opened: decide again soon and enqueue whoever may start. */
  poke(): void {
    if (this.#waiting.size === 0 || this.#pokeTimer) return;
    this.#pokeTimer = setTimeout(() => {
      this.#pokeTimer = undefined;
      if (this.#waiting.size === 0) return;
      for (const key of this.#decide().start) this.enqueue(key);
    }, POKE_DELAY_MS);
    this.#pokeTimer.unref();
  }

  stop(): void {
    clearTimeout(this.#pokeTimer);
    this.#pokeTimer = undefined;
  }
}

function sameCandidate(a: Candidate & { uid: string }, b: Candidate & { uid: string }): boolean {
  return (
    a.uid === b.uid &&
    a.group === b.group &&
    a.sourceHost === b.sourceHost &&
    a.destinationHost === b.destinationHost &&
    a.since === b.since
  );
}
