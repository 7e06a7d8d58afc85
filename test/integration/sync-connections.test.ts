/**
 * Connections a sync opens, counted in the real servers' logs: an empty
 * source folder does not open a connection pair of its own (a login is an
 * imap process and an authentication on each server), a full one does when
 * folderConcurrency allows it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages } from '../harness/mailbox.js';
import { captureLogger, expectMirrored, expectSuccess, makeMessage, newUsers, specFor } from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

/** Logins of `user` in the server's log. */
async function logins(server: DovecotServer, user: string): Promise<number> {
  return (await server.log()).split('\n').filter((l) => l.includes('Login:') && l.includes(`user=<${user}>`)).length;
}

/** The log is written by the server's processes: wait until the count stops moving. */
async function settledLogins(server: DovecotServer, user: string): Promise<number> {
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await logins(server, user);
    if (now === last) return now;
    last = now;
  }
}

describe('connections per sync', () => {
  test('INBOX with mail and five empty special folders: one login per side', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(
      servers.a,
      users.sourceUser,
      'INBOX',
      Array.from({ length: 12 }, (_, i) => ({ raw: makeMessage({ subject: `m${i}` }) })),
    );
    const [sourceBefore, destinationBefore] = await Promise.all([
      settledLogins(servers.a, users.sourceUser),
      settledLogins(servers.b, users.destinationUser),
    ]);
    const summary = await runSync(await specFor(users), { logger: captureLogger().logger });
    expectSuccess(summary);
    expect(summary.foldersSynced).toBeGreaterThanOrEqual(6);
    expect((await settledLogins(servers.a, users.sourceUser)) - sourceBefore).toBe(1);
    expect((await settledLogins(servers.b, users.destinationUser)) - destinationBefore).toBe(1);
    await expectMirrored(users, [['INBOX', 'INBOX']]);
  });

  test('two folders with mail and folderConcurrency 2: a second pair is opened', async () => {
    const users = await newUsers(servers.a, servers.b);
    for (const folder of ['INBOX', servers.a.folder('Sent')]) {
      await appendMessages(
        servers.a,
        users.sourceUser,
        folder,
        Array.from({ length: 30 }, (_, i) => ({
          raw: makeMessage({ subject: `${folder} ${i}`, body: 'x'.repeat(4000) }),
        })),
      );
    }
    const before = await settledLogins(servers.a, users.sourceUser);
    const summary = await runSync(await specFor(users, { performance: { folderConcurrency: 2 } }), {
      logger: captureLogger().logger,
    });
    expectSuccess(summary);
    expect((await settledLogins(servers.a, users.sourceUser)) - before).toBe(2);
  });
});
