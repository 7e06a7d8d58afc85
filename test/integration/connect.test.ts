/**
 * Connection, TLS and authentication against the real Dovecot pair:
 * resolveEndpoint (tls: auto probing, certificates, credentials) and the
 * engine's one IMAP client, RawImapConnection.open (LOGIN, PLAIN, admin PLAIN,
 * XOAUTH2/OAUTHBEARER), with every failure typed, naming the right side, and
 * no secret in errors or logs.
 */
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../src/api/spec.js';
import { resolveEndpoint } from '../../src/sync/endpoint.js';
import { AbortedError, AuthError, ConfigError, ConnectError, type Side, TlsError } from '../../src/sync/errors.js';
import { RawImapConnection } from '../../src/sync/imap-raw/connection.js';
import { listMailboxTree } from '../../src/sync/imap-raw/mailbox-tree.js';
import type { ResolvedEndpoint } from '../../src/sync/types.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { createFolder } from '../harness/mailbox.js';
import { freePort } from '../harness/ports.js';

let pair: DovecotPair;
/** Every log line of the code under test, at trace level. */
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
const logs = () => logLines.join('');
const opts = () => ({ logger });

/** All the forms a secret could leak in: as is, base64, and inside a SASL PLAIN payload. */
function leakForms(secret: string, user = 'alice'): string[] {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return [secret, b64(secret), b64(`\u0000${user}\u0000${secret}`), b64(`${user}\u0000admin\u0000${secret}`)];
}

function expectNoLeak(secret: string, ...texts: string[]): void {
  for (const text of texts) for (const form of leakForms(secret)) expect(text).not.toContain(form);
}

function openSession(resolved: ResolvedEndpoint, options: { logger: typeof logger; signal?: AbortSignal }) {
  return RawImapConnection.open(resolved, options);
}

async function connect(endpoint: Endpoint, side: Side = 'source'): Promise<RawImapConnection> {
  const resolved = await resolveEndpoint(endpoint, side, opts());
  return openSession(resolved, opts());
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    if (value instanceof RawImapConnection) await value.logout();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, got success');
}

beforeAll(async () => {
  pair = await startDovecotPair({ b: { oauth2Mechanisms: ['xoauth2', 'oauthbearer'] } });
  await pair.a.addUser('alice', 'alice-Pa55!word');
  await pair.b.addUser('alice', 'bob-s3cret-Destination');
});
afterAll(async () => {
  await pair?.stop();
});
beforeEach(() => {
  logLines = [];
});

describe('tls: auto', () => {
  test('explicit implicit-TLS port: implicit TLS, verified with caFile', async () => {
    const resolved = await resolveEndpoint(
      { ...(await pair.a.endpoint('alice')), tls: 'auto', port: pair.a.implicitTlsPort },
      'source',
      opts(),
    );
    expect(resolved).toMatchObject({ port: pair.a.implicitTlsPort, security: 'implicit', mechanism: 'LOGIN' });
    const client = await openSession(resolved, opts());
    expect(client.encrypted).toBe(true);
    await client.logout();
  });

  test('explicit plaintext port announcing STARTTLS: STARTTLS', async () => {
    const resolved = await resolveEndpoint(
      { ...(await pair.a.endpoint('alice')), tls: 'auto', port: pair.a.starttlsPort },
      'source',
      opts(),
    );
    expect(resolved).toMatchObject({ port: pair.a.starttlsPort, security: 'starttls' });
    const client = await openSession(resolved, opts());
    expect(client.encrypted).toBe(true);
    await client.logout();
  });

  test('no port: the implicit TLS port first, then the IMAP port with STARTTLS', async () => {
    const endpoint = { ...(await pair.a.endpoint('alice')), tls: 'auto' as const, port: undefined };
    const first = await resolveEndpoint(endpoint, 'source', {
      logger,
      wellKnownPorts: { implicitTls: pair.a.implicitTlsPort, imap: pair.a.starttlsPort },
    });
    expect(first).toMatchObject({ port: pair.a.implicitTlsPort, security: 'implicit' });
    const closed = await freePort();
    const second = await resolveEndpoint(endpoint, 'source', {
      logger,
      wellKnownPorts: { implicitTls: closed, imap: pair.a.starttlsPort },
    });
    expect(second).toMatchObject({ port: pair.a.starttlsPort, security: 'starttls' });
    const client = await openSession(second, opts());
    await client.logout();
  });

  test('no port, nothing listening: ConnectError naming both ports', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const err = await failure(
      resolveEndpoint({ ...(await pair.b.endpoint('alice')), tls: 'auto', port: undefined }, 'destination', {
        logger,
        wellKnownPorts: { implicitTls: p1, imap: p2 },
      }),
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).side).toBe('destination');
    expect((err as ConnectError).exitCode).toBe(11);
    expect(err.message).toContain(String(p1));
    expect(err.message).toContain(String(p2));
  });

  test('plaintext is refused by default with TLSRequired', async () => {
    const endpoint = {
      ...(await pair.a.endpoint('alice')),
      host: pair.a.plainHost,
      port: pair.a.plainPort,
      tls: 'auto' as const,
    };
    const err = await failure(resolveEndpoint(endpoint, 'source', opts()));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toBe(
      `TLSRequired: source server ${pair.a.plainHost}:${pair.a.plainPort} offers no TLS; set allowPlaintext: true to allow clear-text passwords`,
    );
    expect((err as TlsError).exitCode).toBe(12);
  });

  test('allowPlaintext: true connects without TLS, with a warning', async () => {
    const endpoint = {
      ...(await pair.a.endpoint('alice')),
      host: pair.a.plainHost,
      port: pair.a.plainPort,
      tls: 'auto' as const,
      allowPlaintext: true,
    };
    const resolved = await resolveEndpoint(endpoint, 'source', opts());
    expect(resolved.security).toBe('none');
    expect(logs()).toMatch(/"level":40.*WITHOUT TLS/);
    const client = await openSession(resolved, opts());
    expect(client.encrypted).toBe(false);
    await client.logout();
    expectNoLeak(pair.a.password('alice'), logs());
  });

  test('a certificate problem found while probing is a TlsError, never a fallback to plaintext', async () => {
    const endpoint = { ...(await pair.a.endpoint('alice')), tls: 'auto' as const, caFile: pair.a.otherCaFile };
    const err = await failure(resolveEndpoint(endpoint, 'source', opts()));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toContain('unknown certificate authority');
  });
});

