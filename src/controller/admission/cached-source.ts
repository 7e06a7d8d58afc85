/**
 * The admission's view of the informer caches (RunningSource): running slots
 * from the Job and pod caches, caps from the migration cache. Each answer is
 * kept until one of those caches changes, so that a thousand queued
 * MailSyncs asking in a row cost one pass over the caches, not a thousand.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { MailSync } from '../../api/mailsync.js';
import type { InformerSet } from '../../kube/informers.js';
import type { RunningSlot, RunningSource } from './admission.js';
import type { GroupCaps } from './decide.js';
import type { MigrationCaps } from './migration-caps.js';
import { runningSlots } from './running.js';

export class CachedRunningSource implements RunningSource {
  #slots?: { version: number; slots: RunningSlot[] };
  #jobUids?: { version: number; uids: Set<string> };
  /**
   * Batch Job UID -> the members whose account has ended in it (their outcome recorded): their
   * slots are free while the pod goes on with the others. In memory: after a restart they count
   * until the pod ends, as before.
   */
  readonly #ended = new Map<string, Set<string>>();
  /** Grows with every member ended (part of `version`). */
  #endedVersion = 0;

  constructor(
    readonly jobs: InformerSet<V1Job>,
    readonly pods: InformerSet<V1Pod>,
    readonly migrationCaps: MigrationCaps,
    /**
     * Only for Jobs made before their hosts were annotated: their MailSync's hosts and migration are
     * those of when the Job was made (a changed spec makes a new run), so the MailSync cache's own
     * changes (every status write) are not part of `version`.
     */
    readonly mailSyncByUid: (uid: string) => MailSync | undefined,
  ) {}

  /** Versions only grow, so their sum changes whenever any of them does. */
  version(): number {
    return this.jobs.version + this.pods.version + this.migrationCaps.version + this.#endedVersion;
  }

  memberEnded(jobUid: string, memberUid: string): void {
    const members = this.#ended.get(jobUid) ?? new Set<string>();
    this.#ended.set(jobUid, members);
    if (members.has(memberUid)) return;
    members.add(memberUid);
    this.#endedVersion++;
  }

  running(): RunningSlot[] {
    const version = this.jobs.version + this.pods.version + this.#endedVersion;
    if (this.#slots?.version !== version) {
      const jobs = this.jobs.list();
      // Forget the ended members of Jobs the cache no longer shows.
      const shown = new Set(jobs.map((j) => j.metadata?.uid));
      for (const uid of this.#ended.keys()) if (!shown.has(uid)) this.#ended.delete(uid);
      const ended = (jobUid: string, memberUid: string) => this.#ended.get(jobUid)?.has(memberUid) === true;
      this.#slots = { version, slots: runningSlots(jobs, this.pods.list(), this.mailSyncByUid, ended) };
    }
    // A copy: the caller adds its reservations to it.
    return [...this.#slots.slots];
  }

  hasJob(jobUid: string): boolean {
    const version = this.jobs.version;
    if (this.#jobUids?.version !== version) {
      const uids = new Set<string>();
      for (const job of this.jobs.list()) if (job.metadata?.uid) uids.add(job.metadata.uid);
      this.#jobUids = { version, uids };
    }
    return this.#jobUids.uids.has(jobUid);
  }

  groupCaps(group: string): GroupCaps | undefined {
    return this.migrationCaps.caps(group);
  }
}
