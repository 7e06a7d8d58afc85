/**
 * The Secret references of an endpoint, in one table: which field names the
 * Secret key, the file it is mounted as in the worker pod, the local field
 * (a file) it becomes there, and what to use instead outside Kubernetes.
 *
 * The controller mounts each referenced key read-only under
 * `<SECRETS_DIR>/<side>/<file>` (docs/worker.md); the worker turns the
 * references into those files before the engine, which only reads files and
 * environment variables, sees the spec.
 */
import { posix } from 'node:path';
import { type MailSyncSpec, type SecretKeyRef, SIDES, type Side } from './spec.js';

/** Where the worker pod finds the mounted Secret keys (env MAILSYNC_SECRETS_DIR). */
export const SECRETS_DIR = '/var/run/mailsync/secrets';

export interface SecretRefField {
  /** The spec field holding the reference. */
  ref: 'passwordSecretRef' | 'oauth2TokenSecretRef' | 'oauth2RefreshSecretRef' | 'caSecretRef';
  /** File name inside the side's mount directory. */
  file: string;
  /** The local field the reference becomes in a worker pod. */
  localField: 'passwordFile' | 'oauth2TokenFile' | 'oauth2RefreshFile' | 'caFile';
  /** What to write instead outside Kubernetes. */
  localAlternative: string;
  /** A credential (password or token) rather than a CA bundle. */
  credential: boolean;
}

export const SECRET_REF_FIELDS: readonly SecretRefField[] = [
  {
    ref: 'passwordSecretRef',
    file: 'password',
    localField: 'passwordFile',
    localAlternative: 'passwordFile or passwordEnv',
    credential: true,
  },
  {
    ref: 'oauth2TokenSecretRef',
    file: 'oauth2-token',
    localField: 'oauth2TokenFile',
    localAlternative: 'oauth2TokenFile',
    credential: true,
  },
  {
    ref: 'oauth2RefreshSecretRef',
    file: 'oauth2-refresh.json',
    localField: 'oauth2RefreshFile',
    localAlternative: 'oauth2RefreshFile',
    credential: true,
  },
  { ref: 'caSecretRef', file: 'ca.crt', localField: 'caFile', localAlternative: 'caFile', credential: false },
];

/** The fields that give an endpoint its credential outside Kubernetes (exactly one of them). */
export const LOCAL_CREDENTIAL_FIELDS = ['passwordFile', 'passwordEnv', 'oauth2TokenFile', 'oauth2RefreshFile'] as const;

/** The credential fields that log in with an OAuth2 token (XOAUTH2), in both contexts. */
export const TOKEN_CREDENTIAL_FIELDS: readonly string[] = [
  'oauth2TokenFile',
  'oauth2RefreshFile',
  'oauth2TokenSecretRef',
  'oauth2RefreshSecretRef',
];

export interface SecretRefUse {
  side: Side;
  field: SecretRefField;
  ref: SecretKeyRef;
  /** "spec.source.passwordSecretRef": for messages. */
  path: string;
}

/** Every Secret reference of a spec, in table order per side. */
export function secretRefsOf(spec: Pick<MailSyncSpec, 'source' | 'destination'>): SecretRefUse[] {
  const uses: SecretRefUse[] = [];
  for (const side of SIDES) {
    for (const field of SECRET_REF_FIELDS) {
      const ref = spec[side][field.ref];
      if (ref) uses.push({ side, field, ref, path: `spec.${side}.${field.ref}` });
    }
  }
  return uses;
}

/** The path of a mounted Secret key in the worker pod. */
export function mountedSecretPath(side: Side, field: SecretRefField, root: string = SECRETS_DIR): string {
  return posix.join(root, side, field.file);
}

type Doc = Record<string, unknown>;

/**
 * A copy of a (not yet validated) spec with every Secret reference replaced by
 * the local field naming its mounted file. Anything malformed is left for
 * validation to report. Pure.
 */
export function resolveMountedSecrets(spec: Doc, root: string = SECRETS_DIR): Doc {
  const out: Doc = { ...spec };
  for (const side of SIDES) {
    const endpoint = spec[side];
    if (typeof endpoint !== 'object' || endpoint === null || Array.isArray(endpoint)) continue;
    const ep: Doc = { ...(endpoint as Doc) };
    for (const field of SECRET_REF_FIELDS) {
      if (ep[field.ref] === undefined) continue;
      delete ep[field.ref];
      ep[field.localField] = mountedSecretPath(side, field, root);
    }
    out[side] = ep;
  }
  return out;
}