describe('explicit modes', () => {
  test('tls: starttls on a server without STARTTLS: TLSRequired', async () => {
    const endpoint = {
      ...(await pair.b.endpoint('alice')),
      host: pair.b.plainHost,
      port: pair.b.plainPort,
      tls: 'starttls' as const,
    };
    const err = await failure(connect(endpoint, 'destination'));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toMatch(/^TLSRequired: destination server 127\.0\.0\.3:\d+ does not offer STARTTLS/);
    expect((err as TlsError).exitCode).toBe(13);
  });

  test('tls: none (with allowPlaintext) does not upgrade even when STARTTLS is offered', async () => {
    const client = await connect({
      ...(await pair.b.endpoint('alice')),
      port: pair.b.starttlsPort,
      tls: 'none',
      allowPlaintext: true,
    });
    expect(client.encrypted).toBe(false);
    await client.logout();
  });

  test('tls: none without allowPlaintext is a ConfigError', async () => {
    const err = await failure(
      resolveEndpoint({ ...(await pair.b.endpoint('alice')), tls: 'none' }, 'destination', opts()),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('allowPlaintext');
  });

  test('tls: starttls verifies the certificate after the upgrade', async () => {
    const err = await failure(
      connect({ ...(await pair.b.endpoint('alice')), port: pair.b.starttlsPort, tls: 'starttls', caFile: undefined }),
    );
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toContain('unknown certificate authority');
  });
});

describe('certificates', () => {
  test('unknown CA (no caFile): clear TlsError naming the host and the cause', async () => {
    const err = await failure(connect({ ...(await pair.a.endpoint('alice')), caFile: undefined }));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toMatch(
      /^source server 127\.0\.0\.1:\d+: certificate of 127\.0\.0\.1 is signed by an unknown certificate authority \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); add that CA with caFile, or set insecureSkipVerify: true$/,
    );
  });

  test('a CA bundle that did not sign the certificate: unknown CA', async () => {
    const err = await failure(connect({ ...(await pair.a.endpoint('alice')), caFile: pair.a.otherCaFile }));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toContain('unknown certificate authority');
  });

  test('insecureSkipVerify: true connects anyway and warns', async () => {
    const client = await connect({ ...(await pair.a.endpoint('alice')), caFile: undefined, insecureSkipVerify: true });
    expect(client.encrypted).toBe(true);
    await client.logout();
    expect(logs()).toMatch(/"level":40.*insecureSkipVerify is set: the certificate of 127\.0\.0\.1 is NOT verified/);
  });

  test('hostname mismatch', async () => {
    const err = await failure(connect({ ...(await pair.a.endpoint('alice')), host: pair.a.mismatchHost }));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toContain(`certificate is not valid for the name ${pair.a.mismatchHost} (hostname mismatch`);
  });

  test('expired certificate', async () => {
    const err = await failure(connect({ ...(await pair.a.endpoint('alice')), host: pair.a.expiredHost }));
    expect(err).toBeInstanceOf(TlsError);
    expect(err.message).toContain(`certificate of ${pair.a.expiredHost} has expired`);
  });
});

