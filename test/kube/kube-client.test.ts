/**
 * The REST client against the fake API server: retries (429 with
 * Retry-After, 5xx for idempotent verbs only, connection resets), the
 * deadline on every call, token rotation, and the lanes that keep short
 * requests and the Lease apart from long streams.
 */
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError, type KubeClient, KubeTransportError } from '../../src/kube/kube-client.js';
import { FakeApiServer } from './fake-api-server.js';

const CM = '/api/v1/namespaces/ns/configmaps';
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' } });

let server: FakeApiServer;
let client: KubeClient;
beforeEach(async () => {
  server = await new FakeApiServer().start();
  server.put(`${CM}/a`, configMap('a'));
  client = await server.client({ timeoutMs: 5000 });
});
afterEach(async () => {
  client.close();
  await server.stop();
});

const caught = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

describe('retries', () => {
  it('retries a GET after 500s and returns the object', async () => {
    server.fail(`${CM}/a`, { kind: 'status', status: 500 }, 2);
    const got = await client.get<{ metadata: { name: string } }>(`${CM}/a`);
    expect(got.metadata.name).toBe('a');
    expect(server.seen('GET', `${CM}/a`)).toHaveLength(3);
  });

  it('does not repeat a POST after a 500 (it may have been applied)', async () => {
    server.fail(CM, { kind: 'status', status: 500 }, 1, 'POST');
    const error = await caught(client.create(CM, configMap('b')));
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).status).toBe(500);
    expect(server.seen('POST', CM)).toHaveLength(1);
  });

  it('gives up after maxRetries with the last error', async () => {
    const few = await server.client({ maxRetries: 2 });
    server.fail(`${CM}/a`, { kind: 'status', status: 503 }, 10);
    const error = await caught(few.get(`${CM}/a`));
    expect((error as KubeApiError).status).toBe(503);
    expect(server.seen('GET', `${CM}/a`)).toHaveLength(3);
    few.close();
  });

  it('honours 429 Retry-After, for a POST too (the server did not process it)', async () => {
    server.fail(CM, { kind: 'status', status: 429, reason: 'TooManyRequests', retryAfter: '1' }, 1, 'POST');
    await client.create(CM, configMap('b'));
    const posts = server.seen('POST', CM);
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(server.objects.has(`${CM}/b`)).toBe(true);
  });

  it('fails at once with the 429 when Retry-After is beyond the call deadline', async () => {
    const short = await server.client({ timeoutMs: 2000 });
    server.fail(`${CM}/a`, { kind: 'status', status: 429, reason: 'TooManyRequests', retryAfter: '30' });
    const error = await caught(short.get(`${CM}/a`));
    expect(error).toMatchObject({ status: 429, reason: 'TooManyRequests', retryAfterSeconds: 30 });
    expect(server.seen('GET', `${CM}/a`)).toHaveLength(1);
    short.close();
  });

  it('sends a GET again after a connection reset', async () => {
    server.fail(`${CM}/a`, { kind: 'reset' });
    const got = await client.get<{ metadata: { name: string } }>(`${CM}/a`);
    expect(got.metadata.name).toBe('a');
    expect(server.seen('GET', `${CM}/a`)).toHaveLength(2);
  });

  it('reports a reset POST as ConnectionFailed without sending it again', async () => {
    server.fail(CM, { kind: 'reset' }, 1, 'POST');
    const error = await caught(client.create(CM, configMap('b')));
    expect(error).toBeInstanceOf(KubeTransportError);
    expect(error).toMatchObject({ reason: 'ConnectionFailed', code: 'ECONNRESET' });
    expect(server.seen('POST', CM)).toHaveLength(1);
  });
});

describe('deadlines', () => {
  it('ends a hung request with a Timeout error', async () => {
    server.fail(`${CM}/a`, { kind: 'hang' });
    const error = await caught(client.get(`${CM}/a`, undefined, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(KubeTransportError);
    expect(error).toMatchObject({ reason: 'Timeout' });
    // the client works on afterwards
    expect(await client.get(`${CM}/a`)).toMatchObject({ metadata: { name: 'a' } });
  });

  it("passes the caller's own abort through unchanged", async () => {
    server.fail(`${CM}/a`, { kind: 'hang' });
    const abort = new AbortController();
    const pending = caught(client.request('GET', `${CM}/a`, { signal: abort.signal }));
    setTimeout(() => abort.abort(), 50);
    const error = await pending;
    expect(error).not.toBeInstanceOf(KubeTransportError);
    expect((error as Error).name).toBe('AbortError');
  });

  it('keeps a stream open past the deadline of its headers', async () => {
    const response = await client.open('GET', CM, { query: { watch: true }, lane: 'streams', timeoutMs: 200 });
    const watch = await server.nextWatch();
    const lines = createInterface({ input: response })[Symbol.asyncIterator]();
    await new Promise((resolve) => setTimeout(resolve, 400));
    watch.send('ADDED', configMap('late'));
    const first = await lines.next();
    expect(JSON.parse(first.value as string)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'late' } } });
    response.destroy();
  });
});

