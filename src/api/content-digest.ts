/**
 * The digests that bind what a worker pod mounts from the MailSync's
 * ConfigMap to what the controller wrote and checked: the delta state (an
 * annotation on the ConfigMap, written in the same patch as the state, checked
 * before a run uses it; and the worker's MAILSYNC_STATE_DIGEST) and the
 * worker's spec (MAILSYNC_SPEC_DIGEST). The Job's pod template cannot change
 * after creation, so a ConfigMap edited after the controller's write is noticed
 * by the worker.
 */
import { createHash } from 'node:crypto';

/** On the state ConfigMap: the digest of its state.json. */
export const ANNOTATION_STATE_DIGEST = 'mailsync.io/state-digest';
/** In the worker pod: the digest the mounted state file must have (else the state is not used). */
export const STATE_DIGEST_ENV = 'MAILSYNC_STATE_DIGEST';
/** In the worker pod: the digest the mounted spec file must have (else the run does not start). */
export const SPEC_DIGEST_ENV = 'MAILSYNC_SPEC_DIGEST';

/** "sha256:<hex>" of a text as stored (its UTF-8 bytes). */
export const contentDigest = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;