describe('authentication', () => {
  test('LOGIN and AUTHENTICATE PLAIN log in; the password is in no log line', async () => {
    for (const authMechanism of ['LOGIN', 'PLAIN'] as const) {
      const client = await connect({ ...(await pair.a.endpoint('alice')), authMechanism });
      expect(client.isClosed).toBe(false);
      await client.logout();
    }
    expect(await pair.a.log()).toMatch(/Login: user=<alice>, method=PLAIN/);
    expect(logs()).toContain('raw IMAP connection ready');
    expectNoLeak(pair.a.password('alice'), logs());
  });

  test('wrong password: AuthError for the right side, naming host and user, never the password', async () => {
    const wrong = 'Wr0ng-Secret-Value';
    const file = path.join(pair.a.dir, 'secrets', 'wrong.password');
    await writeFile(file, `${wrong}\n`);
    for (const [side, server, code] of [
      ['source', pair.a, 14],
      ['destination', pair.b, 15],
    ] as const) {
      for (const authMechanism of ['LOGIN', 'PLAIN'] as const) {
        const err = await failure(
          connect({ ...(await server.endpoint('alice')), passwordFile: file, authMechanism }, side),
        );
        expect(err).toBeInstanceOf(AuthError);
        expect((err as AuthError).side).toBe(side);
        expect((err as AuthError).exitCode).toBe(code);
        expect(err.message).toContain(
          `${side} server 127.0.0.1:${server.implicitTlsPort} refused the login of user "alice"`,
        );
        expect(err.message).toContain('Authentication failed');
        expectNoLeak(wrong, err.message, String(err), inspect(err, { depth: 10 }));
      }
    }
    expectNoLeak(wrong, logs());
  });

  test('password from an environment variable', async () => {
    const endpoint = { ...(await pair.a.endpoint('alice')), passwordFile: undefined, passwordEnv: 'MAILSYNC_TEST_PW' };
    const resolved = await resolveEndpoint(endpoint, 'source', {
      logger,
      env: { MAILSYNC_TEST_PW: pair.a.password('alice') },
    });
    const client = await openSession(resolved, opts());
    await client.logout();
  });

  test('admin login: the master user authenticates on behalf of the user (PLAIN authzid)', async () => {
    const marker = pair.b.folder('Admin-Login-Check');
    await createFolder(pair.b, 'alice', marker);
    const masterFile = path.join(pair.b.dir, 'secrets', 'master.password');
    await writeFile(masterFile, pair.b.masterPassword);
    const resolved = await resolveEndpoint(
      { ...(await pair.b.endpoint('alice')), authUser: pair.b.masterUser, passwordFile: masterFile },
      'destination',
      opts(),
    );
    expect(resolved.mechanism).toBe('PLAIN');
    const client = await openSession(resolved, opts());
    const folders = (await listMailboxTree(client)).folders.map((f) => f.path);
    await client.logout();
    expect(folders).toContain(marker);
    expect(await pair.b.log()).toMatch(/Login: user=<alice>, method=PLAIN/);
    expectNoLeak(pair.b.masterPassword, logs());

    await writeFile(masterFile, 'not-the-master-password');
    const err = await failure(openSession(resolved, opts()));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('refused the login of user "alice" as admin "admin" (AUTHENTICATE PLAIN)');
  });

  test('XOAUTH2: the token file is read again on every connection', async () => {
    const tokenFile = path.join(pair.a.dir, 'secrets', 'alice.token');
    const first = pair.oauth.issue('alice');
    await writeFile(tokenFile, `${first}\n`);
    const resolved = await resolveEndpoint(
      { ...(await pair.a.endpoint('alice')), passwordFile: undefined, oauth2TokenFile: tokenFile },
      'source',
      opts(),
    );
    expect(resolved.mechanism).toBe('XOAUTH2');
    const c1 = await openSession(resolved, opts());
    await c1.logout();
    expect(await pair.a.log()).toMatch(/Login: user=<alice>, method=XOAUTH2/);

    // The token expires; the old one is refused...
    pair.oauth.revoke(first);
    const err = await failure(openSession(resolved, opts()));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('(AUTHENTICATE XOAUTH2)');
    expectNoLeak(first, err.message, inspect(err, { depth: 10 }));
    // ...and a refreshed file is picked up by the next connection, with the same ResolvedEndpoint.
    const second = pair.oauth.issue('alice');
    await writeFile(tokenFile, second);
    const c2 = await openSession(resolved, opts());
    await c2.logout();
    expectNoLeak(first, logs());
    expectNoLeak(second, logs());
  });

  test('OAuth2 on a server offering OAUTHBEARER too', async () => {
    const tokenFile = path.join(pair.b.dir, 'secrets', 'alice.token');
    const token = pair.oauth.issue('alice');
    await writeFile(tokenFile, token);
    const client = await connect(
      { ...(await pair.b.endpoint('alice')), passwordFile: undefined, oauth2TokenFile: tokenFile },
      'destination',
    );
    await client.logout();
    // XOAUTH2 when offered (it is what the token was configured for); OAUTHBEARER only where it is all
    // there is (test/integration/raw-reader.test.ts).
    expect(await pair.b.log()).toMatch(/Login: user=<alice>, method=XOAUTH2/);
    expectNoLeak(token, logs());
  });
});

