/**
 * The syncs holding a run slot, read from the informer caches: Jobs still
 * active (not suspended, not being deleted) and worker pods still alive
 * (a pod outlives its deleted Job while it stops). Keyed by MailSync UID, so
 * a Job and its pod count once. Pure.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION_DESTINATION_HOST,
  ANNOTATION_SOURCE_HOST,
  LABEL_MAILSYNC,
  LABEL_MAILSYNC_UID,
  type MailSync,
  objectKey,
} from '../../api/mailsync.js';
import { batchMembers } from '../batch-job.js';
import { migrationOwner } from '../migration-owner.js';
import { jobState } from '../outcome.js';
import type { RunningSlot } from './admission.js';
import { groupOf, hostKey } from './hosts.js';

type Meta = V1Job['metadata'];

function slotOf(meta: Meta, uid: string, mailSyncByUid: (uid: string) => MailSync | undefined): RunningSlot {
  const annotations = meta?.annotations ?? {};
  let sourceHost = annotations[ANNOTATION_SOURCE_HOST];
  let destinationHost = annotations[ANNOTATION_DESTINATION_HOST];
  let group = groupOf(meta);
  let key = `${meta?.namespace ?? ''}/${meta?.labels?.[LABEL_MAILSYNC] ?? uid}`;
  // Jobs made before hosts were annotated: ask their MailSync.
  const owner = sourceHost === undefined || destinationHost === undefined ? mailSyncByUid(uid) : undefined;
  if (owner) {
    sourceHost = hostKey(owner.spec.source.host);
    destinationHost = hostKey(owner.spec.destination.host);
    group = groupOf(owner.metadata);
    key = objectKey(owner);
  }
  return { uid, key, group, sourceHost: sourceHost ?? '', destinationHost: destinationHost ?? '' };
}

function ownerUid(meta: Meta): string | undefined {
  return (
    meta?.labels?.[LABEL_MAILSYNC_UID] ?? meta?.ownerReferences?.find((o) => o.controller && o.kind === 'MailSync')?.uid
  );
}

export function runningSlots(
  jobs: readonly V1Job[],
  pods: readonly V1Pod[],
  mailSyncByUid: (uid: string) => MailSync | undefined,
  /** A batch member whose account has ended in that Job (its outcome recorded): its slot is free. */
  memberEnded: (jobUid: string, memberUid: string) => boolean = () => false,
): RunningSlot[] {
  const slots = new Map<string, RunningSlot>();
  for (const job of jobs) {
    // A batch Job (several MailSyncs in one pod): each member holds a slot while its account runs in it.
    const members = migrationOwner(job) ? batchMembers(job) : [];
    if (members.length > 0) {
      if (jobState(job) !== 'active' || job.spec?.suspend || job.metadata?.deletionTimestamp) continue;
      const namespace = job.metadata?.namespace ?? '';
      const jobUid = job.metadata?.uid ?? '';
      for (const m of members) {
        if (slots.has(m.uid) || memberEnded(jobUid, m.uid)) continue;
        const group = groupOf(job.metadata);
        const key = `${namespace}/${m.name}`;
        slots.set(m.uid, { uid: m.uid, key, group, sourceHost: m.sourceHost, destinationHost: m.destinationHost });
      }
      continue;
    }
    const uid = ownerUid(job.metadata);
    if (!uid || slots.has(uid)) continue;
    if (jobState(job) !== 'active' || job.spec?.suspend || job.metadata?.deletionTimestamp) continue;
    slots.set(uid, slotOf(job.metadata, uid, mailSyncByUid));
  }
  for (const pod of pods) {
    const uid = pod.metadata?.labels?.[LABEL_MAILSYNC_UID];
    if (!uid || slots.has(uid)) continue;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    slots.set(uid, slotOf(pod.metadata, uid, mailSyncByUid));
  }
  return [...slots.values()];
}
