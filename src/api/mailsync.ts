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
