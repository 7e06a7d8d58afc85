/**
 * Packed runs: the worker Job that syncs several MailSyncs of one
 * MailMigration in one pod (spec.accountsPerWorker > 1; `mailsync worker`
 * with MAILSYNC_BATCH, src/worker/batch.ts). A pod per account costs about
 * one CPU-second of the node's (kubelet, containerd, runc), more than a small
 * mailbox's whole sync: docs/performance.md.
 *
 * The Job is controlled by the migration (garbage-collected with it) and
 * lists its members in an annotation: each member's UID, name, account pair,
 * generation and hosts. The cluster view shows the Job to each member as if
 * it were its own (cluster-view.ts, `memberView`), so the run steps of a MailSync (plan,
 * track, finish, abort) work on it; what differs for a member is in this
 * file and in run-plan.ts (a batch is never deleted for one member).
 *
 * Pod layout: one projected volume at /etc/mailsync/batch with, per member,
 * <name>/spec.json and <name>/state.json (its ConfigMap) and
 * <name>/secrets/<side>/<file> (its Secret keys). Pure.
 */
import type { V1Job, V1OwnerReference, V1VolumeProjection } from '@kubernetes/client-node';
import { contentDigest } from '../api/content-digest.js';
import { egressEnv } from '../api/egress-policy.js';
import { ANNOTATION_RUN_TRIGGER, LABEL_MIGRATION, LABEL_PAIR, type MailSync } from '../api/mailsync.js';
import { SECRET_REF_FIELDS } from '../api/secret-refs.js';
import { KUBE_DEFAULTS } from '../api/spec-defaults.js';
import { hostKey } from './admission/hosts.js';
import {
  podFailureRules,
  SPEC_KEY,
  STATE_KEY,
  type WorkerOptions,
  workerPodSpec,
  workerSpecJson,
} from './job-builder.js';

export const ANNOTATION_BATCH_MEMBERS = 'mailsync.io/batch-members';
export const LABEL_BATCH = 'mailsync.io/batch';
export const BATCH_DIR = '/etc/mailsync/batch';
/** A batch Job is removed this long after it finished (its members have recorded their outcomes by then). */
export const BATCH_TTL_SECONDS = 600;

/** One member as the Job's annotation lists it. */
export interface BatchMember {
  uid: string;
  name: string;
  pair: string;
  generation: number;
  sourceHost: string;
  destinationHost: string;
}

/** A JobView of a batch Job as one member sees it (run-plan.ts, run-track.ts, run-finish.ts). */
export interface BatchOf {
  /** This member (its name is its account id in the log). */
  member: BatchMember;
  members: BatchMember[];
  /** The migration controlling the Job. */
  migrationUid: string;
}

const isMember = (m: unknown): m is BatchMember => {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return (
    typeof r.uid === 'string' &&
    typeof r.name === 'string' &&
    typeof r.pair === 'string' &&
    Number.isInteger(r.generation) &&
    typeof r.sourceHost === 'string' &&
    typeof r.destinationHost === 'string'
  );
};

/** The members a Job lists; [] for any other Job, or an annotation that does not parse (someone else's edit). */
export function batchMembers(job: V1Job): BatchMember[] {
  const text = job.metadata?.annotations?.[ANNOTATION_BATCH_MEMBERS];
  if (text === undefined || job.metadata?.labels?.[LABEL_BATCH] === undefined) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every(isMember) ? value : [];
  } catch {
    return [];
  }
}

/** A member's place in a new batch: its MailSync and what its ConfigMap holds now. */
export interface BatchEntry {
  mailSync: MailSync;
  pairHash: string;
  configMapName: string;
  /** The digest of the delta state in its ConfigMap, when there is one to mount. */
  stateDigest?: string;
}

export function memberOf(entry: BatchEntry): BatchMember {
  const { mailSync } = entry;
  return {
    uid: mailSync.metadata.uid!,
    name: mailSync.metadata.name!,
    pair: entry.pairHash,
    generation: mailSync.metadata.generation ?? 0,
    sourceHost: hostKey(mailSync.spec.source.host),
    destinationHost: hostKey(mailSync.spec.destination.host),
  };
}

