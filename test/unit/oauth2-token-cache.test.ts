/**
 * The access token cache of OAuth2 refresh (src/sync/oauth2-token-cache.ts)
 * and the refresh material parser (oauth2-refresh-material.ts), with a fake
 * clock and a fake token endpoint. The real endpoint and Dovecot are in
 * test/integration/oauth2-refresh.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/sync/errors.js';
import { parseRefreshMaterial } from '../../src/sync/oauth2-refresh-material.js';
import { AccessTokenCache, type RefreshEvent, renewAtMs } from '../../src/sync/oauth2-token-cache.js';
import type { TokenGrant } from '../../src/sync/oauth2-token-request.js';

describe('renewAtMs', () => {
  it.each([
    // obtained at, expires_in (s), renew at
    [0, 3600, 3_540_000], // a minute before
    [1000, 3600, 3_541_000],
    [0, 120, 60_000], // two minutes: the margin is the full minute, halfway
    [0, 60, 30_000], // shorter: halfway
    [0, 1, 500],
    [0, 0, 0], // already expired: renew at once
    [0, undefined, undefined], // no lifetime: until the server refuses it
  ])('obtained at %s, expires_in %s: renew at %s', (at, expiresIn, expected) => {
    expect(renewAtMs(at, expiresIn)).toBe(expected);
  });
});

/** A token endpoint that numbers its tokens and records the refresh tokens it was sent. */
function fakeEndpoint(grant: (n: number) => Partial<TokenGrant> = () => ({ expiresInSeconds: 3600 })) {
  const sent: string[] = [];
  let n = 0;
  const refresh = async (refreshToken: string): Promise<TokenGrant> => {
    sent.push(refreshToken);
    n++;
    return { accessToken: `access-${n}`, ...grant(n) };
  };
  return { refresh, sent };
}

function cacheWith(endpoint: ReturnType<typeof fakeEndpoint>, clock: { now: number }) {
  const events: RefreshEvent[] = [];
  const cache = new AccessTokenCache(
    endpoint.refresh,
    'refresh-0',
    (e) => events.push(e),
    () => clock.now,
  );
  return { cache, events };
}

describe('AccessTokenCache', () => {
  it('asks once, then gives the cached token until the renewal point', async () => {
    const clock = { now: 0 };
    const endpoint = fakeEndpoint();
    const { cache, events } = cacheWith(endpoint, clock);
    expect(await cache.get()).toBe('access-1');
    clock.now = 3_539_999;
    expect(await cache.get()).toBe('access-1');
    clock.now = 3_540_000;
    expect(await cache.get()).toBe('access-2');
    expect(endpoint.sent).toEqual(['refresh-0', 'refresh-0']);
    expect(events).toEqual([
      { cause: 'first use', expiresInSeconds: 3600, rotated: false },
      { cause: 'expiring', expiresInSeconds: 3600, rotated: false },
    ]);
  });

  it('without expires_in: kept until refused', async () => {
    const clock = { now: 0 };
    const endpoint = fakeEndpoint(() => ({}));
    const { cache } = cacheWith(endpoint, clock);
    expect(await cache.get()).toBe('access-1');
    clock.now = 10 * 24 * 3600 * 1000;
    expect(await cache.get()).toBe('access-1');
    cache.refused('access-1');
    expect(await cache.get()).toBe('access-2');
  });

  it('refused: forgotten, and the next get() asks again (cause "refused by the server")', async () => {
    const clock = { now: 0 };
    const endpoint = fakeEndpoint();
    const { cache, events } = cacheWith(endpoint, clock);
    await cache.get();
    cache.refused('access-1');
    expect(await cache.get()).toBe('access-2');
    expect(events.map((e) => e.cause)).toEqual(['first use', 'refused by the server']);
  });

  it('a refusal of a token already replaced (another connection renewed it) changes nothing', async () => {
    const clock = { now: 0 };
    const endpoint = fakeEndpoint();
    const { cache } = cacheWith(endpoint, clock);
    await cache.get();
    cache.refused('access-1');
    await cache.get();
    cache.refused('access-1');
    expect(await cache.get()).toBe('access-2');
    expect(endpoint.sent).toHaveLength(2);
  });

  it('concurrent callers share one request', async () => {
    const endpoint = fakeEndpoint();
    const { cache } = cacheWith(endpoint, { now: 0 });
    const all = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(all).toEqual(['access-1', 'access-1', 'access-1']);
    expect(endpoint.sent).toHaveLength(1);
  });

  it('a rotated refresh token is sent from the next refresh on', async () => {
    const clock = { now: 0 };
    const endpoint = fakeEndpoint((n) => ({ expiresInSeconds: 0, refreshToken: `refresh-${n}` }));
    const { cache, events } = cacheWith(endpoint, clock);
    await cache.get();
    await cache.get();
    await cache.get();
    expect(endpoint.sent).toEqual(['refresh-0', 'refresh-1', 'refresh-2']);
    expect(events.every((e) => e.rotated)).toBe(true);
  });

  it('a failed refresh is not cached: the error reaches the caller and the next get() asks again', async () => {
    let fail = true;
    const refresh = async (): Promise<TokenGrant> => {
      if (fail) throw new Error('endpoint down');
      return { accessToken: 'access-ok', expiresInSeconds: 3600 };
    };
    const cache = new AccessTokenCache(
      refresh,
      'refresh-0',
      () => {},
      () => 0,
    );
    await expect(cache.get()).rejects.toThrow('endpoint down');
    fail = false;
    expect(await cache.get()).toBe('access-ok');
  });
});

