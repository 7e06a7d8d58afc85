/**
 * The last known state of worker pods that were deleted, kept for a while:
 * an evicted or deleted pod disappears from the API soon after it ended,
 * often before the reconcile that sees its replacement, and its conditions
 * and exit code are what tell an interruption from a failure.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { podJobUid } from './pods.js';

/** Long enough for any replacement pod to show up; short enough to stay small. */
const KEEP_MS = 15 * 60_000;
const MAX_PODS = 2000;

export class DeletedPods {
  readonly #pods = new Map<string, { pod: V1Pod; jobUid: string; at: number }>();

  constructor(readonly now: () => number = Date.now) {}

  remember(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const jobUid = podJobUid(pod);
    if (!uid || !jobUid) return;
    this.#prune();
    this.#pods.set(uid, { pod, jobUid, at: this.now() });
    // Oldest first (Map keeps insertion order): drop beyond the cap.
    while (this.#pods.size > MAX_PODS) this.#pods.delete(this.#pods.keys().next().value!);
  }

  ofJob(jobUid: string): V1Pod[] {
    this.#prune();
    return [...this.#pods.values()].filter((entry) => entry.jobUid === jobUid).map((entry) => entry.pod);
  }

  #prune(): void {
    const limit = this.now() - KEEP_MS;
    for (const [uid, entry] of this.#pods) {
      if (entry.at >= limit) break;
      this.#pods.delete(uid);
    }
  }
}
