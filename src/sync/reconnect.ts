/**
 * Dropped connections. A folder's work is idempotent (it re-lists both sides
 * and recomputes its plan, so what was appended before the drop is simply
 * "already present"), which makes recovery simple: close the worker's
 * sessions, wait with exponential backoff, open new ones, redo the folder.
 * Credentials and certificates are not retried: an AuthError or TlsError on
 * reconnect ends the run.
 */
import { sleep } from './abort.js';
import { AuthError, ConfigError, ConnectError, EgressDeniedError, ServerMisbehavedError, TlsError } from './errors.js';

export interface ReconnectPolicy {
  /** Attempts after the first failure before the folder (and the run) gives up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 15_000 };

const CONNECTION_CODES = new Set([
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);

/** Whether an error means "the connection is gone" (retry on a new one) rather than "this command failed". */
export function isConnectionLoss(err: unknown, deadSession = false): boolean {
  if (err instanceof AuthError || err instanceof TlsError || err instanceof ConfigError) return false;
  // A server that broke the protocol or a bound would do it again on a new connection: no reconnect loop.
  if (err instanceof ServerMisbehavedError) return false;
  // The policy refuses the same address again.
  if (err instanceof EgressDeniedError) return false;
  if (err instanceof ConnectError) return true;
  if (deadSession) return true;
  let cause: unknown = err;
  for (let depth = 0; depth < 5 && cause instanceof Error; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    cause = cause.cause;
  }
  return false;
}

export function backoffDelay(attempt: number, policy: ReconnectPolicy): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  // Jitter keeps parallel workers from reconnecting in lockstep.
  return Math.round(capped * (0.75 + Math.random() * 0.5));
}

export interface RetryHooks {
  signal: AbortSignal;
  policy: ReconnectPolicy;
  /** Called before each retry (after the backoff): report it, drop the dead sessions. */
  beforeRetry: (attempt: number, err: unknown) => Promise<void> | void;
  /** Whether the failure is a lost connection (retry) or something else (rethrow). */
  isRetryable: (err: unknown) => boolean | Promise<boolean>;
}

/** Run `task`; on a lost connection wait, call `beforeRetry`, and run it again, up to policy.maxAttempts times. */
export async function withReconnect<T>(task: (attempt: number) => Promise<T>, hooks: RetryHooks): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task(attempt);
    } catch (err) {
      if (hooks.signal.aborted || attempt >= hooks.policy.maxAttempts || !(await hooks.isRetryable(err))) throw err;
      await sleep(backoffDelay(attempt + 1, hooks.policy), hooks.signal);
      await hooks.beforeRetry(attempt + 1, err);
    }
  }
}