describe('connection failures', () => {
  test('connection refused: ConnectError for the right side', async () => {
    const port = await freePort();
    for (const [side, code] of [
      ['source', 10],
      ['destination', 11],
    ] as const) {
      const err = await failure(connect({ ...(await pair.a.endpoint('alice')), port, tls: 'implicit' }, side));
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).exitCode).toBe(code);
      expect(err.message).toBe(`${side} server 127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
    }
  });

  test('a server that accepts but never speaks: ConnectError after the connect timeout', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const base = { ...(await pair.a.endpoint('alice')), port, connectTimeoutSeconds: 1 };
      const noGreeting = await failure(connect({ ...base, tls: 'none', allowPlaintext: true }));
      expect(noGreeting).toBeInstanceOf(ConnectError);
      expect(noGreeting.message).toMatch(/no IMAP greeting came in time .*GREETING_TIMEOUT/);
      const noHandshake = await failure(connect({ ...base, tls: 'implicit' }));
      expect(noHandshake).toBeInstanceOf(ConnectError);
      expect(noHandshake.message).toContain('no answer in time');
      const probe = await failure(resolveEndpoint({ ...base, tls: 'auto' }, 'source', opts()));
      expect(probe).toBeInstanceOf(ConnectError);
      expect(probe.message).toContain('not an IMAP server');
    } finally {
      silent.close();
    }
  });

  test('auto with an explicit port where nothing listens: ConnectError', async () => {
    const port = await freePort();
    const err = await failure(
      resolveEndpoint({ ...(await pair.a.endpoint('alice')), port, tls: 'auto' }, 'source', opts()),
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.message).toContain('connection refused');
  });

  test('an aborted signal stops the opening', async () => {
    const resolved: ResolvedEndpoint = await resolveEndpoint(await pair.a.endpoint('alice'), 'source', opts());
    const controller = new AbortController();
    controller.abort();
    await expect(openSession(resolved, { logger, signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('configuration errors name the file or variable, never the content', () => {
  test('missing password file', async () => {
    const err = await failure(
      resolveEndpoint({ ...(await pair.a.endpoint('alice')), passwordFile: '/nonexistent/pw' }, 'source', opts()),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('spec.source.passwordFile: cannot read /nonexistent/pw: no such file');
  });

  test('unset environment variable', async () => {
    const err = await failure(
      resolveEndpoint(
        { ...(await pair.a.endpoint('alice')), passwordFile: undefined, passwordEnv: 'MAILSYNC_NOT_SET_X' },
        'destination',
        { logger, env: {} },
      ),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('spec.destination.passwordEnv: the environment variable MAILSYNC_NOT_SET_X is not set');
  });

  test('missing CA file', async () => {
    const err = await failure(
      resolveEndpoint({ ...(await pair.a.endpoint('alice')), caFile: '/nonexistent/ca.pem' }, 'source', opts()),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('spec.source.caFile: cannot read /nonexistent/ca.pem: no such file');
  });

  test('Kubernetes Secret references outside Kubernetes', async () => {
    const err = await failure(
      resolveEndpoint(
        { ...(await pair.a.endpoint('alice')), passwordFile: undefined, passwordSecretRef: { name: 's', key: 'k' } },
        'source',
        opts(),
      ),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('only read in Kubernetes');
  });
});