describe('bearer token rotation', () => {
  it('reads a rotated token file again after a 401 and retries once', async () => {
    await client.get(`${CM}/a`);
    server.rotateToken('token-2');
    await client.get(`${CM}/a`);
    const tokens = server.seen('GET', `${CM}/a`).map((r) => r.token);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-2']);
  });

  it('says Unauthorized without the token when the new token is refused too', async () => {
    await client.get(`${CM}/a`);
    server.rotateToken('token-2');
    server.acceptedTokens = new Set(['token-3']);
    const error = await caught(client.get(`${CM}/a`));
    expect(error).toMatchObject({ status: 401, reason: 'Unauthorized' });
    expect(String(error)).not.toContain('token-');
    expect(JSON.stringify(error)).not.toContain('token-');
  });
});

describe('lanes', () => {
  it('serves short requests while more streams are open than the request lane has sockets', async () => {
    const streams = await Promise.all(
      Array.from({ length: 40 }, () => client.open('GET', CM, { query: { watch: true }, lane: 'streams' })),
    );
    expect(await client.get(`${CM}/a`, undefined, { timeoutMs: 2000 })).toMatchObject({ metadata: { name: 'a' } });
    expect((await client.sockets()).streams).toBe(40);
    for (const stream of streams) stream.destroy();
  });

  it('sends an urgent patch while every request socket hangs and more requests wait for one', async () => {
    server.put(`${CM}/b`, configMap('b'));
    server.fail(`${CM}/a`, { kind: 'hang' }, 40);
    const hung = Array.from({ length: 40 }, () => caught(client.get(`${CM}/a`, undefined, { timeoutMs: 1500 })));
    while (server.seen('GET', `${CM}/a`).length < 32) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(client.backlog().socketWaits.requests).toBe(8);
    const patched = await client.mergePatch(`${CM}/b`, { data: { k: 'v' } }, { lane: 'urgent', timeoutMs: 1000 });
    expect(patched).toMatchObject({ metadata: { name: 'b' }, data: { k: 'v' } });
    // The same patch on the default lane waits behind the hung requests until its deadline.
    const queued = await caught(client.mergePatch(`${CM}/b`, { data: { k: 'w' } }, { timeoutMs: 500 }));
    expect(queued).toMatchObject({ reason: 'Timeout' });
    await Promise.all(hung);
  });

  it('renews the Lease while every request socket hangs', async () => {
    const lease = '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l';
    server.put(lease, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns' },
    });
    server.fail(`${CM}/a`, { kind: 'hang' }, 32);
    const hung = Array.from({ length: 32 }, () => caught(client.get(`${CM}/a`, undefined, { timeoutMs: 1500 })));
    while (server.seen('GET', `${CM}/a`).length < 32) await new Promise((resolve) => setTimeout(resolve, 10));
    const got = await client.get(lease, undefined, { lane: 'leader', timeoutMs: 1000 });
    expect(got).toMatchObject({ metadata: { name: 'l' } });
    // and the short requests did hang: the lease did not get through on their sockets
    const errors = await Promise.all(hung);
    expect(errors.every((e) => e instanceof KubeTransportError && e.reason === 'Timeout')).toBe(true);
  });
});

describe('request counters', () => {
  it('counts each request sent, retries included, by verb and resource', async () => {
    server.fail(`${CM}/a`, { kind: 'status', status: 500 }, 1);
    await client.get(`${CM}/a`);
    await client.get(CM);
    await client.create(CM, configMap('b'));
    expect(Object.fromEntries(client.requestCounts)).toEqual({
      'GET configmaps': 2,
      'LIST configmaps': 1,
      'POST configmaps': 1,
    });
  });
});

describe('backlog (the request-stats log)', () => {
  it('says how far ahead the rate limit is reserved and how many requests wait for a socket', async () => {
    expect(client.backlog()).toEqual({
      rateLimitMs: 0,
      socketWaits: { requests: 0, urgent: 0, streams: 0, leader: 0 },
    });
    server.fail(`${CM}/a`, { kind: 'hang' }, 34);
    const hung = Array.from({ length: 34 }, () => caught(client.get(`${CM}/a`, undefined, { timeoutMs: 1500 })));
    while (server.seen('GET', `${CM}/a`).length < 32) await new Promise((resolve) => setTimeout(resolve, 10));
    // 32 sockets busy: the other two wait for one.
    expect(client.backlog().socketWaits.requests).toBe(2);
    await Promise.all(hung);

    const limited = await server.client({ qps: 10, burst: 1 });
    const calls = Array.from({ length: 6 }, () => limited.get(`${CM}/b`).catch(() => undefined));
    // One token in the bucket, five reserved at 10/s: the next request would wait about half a second.
    expect(limited.backlog().rateLimitMs).toBeGreaterThanOrEqual(400);
    expect(limited.backlog().rateLimitMs).toBeLessThanOrEqual(500);
    await Promise.all(calls);
    expect(limited.backlog().rateLimitMs).toBe(0);
    limited.close();
  });
});
