/**
 * Legacy logins (issue 12 item 7).
 *
 * CRAM-MD5 against real Dovecot offering it (`auth_mechanisms = ... cram-md5`,
 * passwords stored {PLAIN} as CRAM-MD5 needs): only when the spec asks for it,
 * logged as a warning at every start, a wrong password refused with the
 * mechanism named and no secret anywhere, and a clear error where the server
 * does not offer it.
 *
 * PROXYAUTH (imapsync's --proxyauth1) against the scripted server of the
 * harness in its Sun/iPlanet admin mode (hostile-server.ts `proxyAuth`): no
 * server this machine can run has PROXYAUTH (Dovecot, Cyrus and Courier use a
 * SASL authorization identity instead, tested in connect.test.ts), so these
 * tests check what the client sends and how it takes the answers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../src/api/spec.js';
import { resolveEndpoint } from '../../src/sync/endpoint.js';
import { AuthError, ConfigError, CredentialRefusedError } from '../../src/sync/errors.js';
import { RawImapConnection } from '../../src/sync/imap-raw/connection.js';
import { listMailboxTree } from '../../src/sync/imap-raw/mailbox-tree.js';
import { makeCertificates } from '../harness/certs.js';
import { type DovecotServer, startDovecot } from '../harness/dovecot.js';
import { type HostileServer, startHostileServer } from '../harness/hostile-server.js';
import { createFolder } from '../harness/mailbox.js';

const PASSWORD = 'cram-Pa55!word';
let legacy: DovecotServer;
let modern: DovecotServer;
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

async function open(endpoint: Endpoint): Promise<RawImapConnection> {
  const resolved = await resolveEndpoint(endpoint, 'source', { logger });
  return RawImapConnection.open(resolved, { logger });
}

async function failure(promise: Promise<RawImapConnection>): Promise<Error> {
  try {
    await (await promise).logout();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, got a session');
}

beforeAll(async () => {
  legacy = await startDovecot({ name: 'cram', cramMd5: true });
  await legacy.addUser('carol', PASSWORD);
  modern = await startDovecot({ name: 'no-cram' });
  await modern.addUser('carol', PASSWORD);
});
afterAll(async () => {
  await legacy?.dispose();
  await modern?.dispose();
});
beforeEach(() => {
  logLines = [];
});

describe('CRAM-MD5 (authMechanism: CRAM-MD5, imapsync --authmech1 CRAM-MD5 / --authmd51)', () => {
  test('logs in with CRAM-MD5 (Dovecot logs the method) and warns that it is a legacy login', async () => {
    const marker = legacy.folder('Cram-Check');
    await createFolder(legacy, 'carol', marker);
    const client = await open({ ...(await legacy.endpoint('carol')), authMechanism: 'CRAM-MD5' });
    const folders = (await listMailboxTree(client)).folders.map((f) => f.path);
    await client.logout();
    expect(folders).toContain(marker);
    expect(await legacy.log()).toMatch(/Login: user=<carol>, method=CRAM-MD5/);
    expect(logs()).toMatch(/"level":40[^\n]*authMechanism CRAM-MD5 is set for 127\.0\.0\.1: a legacy login/);
    expect(logs()).not.toContain(PASSWORD);
  });

  test('is never chosen by itself: without authMechanism the login is LOGIN, and no warning', async () => {
    const cramLogins = async () => (await legacy.log()).match(/user=<carol>, method=CRAM-MD5/g)?.length ?? 0;
    const before = await cramLogins();
    const resolved = await resolveEndpoint(await legacy.endpoint('carol'), 'source', { logger });
    expect(resolved.mechanism).toBe('LOGIN');
    const client = await RawImapConnection.open(resolved, { logger });
    await client.logout();
    expect(await cramLogins()).toBe(before);
    expect(logs()).not.toContain('CRAM-MD5');
  });

  test('a wrong password: AuthError naming the mechanism, no secret in the error or the log', async () => {
    const endpoint = await legacy.endpoint('carol');
    const wrong = 'not-the-cram-password';
    await writeFile(endpoint.passwordFile as string, wrong);
    const err = await failure(open({ ...endpoint, authMechanism: 'CRAM-MD5' }));
    await writeFile(endpoint.passwordFile as string, PASSWORD);
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('refused the login of user "carol" (AUTHENTICATE CRAM-MD5)');
    for (const text of [err.message, String(err.stack), logs()]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(PASSWORD);
    }
  });

  test('a server that does not offer it: a clear AuthError, nothing sent', async () => {
    const err = await failure(open({ ...(await modern.endpoint('carol')), authMechanism: 'CRAM-MD5' }));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toMatch(/does not offer AUTH=CRAM-MD5/);
    expect(await modern.log()).not.toMatch(/method=CRAM-MD5/);
  });

  test('with an admin login (authUser) it is refused before connecting: an admin login needs PLAIN', async () => {
    const endpoint = { ...(await legacy.endpoint('carol')), authMechanism: 'CRAM-MD5' as const, authUser: 'admin' };
    const err = await resolveEndpoint(endpoint, 'source', { logger }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/admin login needs authMechanism PLAIN/);
  });
});

describe('PROXYAUTH (proxyAuth: true with authUser, imapsync --proxyauth1 --authuser1)', () => {
  const ADMIN_PASSWORD = 'admin-Pa55!proxy';
  let dir: string;
  let server: HostileServer;
  let endpoint: Endpoint;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mailsync-proxyauth-'));
    const certs = await makeCertificates(path.join(dir, 'certs'));
    server = await startHostileServer({
      attack: 'none',
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
      proxyAuth: { admin: 'admin', users: ['joe'] },
    });
    const passwordFile = path.join(dir, 'admin.password');
    await writeFile(passwordFile, ADMIN_PASSWORD, { mode: 0o600 });
    endpoint = {
      host: server.host,
      port: server.port,
      tls: 'implicit',
      caFile: certs.caFile,
      user: 'joe',
      authUser: 'admin',
      proxyAuth: true,
      passwordFile,
    };
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sentSince = (start: number) => server.commands.slice(start).map((line) => line.replace(/^\S+ /, ''));

  test("the admin logs in as itself (PLAIN, no authorization identity), then PROXYAUTH joe; the mailbox is joe's", async () => {
    const start = server.commands.length;
    const client = await open(endpoint);
    const folders = (await listMailboxTree(client)).folders.map((f) => f.path);
    await client.logout();
    expect(folders).toEqual(['INBOX']);
    const sent = sentSince(start);
    const login = sent.findIndex((line) => line.startsWith('AUTHENTICATE PLAIN'));
    const proxy = sent.indexOf('PROXYAUTH "joe"');
    expect(login).toBeGreaterThanOrEqual(0);
    expect(proxy).toBeGreaterThan(login);
    const plain = Buffer.from(sent[login]?.split(' ')[2] ?? '', 'base64').toString('utf8');
    expect(plain).toBe(`\u0000admin\u0000${ADMIN_PASSWORD}`);
    // Nothing of the mailbox is asked for before the session is joe's.
    expect(sent.slice(0, proxy).some((line) => /^(LIST|SELECT|STATUS|NAMESPACE)/.test(line))).toBe(false);
    expect(logs()).not.toContain(ADMIN_PASSWORD);
  });

  test('with authMechanism LOGIN: LOGIN "admin", then PROXYAUTH', async () => {
    const start = server.commands.length;
    const client = await open({ ...endpoint, authMechanism: 'LOGIN' });
    await client.logout();
    const sent = sentSince(start);
    expect(sent[sent.findIndex((line) => line.startsWith('LOGIN')) + 1]).toBe('PROXYAUTH "joe"');
    expect(sent.find((line) => line.startsWith('LOGIN'))).toMatch(/^LOGIN "admin" /);
  });

  test('a user the server refuses: CredentialRefusedError naming the user and the admin, no secret', async () => {
    const err = await failure(open({ ...endpoint, user: 'nobody' }));
    expect(err).toBeInstanceOf(CredentialRefusedError);
    expect(err.message).toContain(
      'refused PROXYAUTH of user "nobody" for admin "admin": [AUTHORIZATIONFAILED] no such user',
    );
    expect(`${err.message}${logs()}`).not.toContain(ADMIN_PASSWORD);
  });

  test('without proxyAuth the same admin login carries joe as authorization identity, which this server refuses', async () => {
    const { proxyAuth: _off, ...plainAdmin } = endpoint;
    const err = await failure(open(plainAdmin));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('refused the login of user "joe" as admin "admin" (AUTHENTICATE PLAIN)');
  });

  test('proxyAuth without authUser is refused before connecting', async () => {
    const { authUser: _none, ...noAdmin } = endpoint;
    const start = server.connections;
    const err = await resolveEndpoint(noAdmin, 'source', { logger }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/PROXYAUTH needs authUser/);
    expect(server.connections).toBe(start);
  });
});
