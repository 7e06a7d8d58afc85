/**
 * The MailSync resource: API group/version constants, the well-known labels,
 * annotations and finalizer, and the TypeScript shape of the object.
 */
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { MailSyncSpec } from './spec.js';
import type { MailSyncStatus } from './status.js';

export const GROUP = 'mailsync.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'MailSync';
export const LIST_KIND = 'MailSyncList';
export const PLURAL = 'mailsyncs';
export const SINGULAR = 'mailsync';
export const SHORT_NAMES = ['ms'];
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Set on every MailSync the controller manages; removed once an abort has finished. */
export const FINALIZER = 'mailsync.io/abort';

/** On Jobs and pods: the account pair hash (the exclusivity key). */
export const LABEL_PAIR = 'mailsync.io/pair';
/** On Jobs, pods and ConfigMaps: the owning MailSync's name and UID (pods lose the Job owner on orphaning). */
export const LABEL_MAILSYNC = 'mailsync.io/mailsync';
export const LABEL_MAILSYNC_UID = 'mailsync.io/mailsync-uid';
/** On Jobs: the MailSync generation this run was started for. */
export const ANNOTATION_RUN_GENERATION = 'mailsync.io/run-generation';
/** On Jobs: why the run started (generation, requested, retry, schedule). */
export const ANNOTATION_RUN_TRIGGER = 'mailsync.io/run-trigger';
/** On Jobs and their pods: the hosts the run connects to (per-host caps count them). */
export const ANNOTATION_SOURCE_HOST = 'mailsync.io/source-host';
export const ANNOTATION_DESTINATION_HOST = 'mailsync.io/destination-host';
/**
 * On a MailSync: run now. A new value (any string; a timestamp by
 * convention, as Flux's reconcile.fluxcd.io/requestedAt) starts a delta run
 * of the same spec; status.lastRequestedAt records the value answered.
 */
export const ANNOTATION_REQUESTED_AT = 'mailsync.io/requested-at';
/** On MailSyncs created by a MailMigration (and their Jobs and pods): the migration's name. */
export const LABEL_MIGRATION = 'mailsync.io/migration';

/** Name of the worker container in the Job's pod. */
export const WORKER_CONTAINER = 'worker';

export interface MailSync {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: V1ObjectMeta;
  spec: MailSyncSpec;
  status?: MailSyncStatus;
}

/** The work-queue key of an object: "namespace/name". */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
