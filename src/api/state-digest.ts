/**
 * The digest that binds the delta state to what the controller wrote: an
 * annotation on the state ConfigMap (written in the same patch as the state,
 * checked before a run uses it) and an environment variable of the worker
 * (the mounted file must be the state the controller checked).
 */
import { createHash } from 'node:crypto';

/** On the state ConfigMap: the digest of its state.json. */
export const ANNOTATION_STATE_DIGEST = 'mailsync.io/state-digest';
/** In the worker pod: the digest the mounted state file must have. */
export const STATE_DIGEST_ENV = 'MAILSYNC_STATE_DIGEST';

/** "sha256:<hex>" of the state as stored (the UTF-8 bytes of the JSON text). */
export const stateDigest = (json: string): string => `sha256:${createHash('sha256').update(json).digest('hex')}`;
