/**
 * OAuth2 refresh against real parts: the harness's HTTPS token endpoint
 * (test CA) issues access tokens that Dovecot's oauth2 passdb checks through
 * the introspection server. The engine's credential (resolveEndpoint with
 * oauth2RefreshFile) and its one IMAP client (RawImapConnection.open):
 * refresh on first use, reuse while valid, renewal when expiring (across a
 * reconnect), one renewal when the server refuses the token, a rotated refresh
 * token, and typed failures, with no token or client secret in any log line
 * or error.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { egressPolicy } from '../../src/api/egress-policy.js';
import type { Endpoint } from '../../src/api/spec.js';
import { resolveEndpoint } from '../../src/sync/endpoint.js';
import { AuthError, ConfigError, ConnectError, EgressDeniedError, TlsError } from '../../src/sync/errors.js';
import { RawImapConnection } from '../../src/sync/imap-raw/connection.js';
import type { ResolvedEndpoint } from '../../src/sync/types.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import {
  type OAuthTokenEndpoint,
  type RefreshMaterialDoc,
  startOAuthTokenEndpoint,
} from '../harness/oauth-token-endpoint.js';

let pair: DovecotPair;
let tokens: OAuthTokenEndpoint;
let logLines: string[] = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
);
const opts = () => ({ logger });
let fileCount = 0;

beforeAll(async () => {
  pair = await startDovecotPair();
  await pair.a.addUser('alice', 'alice-Pa55!word');
  tokens = await startOAuthTokenEndpoint(pair.certs, pair.oauth);
});
afterAll(async () => {
  await tokens?.close();
  await pair?.stop();
});
beforeEach(() => {
  logLines = [];
  tokens.expiresIn = 3600;
  tokens.rotate = false;
});

async function refreshFile(material: Partial<RefreshMaterialDoc>): Promise<string> {
  const file = path.join(pair.a.dir, 'secrets', `refresh-${++fileCount}.json`);
  await writeFile(file, JSON.stringify(material));
  return file;
}

async function endpointWith(file: string): Promise<Endpoint> {
  return { ...(await pair.a.endpoint('alice')), passwordFile: undefined, oauth2RefreshFile: file };
}

async function resolved(material?: Partial<RefreshMaterialDoc>): Promise<ResolvedEndpoint> {
  return resolveEndpoint(await endpointWith(await refreshFile(material ?? tokens.grant('alice'))), 'source', opts());
}

async function session(endpoint: ResolvedEndpoint): Promise<void> {
  const client = await RawImapConnection.open(endpoint, opts());
  await client.logout();
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, got success');
}

/** No access token, refresh token or client secret the endpoint ever handled, in any form, in `texts`. */
function expectNoSecrets(...texts: string[]): void {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  for (const secret of tokens.secrets) {
    for (const text of texts) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(b64(secret));
      expect(text).not.toContain(b64(`user=alice\u0001auth=Bearer ${secret}\u0001\u0001`));
    }
  }
}

const events = (name: string) => logLines.map((l) => JSON.parse(l)).filter((l) => l.event === name);

describe('access token from refresh material', () => {
  test('obtained once, then reused by the next connection while valid', async () => {
    const before = tokens.requests;
    const endpoint = await resolved();
    expect(endpoint.mechanism).toBe('XOAUTH2');
    await session(endpoint);
    await session(endpoint);
    expect(tokens.requests - before).toBe(1);
    expect(await pair.a.log()).toMatch(/Login: user=<alice>, method=XOAUTH2/);
    expect(events('oauth2Refresh').map((e) => e.cause)).toEqual(['first use']);
    expectNoSecrets(logLines.join('\n'));
  });

  test('renewed before it expires: a reconnect after the renewal point gets a new token', async () => {
    // expires_in 0: the renewal point is at once, so every connection is "after" it.
    tokens.expiresIn = 0;
    const before = tokens.requests;
    const endpoint = await resolved();
    await session(endpoint);
    tokens.revokeIssued(); // the old token is really dead now: only a renewed one logs in
    await session(endpoint);
    expect(tokens.requests - before).toBe(3);
    expect(events('oauth2Refresh').map((e) => e.cause)).toEqual(['first use', 'expiring', 'expiring']);
    expect(events('oauth2TokenRefused')).toEqual([]);
    expectNoSecrets(logLines.join('\n'));
  });

  test('refused by the server (expired early): renewed once, and the connection logs in', async () => {
    const endpoint = await resolved();
    await session(endpoint);
    const before = tokens.requests;
    tokens.revokeIssued();
    await session(endpoint);
    expect(tokens.requests - before).toBe(1);
    expect(events('oauth2TokenRefused')).toHaveLength(1);
    expect(events('oauth2Refresh').map((e) => e.cause)).toEqual(['first use', 'refused by the server']);
    expectNoSecrets(logLines.join('\n'));
  });

  test('a fresh token the server refuses too: AuthError after exactly one renewal, no loop', async () => {
    // The endpoint grants tokens for a user the token does not match: Dovecot refuses every one of them.
    const endpoint = await resolved(tokens.grant('mallory'));
    const before = tokens.requests;
    const err = await failure(session(endpoint));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('refused the login of user "alice" (AUTHENTICATE XOAUTH2)');
    expect(tokens.requests - before, 'one renewal after the refusal').toBe(1);
    expect(events('oauth2TokenRefused')).toHaveLength(1);
    expectNoSecrets(logLines.join('\n'), err.message, inspect(err, { depth: 10 }));
  });

  test('a rotated refresh token is used for the next refresh (the old one is dead)', async () => {
    tokens.rotate = true;
    tokens.expiresIn = 0;
    const endpoint = await resolved();
    await session(endpoint);
    await session(endpoint);
    expect(events('oauth2Refresh').map((e) => e.rotated)).toEqual([true, true, true]);
    expectNoSecrets(logLines.join('\n'));
  });
});

