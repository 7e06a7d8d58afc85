import { describe, expect, it } from 'vitest';
import { KubeApiError, KubeTransportError } from '../../src/kube/errors.js';
import { backoffMs, retryDelayMs } from '../../src/kube/retry.js';

const options = { retryBaseMs: 100 };
const noJitter = () => 0;
const api = (status: number, retryAfter?: number) => new KubeApiError(status, 'R', 'm', undefined, retryAfter);
const conn = (code: string) => new KubeTransportError('ConnectionFailed', 'm', code);

describe('which calls are retried, after how long', () => {
  it.each([
    ['429 with Retry-After, POST', api(429, 3), 'POST', 3000],
    ['429 without Retry-After, PATCH', api(429), 'PATCH', 100],
    ['500, GET', api(500), 'GET', 100],
    ['503 with Retry-After, PUT', api(503, 2), 'PUT', 2000],
    ['504, DELETE', api(504), 'DELETE', 100],
    ['500, POST (may have been applied)', api(500), 'POST', undefined],
    ['502, PATCH', api(502), 'PATCH', undefined],
    ['404, GET', api(404), 'GET', undefined],
    ['409, PUT', api(409), 'PUT', undefined],
    ['401, GET (handled by re-reading the token)', api(401), 'GET', undefined],
    ['connection reset, GET', conn('ECONNRESET'), 'GET', 100],
    ['connection reset, POST', conn('ECONNRESET'), 'POST', undefined],
    ['connection refused, POST (nothing sent)', conn('ECONNREFUSED'), 'POST', 100],
    ['timeout, GET (the deadline is spent)', new KubeTransportError('Timeout', 'm'), 'GET', undefined],
    ['any other error', new Error('bug'), 'GET', undefined],
  ])('%s', (_name, error, method, expected) => {
    expect(retryDelayMs(error, method, 0, options, noJitter)).toBe(expected);
  });

  it('doubles the backoff per attempt with at most 50 % jitter', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, 100, noJitter))).toEqual([100, 200, 400, 800]);
    expect(backoffMs(2, 100, () => 0.999)).toBe(600);
  });
});
