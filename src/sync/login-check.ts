/**
 * "Test logins" (imapsync --justlogin) for one side, without a run: resolve
 * the endpoint (tls: auto probing, certificate checks), connect, log in, log
 * out. The web console calls it with the password typed in the browser,
 * passed through an in-memory environment (`passwordEnv`), so it never
 * touches a file, a log or an error message.
 */
import type { Logger } from 'pino';
import type { Endpoint } from '../api/spec.js';
import { resolveEndpoint } from './endpoint.js';
import type { Side } from './errors.js';
import { RawImapConnection } from './imap-raw/connection.js';
import type { ResolvedEndpoint } from './types.js';

export interface LoginCheck {
  side: Side;
  host: string;
  port: number;
  security: ResolvedEndpoint['security'];
  /** The server certificate was verified (TLS used and insecureSkipVerify not set). */
  certificateVerified: boolean;
}

export interface LoginCheckOptions {
  logger: Logger;
  /** Where the endpoint's passwordEnv is looked up. */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Logs in on one side and out again; throws the engine's typed errors (ConnectError, TlsError, AuthError...). */
export async function checkLogin(endpoint: Endpoint, side: Side, options: LoginCheckOptions): Promise<LoginCheck> {
  const resolved = await resolveEndpoint(endpoint, side, { logger: options.logger, env: options.env });
  const connection = await RawImapConnection.open(resolved, { logger: options.logger, signal: options.signal });
  // The login succeeded: a failed LOGOUT changes nothing for the answer.
  await connection.logout().catch(() => connection.destroy('logout failed'));
  return {
    side,
    host: resolved.host,
    port: resolved.port,
    security: resolved.security,
    certificateVerified: resolved.security !== 'none' && resolved.tls.rejectUnauthorized !== false,
  };
}
