/**
 * Flag changes on the source propagate on a re-run (syncFlags, on by
 * default): added and removed system flags and keywords, with and without a
 * delta state file (with one, CONDSTORE's HIGHESTMODSEQ is what reveals the
 * change); with syncFlags off, destination flags are left alone.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, listMailbox, withClient } from '../harness/mailbox.js';
import {
  byPath,
  captureLogger,
  expectMirrored,
  expectSuccess,
  makeMessage,
  newUsers,
  specFor,
  type UserPair,
} from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

async function seed(users: UserPair): Promise<void> {
  await appendMessages(servers.a, users.sourceUser, 'INBOX', [
    { raw: makeMessage({ subject: 'one' }), flags: ['\\Seen'] },
    { raw: makeMessage({ subject: 'two' }), flags: ['$Important'] },
    { raw: makeMessage({ subject: 'three' }), flags: [] },
  ]);
}

/** Change flags on the source: +\Flagged on 1, -$Important +$Later on 2, +\Seen +\Answered on 3. */
async function changeSourceFlags(users: UserPair): Promise<void> {
  await withClient(servers.a, users.sourceUser, async (client) => {
    await client.mailboxOpen('INBOX');
    await client.messageFlagsAdd('1', ['\\Flagged']);
    await client.messageFlagsRemove('2', ['$Important']);
    await client.messageFlagsAdd('2', ['$Later']);
    await client.messageFlagsAdd('3', ['\\Seen', '\\Answered']);
  });
}

describe('flags', () => {
  test.each([
    ['without a state file', false],
    ['with a state file (HIGHESTMODSEQ reveals the change)', true],
  ])('a source flag change propagates on re-run, %s', async (_name, withState) => {
    const users = await newUsers(servers.a, servers.b);
    await seed(users);
    const stateFile = withState
      ? path.join(await mkdtemp(path.join(os.tmpdir(), 'mailsync-state-')), 'state.json')
      : undefined;
    const options = () => ({ logger: captureLogger().logger, progressIntervalMs: 0, stateFile });
    expectSuccess(await runSync(await specFor(users), options()));
    await changeSourceFlags(users);
    const rerun = await runSync(await specFor(users), options());
    expectSuccess(rerun);
    expect(rerun.messagesTransferred).toBe(0);
    expect(rerun.flagsUpdated).toBe(3);
    const { destination } = await expectMirrored(users, [['INBOX', 'INBOX']]);
    expect(destination.get('INBOX')!.messages.map((m) => m.flags)).toEqual([
      ['\\Flagged', '\\Seen'],
      ['$Later'],
      ['\\Answered', '\\Seen'],
    ]);
  });

  test('syncFlags: false leaves destination flags alone', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(users);
    expectSuccess(await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 }));
    await changeSourceFlags(users);
    const rerun = await runSync(await specFor(users, { syncFlags: false }), {
      logger: captureLogger().logger,
      progressIntervalMs: 0,
    });
    expectSuccess(rerun);
    expect(rerun.flagsUpdated).toBe(0);
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    expect(destination.get('INBOX')!.messages.map((m) => m.flags)).toEqual([['\\Seen'], ['$Important'], []]);
  });
});
