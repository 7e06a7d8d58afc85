/**
 * The one mapping of a failed connection open (TCP, TLS, greeting, STARTTLS)
 * to the engine's typed errors, worded for the person who fixes it:
 *   certificate / handshake / no STARTTLS -> TlsError (names the host and what to change)
 *   refused, unreachable, timeouts         -> ConnectError (a retry may help)
 * Login refusals are worded in authenticate.ts (AuthError); refused commands
 * after login in command-errors.ts. Server text is scrubbed of the secret.
 */
import { connectError, isNetworkError } from '../connect-errors.js';
import { MailsyncError, TlsError } from '../errors.js';
import { describeTlsError, isCertificateError, isTlsProtocolError } from '../tls-errors.js';
import type { ResolvedEndpoint } from '../types.js';
import { TransportOpenError } from './transport.js';

/** An open failure with a code that connect-errors.ts puts in words (e.g. GREETING_TIMEOUT). */
export class OpenStepError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'OpenStepError';
  }
}

export function openError(endpoint: ResolvedEndpoint, error: unknown, scrub: (text: string) => string): MailsyncError {
  if (error instanceof MailsyncError) return error;
  const { side, host, port } = endpoint;
  const cause = error instanceof TransportOpenError && error.cause !== undefined ? error.cause : error;
  const tlsPhase = error instanceof TransportOpenError && error.phase === 'tls';
  // A reset or timeout during the handshake is the network's doing (a retry may help), not TLS's.
  const tlsFailure = isCertificateError(cause) || isTlsProtocolError(cause);
  if (tlsFailure || (tlsPhase && !isTimeout(cause) && !isNetworkError(cause))) {
    return new TlsError(`${side} server ${host}:${port}: ${scrub(describeTlsError(cause, host))}`, {
      side,
      cause: error,
    });
  }
  const detail = isTimeout(cause) ? `no answer in time (${(cause as Error).message})` : undefined;
  return connectError(side, host, port, cause, detail && scrub(detail));
}

/** STARTTLS asked for (tls: starttls) but not offered: clear-text passwords only by explicit choice. */
export function startTlsMissing(endpoint: ResolvedEndpoint): TlsError {
  const { side, host, port } = endpoint;
  return new TlsError(
    `TLSRequired: ${side} server ${host}:${port} does not offer STARTTLS (tls: starttls); set tls: none with allowPlaintext: true to allow clear-text passwords`,
    { side },
  );
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && / timed out after \d+ ms$/.test(error.message);
}
