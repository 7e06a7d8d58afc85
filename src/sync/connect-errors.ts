/**
 * Network failures in words, as ConnectError (a retry may help). Shared by
 * option resolution (the `tls: auto` probes) and connection opening
 * (imap-raw/open-errors.ts).
 */
import { ConnectError, type Side } from './errors.js';

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ETIMEDOUT: 'no answer in time',
  CONNECT_TIMEOUT: 'no answer in time',
  ETIMEOUT: 'the server stopped answering (command timeout)',
  GREETING_TIMEOUT: 'connected, but no IMAP greeting came in time (wrong port, or a port that expects implicit TLS?)',
  UPGRADE_TIMEOUT: 'the STARTTLS handshake did not finish in time',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  NoConnection: 'connection closed',
  EConnectionClosed: 'connection closed',
  ClosedAfterConnectText: 'the server closed the connection right after connecting',
  ClosedAfterConnectTLS: 'the server closed the connection right after the TLS handshake',
};

/** A socket-level failure (reset, refused, unreachable, timeout): a retry may help, whatever phase it hit. */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && code in WORDS;
}

export function describeNetworkError(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && WORDS[code]) return `${WORDS[code]} (${code})`;
  return message;
}

export function connectError(side: Side, host: string, port: number, err: unknown, detail?: string): ConnectError {
  return new ConnectError(`${side} server ${host}:${port}: ${detail ?? describeNetworkError(err)}`, {
    side,
    cause: err,
  });
}