describe('token endpoint and the egress policy', () => {
  // The endpoint comes from a Secret the MailSync author writes: it is dialled under the run's egress
  // policy like the IMAP servers, so it cannot be aimed at an address the policy denies.
  test('a token endpoint whose port the policy does not allow: EgressDenied, no request reaches it', async () => {
    const endpoint = await endpointWith(await refreshFile(tokens.grant('alice')));
    const before = tokens.requests;
    const onlyImap = egressPolicy({ allowPorts: [endpoint.port!] });
    const err = await failure(resolveEndpoint(endpoint, 'source', { ...opts(), egress: onlyImap }));
    expect(err).toBeInstanceOf(EgressDeniedError);
    expect((err as EgressDeniedError).reason).toBe('EgressDenied');
    const port = new URL(tokens.url).port;
    expect(err.message).toBe(
      `source OAuth2 token endpoint 127.0.0.1:${port}: the egress policy does not allow this destination`,
    );
    expect(tokens.requests - before).toBe(0);
  });

  test('a cloud metadata address as the token endpoint is denied by the default policy', async () => {
    const material = { ...tokens.grant('alice'), tokenEndpoint: 'https://169.254.169.254/token' };
    const err = await failure(resolved(material));
    expect(err).toBeInstanceOf(EgressDeniedError);
    expect(err.message).toContain('source OAuth2 token endpoint 169.254.169.254:443');
    expectNoSecrets(err.message, logLines.join('\n'));
  });

  test('the same endpoint under a policy that allows it: a token, as without a policy', async () => {
    const endpoint = await endpointWith(await refreshFile(tokens.grant('alice')));
    const both = egressPolicy({ allowPorts: [endpoint.port!, Number(new URL(tokens.url).port)] });
    const before = tokens.requests;
    await session(await resolveEndpoint(endpoint, 'source', { ...opts(), egress: both }));
    expect(tokens.requests - before).toBe(1);
  });
});

describe('token endpoint failures', () => {
  test('invalid_grant: AuthError naming the endpoint and the OAuth2 error code, before any IMAP connection', async () => {
    const material = tokens.grant('alice');
    const err = await failure(resolved({ ...material, refreshToken: 'refresh-revoked-long-ago' }));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toBe(
      `source: OAuth2 refresh failed: token endpoint ${tokens.url} refused the refresh (HTTP 400): ` +
        'invalid_grant (Token has been expired or revoked.)',
    );
    expect(err.message).not.toContain('refresh-revoked-long-ago');
    expectNoSecrets(err.message, inspect(err, { depth: 10 }), logLines.join('\n'));
  });

  test('wrong client secret: AuthError invalid_client', async () => {
    const material = tokens.grant('alice');
    const err = await failure(resolved({ ...material, clientSecret: 'wrong-secret' }));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('refused the refresh (HTTP 401): invalid_client');
    expect(err.message).not.toContain('wrong-secret');
  });

  test('HTTP 503: ConnectError (worth a later try)', async () => {
    tokens.failNext(503, { error: 'temporarily_unavailable' });
    const err = await failure(resolved());
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.message).toContain('answered HTTP 503: temporarily_unavailable');
  });

  test('an endpoint echoing the refresh token in its description: scrubbed', async () => {
    const material = tokens.grant('alice');
    tokens.failNext(400, { error: 'invalid_request', error_description: `bad token ${material.refreshToken}` });
    const err = await failure(resolved(material));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('invalid_request (bad token ***)');
    expectNoSecrets(err.message);
  });

  test('a 200 without access_token: ServerMisbehaved', async () => {
    tokens.failNext(200, { token_type: 'Bearer' });
    const err = await failure(resolved());
    expect((err as AuthError).reason).toBe('ServerMisbehaved');
    expect(err.message).toContain('the answer holds no access_token');
  });

  test('the token endpoint certificate is verified: a CA that did not sign it gives TlsError', async () => {
    const file = await refreshFile(tokens.grant('alice'));
    const err = await failure(
      resolveEndpoint({ ...(await endpointWith(file)), caFile: pair.certs.otherCaFile }, 'source', opts()),
    );
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toContain('OAuth2 refresh failed');
  });

  test('plain http:// token endpoint or a malformed file: ConfigError naming the field, not the values', async () => {
    const material = tokens.grant('alice');
    const http = await failure(resolved({ ...material, tokenEndpoint: tokens.url.replace('https:', 'http:') }));
    expect(http).toBeInstanceOf(ConfigError);
    expect(http.message).toMatch(/oauth2RefreshFile .*: tokenEndpoint must be an https:\/\/ URL$/);
    const file = path.join(pair.a.dir, 'secrets', 'broken.json');
    await writeFile(file, `{"refreshToken": "${material.refreshToken}",`);
    const broken = await failure(resolveEndpoint(await endpointWith(file), 'source', opts()));
    expect(broken).toBeInstanceOf(ConfigError);
    expect(broken.message).toContain('is not a JSON object');
    expectNoSecrets(http.message, broken.message);
  });
});
