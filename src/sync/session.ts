/**
 * An authenticated imapflow client for a resolved endpoint, with every
 * failure turned into a typed error that names the side, the server and the
 * user, never the secret:
 *   refused credentials              -> AuthError (a retry does not help)
 *   certificate / handshake / no TLS -> TlsError
 *   refused, unreachable, timeouts   -> ConnectError (a retry may help)
 *
 * The secret is read (files again) on each call, so a reconnect picks up a
 * refreshed OAuth2 token.
 */
import type { ImapFlow, ImapFlowOptions } from 'imapflow';
import { connectError } from './connect-errors.js';
import { AbortedError, AuthError, MailsyncError, TlsError } from './errors.js';
import { imapflowLogger, type SessionLogger } from './imapflow-logger.js';
import { describeTlsError, isCertificateError, isTlsProtocolError } from './tls-errors.js';
import type { ResolvedEndpoint } from './types.js';

export interface SessionOptions {
  logger: SessionLogger;
  /** Aborting closes a connection still being opened (the call rejects with AbortedError). */
  signal?: AbortSignal;
  /** Use COMPRESS=DEFLATE when the server offers it (default true). */
  compress?: boolean;
}

/** imapflow's `auth` option for an endpoint and its secret. */
export function imapflowAuth(resolved: ResolvedEndpoint, secret: string): NonNullable<ImapFlowOptions['auth']> {
  switch (resolved.mechanism) {
    case 'XOAUTH2':
      // imapflow uses OAUTHBEARER instead when the server offers it: same token, same result.
      return { user: resolved.user, accessToken: secret };
    case 'PLAIN':
      return resolved.authUser !== undefined
        ? { user: resolved.authUser, pass: secret, authzid: resolved.user, loginMethod: 'AUTH=PLAIN' }
        : { user: resolved.user, pass: secret, loginMethod: 'AUTH=PLAIN' };
    case 'LOGIN':
      return { user: resolved.user, pass: secret, loginMethod: 'LOGIN' };
  }
}

export function sessionOptions(
  resolved: ResolvedEndpoint,
  secret: string,
  options: Pick<SessionOptions, 'logger' | 'compress'>,
): ImapFlowOptions {
  return {
    host: resolved.host,
    port: resolved.port,
    secure: resolved.security === 'implicit',
    // starttls: upgrade or fail; none: never upgrade (explicitly chosen plaintext).
    doSTARTTLS: resolved.security === 'starttls' ? true : resolved.security === 'none' ? false : undefined,
    tls: resolved.tls,
    auth: imapflowAuth(resolved, secret),
    connectionTimeout: resolved.connectTimeoutMs,
    greetingTimeout: resolved.connectTimeoutMs,
    socketTimeout: resolved.commandTimeoutMs,
    logger: imapflowLogger(options.logger, resolved.side, resolved.host),
    disableAutoIdle: true,
    disableCompression: options.compress === false,
    clientInfo: { name: 'mailsync', vendor: 'mailsync-operator' },
  };
}

/** Replaces the secret (and its base64 form) in server text, in case a server echoes it. */
export function scrubSecret(text: string, secret: string): string {
  if (!secret) return text;
  let out = text;
  for (const form of [secret, Buffer.from(secret, 'utf8').toString('base64')]) {
    out = out.split(form).join('[redacted]');
  }
  return out;
}

interface ImapFlowFailure {
  message?: string;
  code?: string;
  authenticationFailed?: boolean;
  tlsFailed?: boolean;
  serverResponseCode?: string;
  response?: unknown;
}

function serverText(e: ImapFlowFailure, secret: string): string {
  const raw = typeof e.response === 'string' ? e.response : (e.message ?? '');
  // imapflow keeps the tagged line ("2 NO [AUTHENTICATIONFAILED] ..."): drop tag and status.
  return scrubSecret(raw.replace(/^\S+ (NO|BAD) /i, '').trim(), secret);
}

function loginDescription(resolved: ResolvedEndpoint): string {
  const how = resolved.mechanism === 'LOGIN' ? 'LOGIN' : `AUTHENTICATE ${resolved.mechanism}`;
  const admin = resolved.authUser !== undefined ? ` as admin "${resolved.authUser}"` : '';
  return `the login of user "${resolved.user}"${admin} (${how})`;
}

/** A typed error for a failed connect/login. Exported for the unit tests and other connection code. */
export function sessionError(err: unknown, resolved: ResolvedEndpoint, secret: string): MailsyncError {
  if (err instanceof MailsyncError) return err;
  const { side, host, port } = resolved;
  const where = `${side} server ${host}:${port}`;
  const e = (err ?? {}) as ImapFlowFailure;
  if (isCertificateError(err)) {
    return new TlsError(`${where}: ${describeTlsError(err, host)}`, { side, cause: err });
  }
  if (e.authenticationFailed) {
    const text = serverText(e, secret);
    if (e.serverResponseCode === 'UNAVAILABLE') {
      return connectError(side, host, port, err, `${loginDescription(resolved)} failed temporarily: ${text}`);
    }
    if (e.message === 'Login is disabled') {
      return new AuthError(`${where} does not allow LOGIN on this connection (LOGINDISABLED)`, { side, cause: err });
    }
    return new AuthError(`${where} refused ${loginDescription(resolved)}: ${text}`, { side, cause: err });
  }
  if (e.message === 'Unsupported authentication mechanism') {
    return new AuthError(
      `${where} does not offer ${resolved.mechanism === 'XOAUTH2' ? 'AUTH=XOAUTH2 or AUTH=OAUTHBEARER' : `AUTH=${resolved.mechanism}`}`,
      { side, cause: err },
    );
  }
  if (e.tlsFailed || isTlsProtocolError(err)) {
    if (/does not support STARTTLS|STARTTLS is not possible/i.test(e.message ?? '')) {
      return new TlsError(
        `TLSRequired: ${where} does not offer STARTTLS (tls: starttls); set tls: none with allowPlaintext: true to allow clear-text passwords`,
        { side, cause: err },
      );
    }
    return new TlsError(`${where}: ${describeTlsError(err, host)}`, { side, cause: err });
  }
  return connectError(side, host, port, err);
}

export async function openSession(resolved: ResolvedEndpoint, options: SessionOptions): Promise<ImapFlow> {
  const { signal, logger } = options;
  if (signal?.aborted) throw new AbortedError();
  const secret = await resolved.secret();
  // Loaded on first use: a run that never needs imapflow (most do not) does not pay for loading it.
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow(sessionOptions(resolved, secret, options));
  // imapflow emits 'error' when an open session breaks; without a listener that would crash
  // the process. The owner notices through `client.usable` and the failing command.
  client.on('error', (err: unknown) => {
    logger.debug(
      { side: resolved.side, host: resolved.host, code: (err as { code?: unknown })?.code },
      `${resolved.side}: IMAP session error: ${scrubSecret(err instanceof Error ? err.message : String(err), secret)}`,
    );
  });
  const abort = () => client.close();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
  } catch (err) {
    client.close();
    if (signal?.aborted) throw new AbortedError();
    throw sessionError(err, resolved, secret);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  if (signal?.aborted) {
    client.close();
    throw new AbortedError();
  }
  logger.debug(
    {
      side: resolved.side,
      host: resolved.host,
      port: resolved.port,
      security: resolved.security,
      tls: client.secureConnection,
    },
    `${resolved.side}: IMAP session open`,
  );
  return client;
}
