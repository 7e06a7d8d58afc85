/**
 * CRAM-MD5 (issue 12, legacy servers) against real Dovecot offering it
 * (`auth_mechanisms = ... cram-md5`, passwords stored {PLAIN} as CRAM-MD5
 * needs): only when the spec asks for it, logged as a warning at every start,
 * a wrong password refused with the mechanism named and no secret anywhere,
 * and a clear error where the server does not offer it.
 */
import { writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../src/api/spec.js';
import { resolveEndpoint } from '../../src/sync/endpoint.js';
import { AuthError, ConfigError } from '../../src/sync/errors.js';
import { RawImapConnection } from '../../src/sync/imap-raw/connection.js';
import { listMailboxTree } from '../../src/sync/imap-raw/mailbox-tree.js';
import { type DovecotServer, startDovecot } from '../harness/dovecot.js';
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
