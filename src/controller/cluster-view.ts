/**
 * Read-side of the informer caches, with the indexes reconcile needs: Jobs by
 * account pair, by owning MailSync and by UID, pods by Job and by MailSync.
 * An index is built on first use and kept until its cache changes (the
 * cache's `version`): scanning every Job and pod on each call made each
 * reconcile and each log update O(n), and the controller's event loop
 * stalled for seconds with 500 syncs running (bench:live, session 7).
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_RUN_GENERATION, LABEL_MAILSYNC_UID, LABEL_PAIR, type MailSync } from '../api/mailsync.js';
import type { InformerSet, KubeObject } from '../kube/informers.js';
import { type BatchMember, batchMembers } from './batch-job.js';
import { DeletedPods } from './deleted-pods.js';
import { migrationOwner } from './migration-owner.js';
import { controlledByMailSync } from './pair-wait.js';
import { olderFirst, podJobUid } from './pods.js';
import { type JobView, viewJob } from './run-plan.js';

/**
 * What the view reads of an informer cache (tests hand in their own). Without
 * `version` the indexes are rebuilt on every call.
 */
export type ObjectCache<T extends KubeObject> = Pick<InformerSet<T>, 'get' | 'list'> & { readonly version?: number };

/** Lists grouped by a key, rebuilt only when the cache's version moves. */
class Index<T extends KubeObject> {
  #version?: number;
  #groups = new Map<string, T[]>();

  constructor(
    readonly cache: ObjectCache<T>,
    /** The keys an object is listed under (none: not indexed). */
    readonly keysOf: (obj: T) => readonly (string | undefined)[],
  ) {}

  get(key: string): readonly T[] {
    const version = this.cache.version;
    if (version === undefined || version !== this.#version) {
      const groups = new Map<string, T[]>();
      for (const obj of this.cache.list()) {
        for (const k of new Set(this.keysOf(obj))) {
          if (k === undefined) continue;
          const group = groups.get(k);
          if (group) group.push(obj);
          else groups.set(k, [obj]);
        }
      }
      this.#groups = groups;
      this.#version = version;
    }
    return this.#groups.get(key) ?? [];
  }
}

/**
 * A batch Job (batch-job.ts) as `member` sees it: its generation in the
 * run-generation annotation, the member as owner, so that the run steps of a
 * MailSync work on it. Only the metadata is copied.
 */
export function memberView(view: JobView, members: BatchMember[], member: BatchMember): JobView {
  const job: V1Job = {
    ...view.job,
    metadata: {
      ...view.job.metadata,
      annotations: { ...view.job.metadata?.annotations, [ANNOTATION_RUN_GENERATION]: String(member.generation) },
    },
  };
  return {
    ...view,
    job,
    ownerUid: member.uid,
    ownerName: member.name,
    batch: { member, members, migrationUid: migrationOwner(view.job)?.uid ?? '' },
  };
}

/** Members count only in a Job a MailMigration controls (a hand-made Job with the annotation holds nothing). */
const membersOf = (job: V1Job): BatchMember[] => (migrationOwner(job) ? batchMembers(job) : []);

const labelOf = (obj: KubeObject & { metadata?: { labels?: Record<string, string> } }, label: string) =>
  obj.metadata?.labels?.[label];

export class ClusterView {
  readonly #podsByJob: Index<V1Pod>;
  readonly #podsByMailSync: Index<V1Pod>;
  readonly #jobsByPair: Index<V1Job>;
  readonly #jobsByMailSync: Index<V1Job>;
  readonly #jobsByUid: Index<V1Job>;

  constructor(
    readonly mailSyncs: ObjectCache<MailSync>,
    readonly jobs: ObjectCache<V1Job>,
    readonly pods: ObjectCache<V1Pod>,
    /** Fed with the pods the informer saw deleted. */
    readonly deletedPods = new DeletedPods(),
  ) {
    // A pod counts for a Job when it carries the Job's pair label and the Job's UID (podJobUid).
    this.#podsByJob = new Index(pods, (p) => [`${labelOf(p, LABEL_PAIR)}/${podJobUid(p)}`]);
    this.#podsByMailSync = new Index(pods, (p) => [labelOf(p, LABEL_MAILSYNC_UID)]);
    this.#jobsByPair = new Index(jobs, (j) =>
      controlledByMailSync(j) ? [labelOf(j, LABEL_PAIR)] : membersOf(j).map((m) => m.pair),
    );
    this.#jobsByMailSync = new Index(jobs, (j) => [
      labelOf(j, LABEL_MAILSYNC_UID),
      ...(j.metadata?.ownerReferences ?? []).filter((r) => r.controller).map((r) => r.uid),
      ...membersOf(j).map((m) => m.uid),
    ]);
    this.#jobsByUid = new Index(jobs, (j) => [j.metadata?.uid]);
  }

  mailSync(namespace: string, name: string): MailSync | undefined {
    return this.mailSyncs.get(name, namespace);
  }

  podsOfJob(job: V1Job): V1Pod[] {
    return [...this.#podsByJob.get(`${labelOf(job, LABEL_PAIR)}/${job.metadata?.uid}`)];
  }

  /** Worker pods labelled with this MailSync's UID, whether or not their Job still exists. */
  podsOfMailSync(uid: string): V1Pod[] {
    return [...this.#podsByMailSync.get(uid)];
  }

  /** Every worker pod of a run the controller knows of, deleted ones included (last known state), oldest first. */
  workerPodsOfRun(job: JobView): V1Pod[] {
    const live = new Set(job.pods.map((p) => p.metadata?.uid));
    const gone = this.deletedPods.ofJob(job.uid).filter((p) => !live.has(p.metadata?.uid));
    return [...job.pods, ...gone].sort(olderFirst);
  }

  view(job: V1Job): JobView {
    return viewJob(job, this.podsOfJob(job));
  }

  /** Jobs of the pair that count for exclusivity: those a MailSync controls (pair-wait.ts), in every watched namespace. */
  jobsOfPair(pairHash: string): JobView[] {
    return this.#jobsByPair
      .get(pairHash)
      .map((j) => this.#asMember(j, (m) => m.pair === pairHash))
      .filter((v): v is JobView => v !== undefined);
  }

  /** The MailSync's own Jobs, and the batch Jobs that list it (each seen as its own). */
  jobsOfMailSync(uid: string): JobView[] {
    return this.#jobsByMailSync
      .get(uid)
      .map((j) => this.#asMember(j, (m) => m.uid === uid))
      .filter((v): v is JobView => v !== undefined);
  }

  /**
   * A Job as seen by the member `which` picks, if it is a batch; undefined for a
   * batch whose member is not a MailSync of the Job's namespace controlled by
   * the Job's own migration (a Job anyone may write must not hold another
   * tenant's account pair, nor speak for its MailSync).
   */
  #asMember(job: V1Job, which: (m: BatchMember) => boolean): JobView | undefined {
    const members = membersOf(job);
    if (members.length === 0) return this.view(job);
    const member = members.find(which);
    if (!member) return undefined;
    const ms = this.mailSyncs.get(member.name, job.metadata?.namespace ?? '');
    const owner = ms && migrationOwner(ms)?.uid;
    if (ms?.metadata.uid !== member.uid || owner === undefined || owner !== migrationOwner(job)?.uid) return undefined;
    return memberView(this.view(job), members, member);
  }

  jobByUid(uid: string): V1Job | undefined {
    return this.#jobsByUid.get(uid)[0];
  }
}