describe('parseRefreshMaterial', () => {
  const where = 'spec.source.oauth2RefreshFile /f';
  const good = {
    tokenEndpoint: 'https://oauth2.example/token',
    clientId: 'id-1',
    clientSecret: 'cs-SECRET',
    refreshToken: 'rt-SECRET',
  };

  it('reads the four fields (scope optional, clientSecret optional)', () => {
    const m = parseRefreshMaterial(JSON.stringify({ ...good, scope: 'https://mail.google.com/' }), where, 'source');
    expect(m.tokenEndpoint.href).toBe('https://oauth2.example/token');
    expect(m).toMatchObject({ clientId: 'id-1', clientSecret: 'cs-SECRET', refreshToken: 'rt-SECRET' });
    const { clientSecret: _, ...publicClient } = good;
    expect(parseRefreshMaterial(JSON.stringify(publicClient), where, 'source').clientSecret).toBeUndefined();
  });

  it.each([
    ['not JSON', `{"refreshToken": "rt-SECRET"`, 'is not a JSON object'],
    ['an array', '[]', 'is not a JSON object'],
    [
      'no refreshToken',
      JSON.stringify({ ...good, refreshToken: undefined }),
      'refreshToken must be a non-empty string',
    ],
    ['empty clientId', JSON.stringify({ ...good, clientId: ' ' }), 'clientId must be a non-empty string'],
    ['http endpoint', JSON.stringify({ ...good, tokenEndpoint: 'http://x/token' }), 'must be an https:// URL'],
    ['not a URL', JSON.stringify({ ...good, tokenEndpoint: 'token' }), 'tokenEndpoint is not a URL'],
    ['a typo', JSON.stringify({ ...good, client_secret: 'cs-SECRET' }), 'unknown field(s) "client_secret"'],
    [
      'credentials in the URL',
      JSON.stringify({ ...good, tokenEndpoint: 'https://u:cs-SECRET@x/token' }),
      'must not hold credentials',
    ],
  ])('%s: ConfigError naming the field, never a value', (_name, content, message) => {
    let err: unknown;
    try {
      parseRefreshMaterial(content, where, 'source');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`${where}: `);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toMatch(/SECRET/);
  });
});