export interface BatchJobInput {
  jobName: string;
  /** The first entry's spec gives the pod's settings (resources, grace period, deadline): a batch groups equal ones. */
  entries: BatchEntry[];
  owner: V1OwnerReference;
  worker: WorkerOptions;
  trigger?: string;
}

/** The pod settings a batch's members must share (the packer groups by this key). */
export function podSettingsKey(mailSync: MailSync): string {
  const s = mailSync.spec;
  return JSON.stringify([s.resources ?? null, s.gracePeriodSeconds ?? null, s.activeDeadlineSeconds ?? null]);
}

function sources(entry: BatchEntry): V1VolumeProjection[] {
  const name = entry.mailSync.metadata.name!;
  const items = [{ key: SPEC_KEY, path: `${name}/${SPEC_KEY}` }];
  if (entry.stateDigest) items.push({ key: STATE_KEY, path: `${name}/${STATE_KEY}` });
  const out: V1VolumeProjection[] = [{ configMap: { name: entry.configMapName, items } }];
  for (const side of ['source', 'destination'] as const) {
    const endpoint = entry.mailSync.spec[side];
    for (const field of SECRET_REF_FIELDS) {
      const ref = endpoint[field.ref];
      if (ref)
        out.push({
          secret: { name: ref.name, items: [{ key: ref.key, path: `${name}/secrets/${side}/${field.file}` }] },
        });
    }
  }
  return out;
}

export function buildBatchJob(input: BatchJobInput): V1Job {
  const { entries, worker } = input;
  const first = entries[0]!.mailSync;
  const spec = first.spec;
  const namespace = first.metadata.namespace;
  const migration = first.metadata.labels?.[LABEL_MIGRATION] ?? '';
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': 'mailsync-worker',
    'app.kubernetes.io/managed-by': 'mailsync-operator',
    // The pods of a Job are found by its pair label and UID (cluster-view.ts); a batch's "pair" is itself.
    [LABEL_PAIR]: input.jobName.slice(-63),
    [LABEL_BATCH]: 'true',
    ...(migration ? { [LABEL_MIGRATION]: migration } : {}),
  };
  const batchList = entries.map((e) => ({
    id: e.mailSync.metadata.name!,
    specDigest: contentDigest(workerSpecJson(e.mailSync)),
    ...(e.stateDigest ? { stateDigest: e.stateDigest } : {}),
  }));
  const env = [
    { name: 'MAILSYNC_BATCH', value: JSON.stringify(batchList) },
    { name: 'MAILSYNC_BATCH_DIR', value: BATCH_DIR },
    { name: 'HOME', value: '/tmp' },
    { name: 'TMPDIR', value: '/tmp' },
    ...(worker.egress ? egressEnv(worker.egress) : []),
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.jobName,
      namespace,
      labels,
      annotations: {
        [ANNOTATION_BATCH_MEMBERS]: JSON.stringify(entries.map(memberOf)),
        ...(input.trigger ? { [ANNOTATION_RUN_TRIGGER]: input.trigger } : {}),
      },
      ownerReferences: [input.owner],
    },
    spec: {
      completions: 1,
      parallelism: 1,
      // Each account's failure is its MailSync's to retry (spec.retry); a new pod would run every account again.
      backoffLimit: 0,
      activeDeadlineSeconds: spec.activeDeadlineSeconds ?? KUBE_DEFAULTS.activeDeadlineSeconds,
      ttlSecondsAfterFinished: BATCH_TTL_SECONDS,
      podReplacementPolicy: 'Failed',
      podFailurePolicy: { rules: podFailureRules() },
      template: {
        metadata: { labels },
        spec: workerPodSpec({
          spec,
          worker,
          env,
          volumeMounts: [
            { name: 'batch', mountPath: BATCH_DIR, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
          volumes: [
            // 0440 + fsGroup: readable by the worker's group only (Secrets and specs alike).
            { name: 'batch', projected: { defaultMode: 0o440, sources: entries.flatMap(sources) } },
            { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
          ],
        }),
      },
    },
  };
}
