/**
 * Where the secret of an endpoint comes from: a password (file or environment
 * variable) or an OAuth2 access token (file). Files are read again on every
 * call of `secret()`, so a token refreshed on disk (a sidecar, a rotated
 * Kubernetes Secret) is used by the next connection.
 *
 * Errors name the file or the variable, never the content.
 */
import { readFile } from 'node:fs/promises';
import { LOCAL_CREDENTIAL_FIELDS, SECRET_REF_FIELDS } from '../api/secret-refs.js';
import type { Endpoint } from '../api/spec.js';
import { ConfigError, type Side } from './errors.js';

export type SecretKind = 'password' | 'token';

export interface Credential {
  kind: SecretKind;
  /** "passwordFile /path", "passwordEnv NAME", "oauth2TokenFile /path": for messages. */
  origin: string;
  secret: () => Promise<string>;
}

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? 'unreadable';
}

/**
 * A password file holds the password, possibly followed by line breaks (echo
 * adds one): they are not part of it. Other whitespace is kept. A token is
 * trimmed entirely (tokens never contain spaces).
 */
export function secretFromFileContent(content: string, kind: SecretKind): string {
  return kind === 'token' ? content.trim() : content.replace(/[\r\n]+$/, '');
}

export async function readSecretFile(file: string, kind: SecretKind, side: Side, field: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${side}.${field}: cannot read ${file}: ${why(err)}`, { side });
  }
  const secret = secretFromFileContent(content, kind);
  if (secret === '') throw new ConfigError(`${side}.${field}: ${file} is empty`, { side });
  return secret;
}

/** Rejects Kubernetes-only Secret references (the worker turns them into files before the engine runs). */
export function rejectSecretRefs(endpoint: Endpoint, side: Side): void {
  for (const { ref, localAlternative } of SECRET_REF_FIELDS) {
    if (endpoint[ref] !== undefined) {
      throw new ConfigError(
        `${side}.${ref} names a Kubernetes Secret, which is only read in Kubernetes; use ${localAlternative} here`,
        { side },
      );
    }
  }
}

/**
 * The credential of an endpoint. Checks now that the file is readable / the
 * variable is set (so a typo fails before any connection), and returns a
 * getter that reads it again each time.
 */
export async function credentialOf(
  endpoint: Endpoint,
  side: Side,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credential> {
  const given = LOCAL_CREDENTIAL_FIELDS.filter((f) => endpoint[f] !== undefined);
  if (given.length === 0) {
    throw new ConfigError(`${side}: no credential: set passwordFile, passwordEnv or oauth2TokenFile`, { side });
  }
  if (given.length > 1) throw new ConfigError(`${side}: set only one of ${given.join(', ')}`, { side });
  let credential: Credential;
  if (endpoint.oauth2TokenFile !== undefined) {
    const file = endpoint.oauth2TokenFile;
    credential = {
      kind: 'token',
      origin: `oauth2TokenFile ${file}`,
      secret: () => readSecretFile(file, 'token', side, 'oauth2TokenFile'),
    };
  } else if (endpoint.passwordFile !== undefined) {
    const file = endpoint.passwordFile;
    credential = {
      kind: 'password',
      origin: `passwordFile ${file}`,
      secret: () => readSecretFile(file, 'password', side, 'passwordFile'),
    };
  } else {
    const name = endpoint.passwordEnv!;
    credential = {
      kind: 'password',
      origin: `passwordEnv ${name}`,
      secret: async () => {
        const value = env[name];
        if (value === undefined) {
          throw new ConfigError(`${side}.passwordEnv: environment variable ${name} is not set`, { side });
        }
        if (value === '') throw new ConfigError(`${side}.passwordEnv: environment variable ${name} is empty`, { side });
        return value;
      },
    };
  }
  await credential.secret();
  return credential;
}
