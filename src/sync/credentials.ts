/**
 * Where the secret of an endpoint comes from: a password (file or environment
 * variable), an OAuth2 access token (file), or OAuth2 refresh material (file:
 * the access token comes from the token endpoint). Files are read again on every
 * call of `secret()`, so a token refreshed on disk (a sidecar, a rotated
 * Kubernetes Secret) is used by the next connection.
 *
 * The endpoint is valid already (src/api/spec-problems.ts: exactly one
 * credential). Errors name the field and the file or the variable, never the
 * content.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Endpoint, MailSyncSpec } from '../api/spec.js';
import { SIDES } from '../api/spec.js';
import { describeFsError } from '../api/spec-load.js';
import { ConfigError, type Side } from './errors.js';
import { parseRefreshMaterial } from './oauth2-refresh-material.js';
import { AccessTokenCache, type RefreshEvent } from './oauth2-token-cache.js';
import { endpointLabel, requestAccessToken } from './oauth2-token-request.js';

export type SecretKind = 'password' | 'token';

export interface Credential {
  kind: SecretKind;
  /** "passwordFile /path", "passwordEnv NAME", "oauth2TokenFile /path": for messages. */
  origin: string;
  secret: () => Promise<string>;
  /**
   * Only for refreshable tokens (oauth2RefreshFile): the server refused this
   * secret; the next `secret()` asks the token endpoint for a new one.
   */
  refused?: (secret: string) => void;
}

/** What a refreshing credential needs besides the spec: trust for the token endpoint, a deadline, a logger. */
export interface CredentialOptions {
  env?: NodeJS.ProcessEnv;
  /** The side's trust (system store plus caFile), used for its token endpoint too. */
  secureContext?: import('node:tls').SecureContext;
  /** Deadline of one token request. */
  timeoutMs?: number;
  /** Where a token request may go (the run's egress policy, as for the IMAP connections). */
  egress?: import('../api/egress-policy.js').EgressPolicy;
  logger?: { info(obj: object, msg: string): void };
}

/**
 * A password file holds the password, possibly followed by line breaks (echo
 * adds one): they are not part of it. Other whitespace is kept. A token is
 * trimmed entirely (tokens never contain spaces).
 */
export function secretFromFileContent(content: string, kind: SecretKind): string {
  return kind === 'token' ? content.trim() : content.replace(/[\r\n]+$/, '');
}

const unreadable = (side: Side, field: string, file: string, err: unknown) =>
  new ConfigError(`spec.${side}.${field}: cannot read ${file}: ${describeFsError(err)}`, { side });
const emptyFile = (side: Side, field: string, file: string) =>
  new ConfigError(`spec.${side}.${field}: ${file} is empty`, { side });

export async function readSecretFile(file: string, kind: SecretKind, side: Side, field: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw unreadable(side, field, file, err);
  }
  const secret = secretFromFileContent(content, kind);
  if (secret === '') throw emptyFile(side, field, file);
  return secret;
}

function envSecret(name: string, side: Side, env: Readonly<Record<string, string | undefined>>): string {
  const value = env[name];
  if (value === undefined || value === '') {
    const state = value === undefined ? 'is not set' : 'is empty';
    throw new ConfigError(`spec.${side}.passwordEnv: the environment variable ${name} ${state}`, { side });
  }
  return value;
}

/**
 * The credential of an endpoint. Checks now that the file is readable / the
 * variable is set (so a typo fails before any connection), and returns a
 * getter that reads it again each time.
 */
export async function credentialOf(
  endpoint: Endpoint,
  side: Side,
  options: CredentialOptions = {},
): Promise<Credential> {
  const env = options.env ?? process.env;
  let credential: Credential;
  if (endpoint.oauth2RefreshFile !== undefined) {
    credential = await refreshingCredential(endpoint.oauth2RefreshFile, side, options);
  } else if (endpoint.oauth2TokenFile !== undefined) {
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
  } else if (endpoint.passwordEnv !== undefined) {
    const name = endpoint.passwordEnv;
    credential = { kind: 'password', origin: `passwordEnv ${name}`, secret: async () => envSecret(name, side, env) };
  } else {
    throw new ConfigError(
      `spec.${side}: no credential: set passwordFile, passwordEnv, oauth2TokenFile or oauth2RefreshFile`,
      { side },
    );
  }
  await credential.secret();
  return credential;
}

/**
 * An access token from the token endpoint, cached and renewed (oauth2-token-cache.ts). The refresh material
 * is read once: a refresh token rotated by the endpoint replaces it in memory for the rest of the run.
 */
async function refreshingCredential(file: string, side: Side, options: CredentialOptions): Promise<Credential> {
  const material = parseRefreshMaterial(
    await readSecretFile(file, 'token', side, 'oauth2RefreshFile'),
    `spec.${side}.oauth2RefreshFile ${file}`,
    side,
  );
  const request = {
    side,
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.secureContext ? { secureContext: options.secureContext } : {}),
    ...(options.egress ? { egress: options.egress } : {}),
  };
  const endpoint = endpointLabel(material.tokenEndpoint);
  const logged = (event: RefreshEvent) =>
    options.logger?.info(
      { side, event: 'oauth2Refresh', tokenEndpoint: endpoint, ...event },
      `${side}: OAuth2 access token obtained from ${endpoint} (${event.cause})`,
    );
  const cache = new AccessTokenCache(
    (refreshToken) => requestAccessToken(material, refreshToken, request),
    material.refreshToken,
    logged,
  );
  return {
    kind: 'token',
    origin: `oauth2RefreshFile ${file}`,
    secret: () => cache.get(),
    refused: (token) => cache.refused(token),
  };
}

function checkFile(side: Side, field: string, file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: st.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
    accessSync(file, constants.R_OK);
    size = st.size;
  } catch (err) {
    throw unreadable(side, field, file, err);
  }
  if (size === 0 && field !== 'caFile') throw emptyFile(side, field, file);
}

/**
 * The credential and CA files exist and are readable, the environment
 * variables are set: checked by the CLI and the worker before the engine
 * starts, so a typo is a one-line configuration error (exit 2).
 */
export function checkSecretsReachable(
  spec: Pick<MailSyncSpec, 'source' | 'destination'>,
  env: Readonly<Record<string, string | undefined>>,
): void {
  for (const side of SIDES) {
    const ep = spec[side];
    if (ep.passwordFile !== undefined) checkFile(side, 'passwordFile', ep.passwordFile);
    if (ep.oauth2TokenFile !== undefined) checkFile(side, 'oauth2TokenFile', ep.oauth2TokenFile);
    if (ep.oauth2RefreshFile !== undefined) checkFile(side, 'oauth2RefreshFile', ep.oauth2RefreshFile);
    if (ep.caFile !== undefined) checkFile(side, 'caFile', ep.caFile);
    if (ep.passwordEnv !== undefined) envSecret(ep.passwordEnv, side, env);
  }
}
