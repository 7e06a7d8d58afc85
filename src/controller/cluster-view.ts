/**
 * Read-side of the informer caches, with the indexes reconcile needs: Jobs by
 * account pair and by owning MailSync, pods by Job and by MailSync.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { LABEL_MAILSYNC_UID, LABEL_PAIR, type MailSync } from '../api/mailsync.js';
import type { InformerSet, KubeObject } from '../kube/informers.js';
import { DeletedPods } from './deleted-pods.js';
import { controlledByMailSync } from './pair-wait.js';
import { olderFirst, podJobUid } from './pods.js';
import { type JobView, viewJob } from './run-plan.js';

/** What the view reads of an informer cache (tests hand in their own). */
export type ObjectCache<T extends KubeObject> = Pick<InformerSet<T>, 'get' | 'list'>;

export class ClusterView {
  constructor(
    readonly mailSyncs: ObjectCache<MailSync>,
    readonly jobs: ObjectCache<V1Job>,
    readonly pods: ObjectCache<V1Pod>,
    /** Fed with the pods the informer saw deleted. */
    readonly deletedPods = new DeletedPods(),
  ) {}

  mailSync(namespace: string, name: string): MailSync | undefined {
    return this.mailSyncs.get(name, namespace);
  }

  podsOfJob(job: V1Job): V1Pod[] {
    const uid = job.metadata?.uid;
    const pair = job.metadata?.labels?.[LABEL_PAIR];
    return this.pods.list().filter((p) => p.metadata?.labels?.[LABEL_PAIR] === pair && podJobUid(p) === uid);
  }

  /** Worker pods labelled with this MailSync's UID, whether or not their Job still exists. */
  podsOfMailSync(uid: string): V1Pod[] {
    return this.pods.list().filter((p) => p.metadata?.labels?.[LABEL_MAILSYNC_UID] === uid);
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
    return this.jobs
      .list()
      .filter((j) => j.metadata?.labels?.[LABEL_PAIR] === pairHash && controlledByMailSync(j))
      .map((j) => this.view(j));
  }

  jobsOfMailSync(uid: string): JobView[] {
    return this.jobs
      .list()
      .filter(
        (j) =>
          j.metadata?.labels?.[LABEL_MAILSYNC_UID] === uid ||
          j.metadata?.ownerReferences?.some((r) => r.controller && r.uid === uid),
      )
      .map((j) => this.view(j));
  }

  jobByUid(uid: string): V1Job | undefined {
    return this.jobs.list().find((j) => j.metadata?.uid === uid);
  }
}
