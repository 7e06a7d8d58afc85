/** Who is asking the admin view: bearer token (TokenReview), the sign-in session, a trusted proxy's headers. */
import { describe, expect, it } from 'vitest';
import { Authenticator, bearerToken, proxyIdentity } from '../../../src/console/admin/authenticate.js';
import type { Identity } from '../../../src/console/admin/identity.js';
import { identityOf } from '../../../src/console/admin/kube-reviews.js';
import { TokenSessions } from '../../../src/console/admin/token-sessions.js';
import { parseTrustedProxies } from '../../../src/console/admin/trusted-proxies.js';
import { KeyedRateLimit } from '../../../src/console/rate-limit.js';
import { KubeTransportError } from '../../../src/kube/kube-client.js';

const alice: Identity = { username: 'alice', groups: ['ops'], via: 'token' };

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def', 'abc.def'],
    ['bearer   abc', 'abc'],
    ['Basic YWxpY2U6eA==', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('%s', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('identityOf (TokenReview status)', () => {
  it.each([
    [
      { authenticated: true, user: { username: 'alice', groups: ['ops'] } },
      { username: 'alice', groups: ['ops'], via: 'token' },
    ],
    [{ authenticated: false, error: 'bad' }, undefined],
    [{ authenticated: true, user: {} }, undefined],
    [undefined, undefined],
  ])('%j', (status, identity) => {
    expect(identityOf(status)).toEqual(identity);
  });
});

describe('trusted proxies', () => {
  const trusted = parseTrustedProxies('127.0.0.1, 10.0.0.0/8, fd00::/8');
  it.each([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['10.200.3.4', true],
    ['fd00::1', true],
    ['127.0.0.2', false],
    ['192.168.1.1', false],
    ['not-an-address', false],
    [undefined, false],
  ])('%s trusted: %s', (peer, expected) => {
    expect(trusted.trusts(peer)).toBe(expected);
  });

  it('nothing is trusted when unset', () => {
    expect(parseTrustedProxies(undefined).trusts('127.0.0.1')).toBe(false);
  });

  it.each(['10.0.0.0/33', 'example.com', '10.0.0.1/8/1', '10.0.0.0/x'])('refuses %s', (term) => {
    expect(() => parseTrustedProxies(term)).toThrow(/is not an IP address or CIDR range/);
  });

  it('proxy headers count only from a trusted peer', () => {
    const headers = { forwardedUser: 'carol', forwardedGroups: 'ops, mail-admins ,' };
    expect(proxyIdentity({ ...headers, peerAddress: '10.1.2.3' }, trusted)).toEqual({
      username: 'carol',
      groups: ['ops', 'mail-admins'],
      via: 'proxy',
    });
    expect(proxyIdentity({ ...headers, peerAddress: '192.168.1.1' }, trusted)).toBeUndefined();
    expect(proxyIdentity({ forwardedUser: ' ', peerAddress: '10.1.2.3' }, trusted)).toBeUndefined();
  });
});

describe('Authenticator', () => {
  function authenticator(trusted = '') {
    let now = 0;
    const reviewed: string[] = [];
    let fail = false;
    const a = new Authenticator(
      async (token) => {
        reviewed.push(token);
        if (fail) throw new KubeTransportError('ConnectionFailed', 'refused');
        return token === 'good' ? alice : undefined;
      },
      parseTrustedProxies(trusted),
      { ttlMs: 1000, now: () => now },
    );
    return { a, reviewed, advance: (ms: number) => (now += ms), failNext: () => (fail = true) };
  }

  it('a bearer token is reviewed, and the answer cached for the TTL', async () => {
    const { a, reviewed, advance } = authenticator();
    expect(await a.authenticate({ authorization: 'Bearer good' })).toEqual({ ok: true, identity: alice });
    await a.authenticate({ authorization: 'Bearer good' });
    expect(reviewed).toEqual(['good']);
    advance(1001);
    await a.authenticate({ authorization: 'Bearer good' });
    expect(reviewed).toEqual(['good', 'good']);
  });

  it('a refused token, no credentials, a failed review: three distinct answers', async () => {
    const { a, failNext } = authenticator();
    expect(await a.authenticate({ authorization: 'Bearer bad' })).toMatchObject({ ok: false, problem: 'invalid' });
    expect(await a.authenticate({})).toMatchObject({ ok: false, problem: 'unauthenticated' });
    failNext();
    const failed = await a.authenticate({ sessionToken: 'other' });
    expect(failed).toMatchObject({ ok: false, problem: 'unavailable' });
    expect(JSON.stringify(failed)).toContain('TokenReview failed: ConnectionFailed');
    expect(JSON.stringify(failed)).not.toContain('other');
  });

  it('the session token counts as a bearer token; a bearer header wins over proxy headers', async () => {
    const { a } = authenticator('127.0.0.1');
    expect(await a.authenticate({ sessionToken: 'good' })).toEqual({ ok: true, identity: alice });
    const proxied = { forwardedUser: 'mallory', peerAddress: '127.0.0.1' };
    expect(await a.authenticate({ ...proxied, authorization: 'Bearer bad' })).toMatchObject({ ok: false });
    expect(await a.authenticate(proxied)).toEqual({
      ok: true,
      identity: { username: 'mallory', groups: [], via: 'proxy' },
    });
  });

  it('proxy headers from an untrusted peer, or with no trusted proxy configured, are ignored', async () => {
    expect(await authenticator().a.authenticate({ forwardedUser: 'mallory', peerAddress: '127.0.0.1' })).toMatchObject({
      ok: false,
      problem: 'unauthenticated',
    });
    expect(
      await authenticator('10.0.0.0/8').a.authenticate({ forwardedUser: 'mallory', peerAddress: '127.0.0.1' }),
    ).toMatchObject({ ok: false, problem: 'unauthenticated' });
  });
});

describe('Authenticator: TokenReviews of bearer tokens are rate-limited per peer address', () => {
  function limited() {
    let now = 0;
    const reviewed: string[] = [];
    const a = new Authenticator(
      async (token) => {
        reviewed.push(token);
        return token === 'good' ? alice : undefined;
      },
      parseTrustedProxies(''),
      {
        ttlMs: 10_000,
        now: () => now,
        bearerReviewLimit: new KeyedRateLimit({ burst: 3, perMinute: 6, now: () => now }),
      },
    );
    return { a, reviewed, advance: (ms: number) => (now += ms) };
  }
  const from = (peerAddress: string, token: string) => ({ authorization: `Bearer ${token}`, peerAddress });

  it('made-up tokens beyond the burst get a 429 answer without a TokenReview', async () => {
    const { a, reviewed } = limited();
    expect(await a.authenticate(from('192.0.2.1', 'good'))).toEqual({ ok: true, identity: alice });
    for (const token of ['x1', 'x2']) {
      expect(await a.authenticate(from('192.0.2.1', token))).toMatchObject({ ok: false, problem: 'invalid' });
    }
    const refused = await a.authenticate(from('192.0.2.1', 'x3'));
    expect(refused).toEqual({
      ok: false,
      problem: 'limited',
      message: 'Too many tokens to check from your address: wait 10 s.',
      retryAfterSeconds: 10,
    });
    expect(reviewed).toEqual(['good', 'x1', 'x2']);
    expect(JSON.stringify(refused)).not.toContain('x3');
  });

  it('cached answers, other addresses and session tokens are not limited; the bucket refills', async () => {
    const { a, reviewed, advance } = limited();
    for (const token of ['good', 'x1', 'x2']) await a.authenticate(from('192.0.2.1', token));
    expect(await a.authenticate(from('192.0.2.1', 'x4'))).toMatchObject({ problem: 'limited' });
    // the good token's review is cached: no new review needed, nothing to limit
    expect(await a.authenticate(from('192.0.2.1', 'good'))).toEqual({ ok: true, identity: alice });
    expect(await a.authenticate(from('192.0.2.2', 'x4'))).toMatchObject({ problem: 'invalid' });
    expect(await a.authenticate({ sessionToken: 'x5', peerAddress: '192.0.2.1' })).toMatchObject({
      problem: 'invalid',
    });
    expect(reviewed).toEqual(['good', 'x1', 'x2', 'x4', 'x5']);
    advance(10_000);
    expect(await a.authenticate(from('192.0.2.1', 'x6'))).toMatchObject({ problem: 'invalid' });
    expect(reviewed.at(-1)).toBe('x6');
  });
});

describe('TokenSessions', () => {
  it('a session gives its token until it expires or is closed', () => {
    let now = 0;
    const sessions = new TokenSessions({ ttlMs: 1000, now: () => now });
    const id = sessions.open('tok');
    expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(sessions.token(id)).toBe('tok');
    expect(sessions.token('forged')).toBeUndefined();
    now = 1000;
    expect(sessions.token(id)).toBeUndefined();
    const other = sessions.open('tok2');
    sessions.close(other);
    expect(sessions.token(other)).toBeUndefined();
  });

  it('keeps at most maxSessions, dropping the oldest', () => {
    const sessions = new TokenSessions({ maxSessions: 2 });
    const first = sessions.open('a');
    sessions.open('b');
    sessions.open('c');
    expect(sessions.size).toBe(2);
    expect(sessions.token(first)).toBeUndefined();
  });
});
