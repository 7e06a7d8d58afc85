/**
 * imapsync reads passwords from IMAPSYNC_PASSWORD1/2 when no other credential
 * is given; so does mailsync (after the config file had its say).
 */
import { LOCAL_CREDENTIAL_FIELDS, SECRET_REF_FIELDS } from '../api/secret-refs.js';

/** Any of these on a side means the side has its credential. */
const CREDENTIAL_FIELDS: readonly string[] = [
  ...LOCAL_CREDENTIAL_FIELDS,
  ...SECRET_REF_FIELDS.filter((f) => f.credential).map((f) => f.ref),
];

/** Sets passwordEnv on each side of `spec` that has no credential and whose variable is set; returns the notices. */
export function imapsyncPasswordEnvFallback(
  spec: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const notices: string[] = [];
  for (const [side, n] of [
    ['source', '1'],
    ['destination', '2'],
  ] as const) {
    const ep = spec[side];
    if (!ep || typeof ep !== 'object') continue;
    const e = ep as Record<string, unknown>;
    const hasCredential = CREDENTIAL_FIELDS.some((k) => e[k] !== undefined);
    const name = `IMAPSYNC_PASSWORD${n}`;
    if (!hasCredential && env[name] !== undefined) {
      e.passwordEnv = name;
      notices.push(`${side} password taken from the environment variable ${name}`);
    }
  }
  return notices;
}
