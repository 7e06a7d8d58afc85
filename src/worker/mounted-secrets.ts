/**
 * In a worker pod the controller mounts each Secret key the MailSync names as
 * a file (docs/worker.md):
 *
 *   <mountRoot>/source/password         <- source.passwordSecretRef
 *   <mountRoot>/source/oauth2-token     <- source.oauth2TokenSecretRef
 *   <mountRoot>/source/ca.crt           <- source.caSecretRef
 *   <mountRoot>/destination/...         the same for the destination
 *
 * The spec's Secret references become the local file fields the engine reads.
 */
import { posix } from 'node:path';

export const DEFAULT_SECRETS_DIR = '/var/run/mailsync/secrets';

/** File name inside a side's directory, per Secret reference field, and the local field it becomes. */
export const MOUNTED_SECRET_FILES = {
  passwordSecretRef: { file: 'password', field: 'passwordFile' },
  oauth2TokenSecretRef: { file: 'oauth2-token', field: 'oauth2TokenFile' },
  caSecretRef: { file: 'ca.crt', field: 'caFile' },
} as const;

type Doc = Record<string, unknown>;

/** A copy of the spec with every Secret reference replaced by the path of its mounted file. Pure. */
export function resolveMountedSecrets(spec: Doc, mountRoot: string = DEFAULT_SECRETS_DIR): Doc {
  const out: Doc = { ...spec };
  for (const side of ['source', 'destination'] as const) {
    const endpoint = spec[side];
    if (typeof endpoint !== 'object' || endpoint === null || Array.isArray(endpoint)) continue;
    const ep: Doc = { ...(endpoint as Doc) };
    for (const [ref, { file, field }] of Object.entries(MOUNTED_SECRET_FILES)) {
      if (ep[ref] === undefined) continue;
      delete ep[ref];
      ep[field] = posix.join(mountRoot, side, file);
    }
    out[side] = ep;
  }
  return out;
}
