/**
 * Read-side of the informer caches, with the indexes reconcile needs: Jobs by
 * account pair and by owning MailSync, pods by Job and by MailSync.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { LABEL_MAILSYNC_UID, LABEL_PAIR, type MailSync } from '../api/mailsync.js';
import type { InformerSet } from '../kube/informers.js';
import { type JobView, viewJob } from './run-plan.js';

const JOB_UID_LABELS = ['batch.kubernetes.io/controller-uid', 'controller-uid'];

export function podJobUid(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.kind === 'Job' && r.controller);
  if (owner?.uid) return owner.uid;
  for (const label of JOB_UID_LABELS) {
    const value = pod.metadata?.labels?.[label];
    if (value) return value;
  }
  return undefined;
}

export class ClusterView {
  constructor(
    readonly mailSyncs: InformerSet<MailSync>,
    readonly jobs: InformerSet<V1Job>,
    readonly pods: InformerSet<V1Pod>,
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

  view(job: V1Job): JobView {
    return viewJob(job, this.podsOfJob(job));
  }

  jobsOfPair(pairHash: string): JobView[] {
    return this.jobs
      .list()
      .filter((j) => j.metadata?.labels?.[LABEL_PAIR] === pairHash)
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
