/**
 * Which failed calls are sent again, and after how long (within the call's
 * deadline, see kube-client.ts):
 * - 429 Too Many Requests, any verb (the server did not process it): after
 *   its Retry-After, else the backoff;
 * - 500, 502, 503, 504 and a dropped connection: only idempotent verbs (a
 *   POST or PATCH may have been applied), after Retry-After or the backoff;
 * - connection refused, any verb (nothing was sent).
 * The backoff doubles from `retryBaseMs` with up to 50 % jitter, so many
 * clients that failed together do not come back together.
 */
import { KubeApiError, KubeTransportError } from './errors.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRIABLE_STATUS = new Set([500, 502, 503, 504]);

export function backoffMs(attempt: number, baseMs: number, random = Math.random): number {
  return Math.round(baseMs * 2 ** attempt * (1 + random() / 2));
}

/** Milliseconds to wait before sending the call again, or undefined: do not retry. */
export function retryDelayMs(
  error: unknown,
  method: string,
  attempt: number,
  options: { retryBaseMs: number },
  random = Math.random,
): number | undefined {
  const backoff = () => backoffMs(attempt, options.retryBaseMs, random);
  if (error instanceof KubeApiError) {
    const retryAfter = error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000;
    if (error.status === 429) return retryAfter ?? backoff();
    if (RETRIABLE_STATUS.has(error.status) && IDEMPOTENT.has(method)) return retryAfter ?? backoff();
    return undefined;
  }
  if (error instanceof KubeTransportError && error.reason === 'ConnectionFailed') {
    if (error.code === 'ECONNREFUSED' || IDEMPOTENT.has(method)) return backoff();
  }
  return undefined;
}
