/**
 * STORE and EXPUNGE over the raw client against real Dovecot, one server with
 * UIDPLUS (a) and one without it announced and with short keywords (b:
 * `mail_max_keyword_length = 12`, so a longer keyword in STORE gets a NO):
 * - an expunge removes exactly the UIDs asked for: UID EXPUNGE with UIDPLUS;
 *   without it, a plain EXPUNGE only when no other message is marked
 *   \Deleted, otherwise a refusal (ExpungeRefused) that changes nothing;
 * - in a sync, a refused STORE or expunge is an error event with its reason,
 *   counted in `errors`, never in flagsUpdated / messagesDeletedOnDestination,
 *   and the folder's delta state is not recorded (the next run tries again).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveEndpoint } from '../../src/sync/endpoint.js';
import { runSync } from '../../src/sync/engine.js';
import { ImapCommandError } from '../../src/sync/imap-raw/command-errors.js';
import { RawImapConnection } from '../../src/sync/imap-raw/connection.js';
import { expungeMessages } from '../../src/sync/imap-raw/expunge.js';
import { FolderReader } from '../../src/sync/imap-raw/folder-reader.js';
import { storeFlags } from '../../src/sync/imap-raw/store.js';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, listMailbox, withClient } from '../harness/mailbox.js';
import {
  byPath,
  captureLogger,
  expectMirrored,
  expectSuccess,
  makeMessage,
  newUsers,
  specFor,
} from './sync-helpers.js';

const logger = pino({ level: 'silent' });
let servers: DovecotPair;

beforeAll(async () => {
  servers = await startDovecotPair({ b: { uidplus: false, maxKeywordLength: 12 } });
});
afterAll(async () => {
  await servers?.stop();
});

/** A fresh user on `server` with four INBOX messages (UIDs 1-4); the given UIDs marked \Deleted by another client. */
async function mailboxWithOthersDeleted(server: DovecotServer, othersDeleted: number[]): Promise<string> {
  // newUsers waits until Dovecot has re-read its passwd file.
  const { sourceUser: user } = await newUsers(server, server);
  await appendMessages(
    server,
    user,
    'INBOX',
    [1, 2, 3, 4].map((n) => ({ raw: makeMessage({ subject: `m${n}` }) })),
  );
  if (othersDeleted.length > 0) {
    await withClient(server, user, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd(othersDeleted.join(','), ['\\Deleted'], { uid: true });
    });
  }
  return user;
}

async function withRaw<T>(
  server: DovecotServer,
  user: string,
  work: (connection: RawImapConnection, reader: FolderReader) => Promise<T>,
): Promise<T> {
  const resolved = await resolveEndpoint(await server.endpoint(user), 'destination', { logger });
  const connection = await RawImapConnection.open(resolved, { logger });
  try {
    const reader = new FolderReader(connection);
    await reader.open('INBOX', false);
    return await work(connection, reader);
  } finally {
    await connection.logout();
  }
}

async function inbox(server: DovecotServer, user: string) {
  return byPath(await listMailbox(server, user))
    .get('INBOX')!
    .messages.map((m) => ({ uid: m.uid, flags: m.flags }));
}

async function rejection(promise: Promise<unknown>): Promise<ImapCommandError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImapCommandError);
  return error as ImapCommandError;
}

describe('expunge removes exactly the messages asked for', () => {
  test('the server without UIDPLUS does not announce it; the one with it does', async () => {
    for (const [server, uidplus] of [
      [servers.a, true],
      [servers.b, false],
    ] as const) {
      const user = await mailboxWithOthersDeleted(server, []);
      await withRaw(server, user, async (connection) => {
        expect(connection.features.uidplus).toBe(uidplus);
        // The rest of the capabilities are those of an ordinary Dovecot.
        expect(connection.features).toMatchObject({ multiappend: true, literalPlus: true });
      });
    }
  });

  test('UIDPLUS: UID EXPUNGE leaves a message someone else marked \\Deleted', async () => {
    const user = await mailboxWithOthersDeleted(servers.a, [4]);
    await withRaw(servers.a, user, (connection) => expungeMessages(connection, 'INBOX', [1, 2]));
    expect(await inbox(servers.a, user)).toEqual([
      { uid: 3, flags: [] },
      { uid: 4, flags: ['\\Deleted'] },
    ]);
  });

  test('no UIDPLUS, another message marked \\Deleted: refused with a reason, nothing removed or left marked', async () => {
    const user = await mailboxWithOthersDeleted(servers.b, [4]);
    const error = await rejection(
      withRaw(servers.b, user, (connection) => expungeMessages(connection, 'INBOX', [1, 2])),
    );
    expect(error).toMatchObject({ reason: 'ExpungeRefused', side: 'destination' });
    expect(error.message).toMatch(/does not offer UIDPLUS.*1 other message/);
    expect(await inbox(servers.b, user)).toEqual([
      { uid: 1, flags: [] },
      { uid: 2, flags: [] },
      { uid: 3, flags: [] },
      { uid: 4, flags: ['\\Deleted'] },
    ]);
  });

  test('no UIDPLUS, no other message marked: a plain EXPUNGE removes exactly ours', async () => {
    const user = await mailboxWithOthersDeleted(servers.b, []);
    await withRaw(servers.b, user, (connection) => expungeMessages(connection, 'INBOX', [1, 3]));
    expect(await inbox(servers.b, user)).toEqual([
      { uid: 2, flags: [] },
      { uid: 4, flags: [] },
    ]);
  });

  test('a NO on STORE rejects with StoreFailed and the flag is not set', async () => {
    const user = await mailboxWithOthersDeleted(servers.b, []);
    const error = await rejection(
      withRaw(servers.b, user, (connection) => storeFlags(connection, [1], 'add', ['$KeywordTooLongHere'])),
    );
    expect(error).toMatchObject({ reason: 'StoreFailed', side: 'destination' });
    expect(error.message).toMatch(/NO .*Keyword length too long/);
    expect((await inbox(servers.b, user))[0]).toEqual({ uid: 1, flags: [] });
  });
});

describe('in a sync, refused commands are errors, not progress', () => {
  test('deleteOnDestination without UIDPLUS next to a \\Deleted message: ExpungeRefused, counted; a re-run finishes', async () => {
    const users = await newUsers(servers.a, servers.b);
    const marked = makeMessage({ subject: 'marked deleted by its owner' });
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: marked, flags: ['\\Deleted'] },
      { raw: makeMessage({ subject: 'plain' }) },
    ]);
    await appendMessages(servers.b, users.destinationUser, 'INBOX', [
      { raw: makeMessage({ subject: 'only on the destination' }) },
    ]);
    const capture = captureLogger();
    const summary = await runSync(await specFor(users, { deleteOnDestination: true }), {
      logger: capture.logger,
      progressIntervalMs: 0,
    });
    expect(summary).toMatchObject({
      verdict: 'errors',
      reason: 'ErrorsPresent',
      errors: 1,
      messagesTransferred: 2,
      messagesDeletedOnDestination: 0,
    });
    const errors = capture.of('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'ExpungeRefused', side: 'destination' });
    expect(errors[0]!.error).toMatch(/^folder INBOX: .*UIDPLUS/);
    expect(capture.of('folder.end')[0]).toMatchObject({ deletedOnDestination: 0 });
    // Nothing lost: the destination-only message is still there, unmarked; the copied one keeps its \Deleted.
    const destination = (await inbox(servers.b, users.destinationUser)).map((m) => m.flags);
    expect(destination).toEqual([[], ['\\Deleted'], []]);

    // The owner clears the mark on the source: the flag update clears it on the destination, then the expunge may run.
    await withClient(servers.a, users.sourceUser, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageFlagsRemove('1', ['\\Deleted']);
    });
    const rerun = await runSync(await specFor(users, { deleteOnDestination: true }), {
      logger: captureLogger().logger,
      progressIntervalMs: 0,
    });
    expectSuccess(rerun);
    expect(rerun).toMatchObject({ flagsUpdated: 1, messagesDeletedOnDestination: 1 });
    await expectMirrored(users, [['INBOX', 'INBOX']]);
  });

  test('a STORE the destination refuses (NO) is a counted StoreFailed error, not a flag update', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage({ subject: 'gets a long keyword' }) },
      { raw: makeMessage({ subject: 'gets flagged' }) },
    ]);
    const quiet = () => ({ logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(await runSync(await specFor(users), quiet()));
    await withClient(servers.a, users.sourceUser, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd('1', ['$KeywordTooLongHere']);
      await client.messageFlagsAdd('2', ['\\Flagged']);
    });

    const capture = captureLogger();
    const rerun = await runSync(await specFor(users), { logger: capture.logger, progressIntervalMs: 0 });
    expect(rerun).toMatchObject({ verdict: 'errors', reason: 'ErrorsPresent', errors: 1, flagsUpdated: 1 });
    expect(capture.of('error').map((e) => ({ reason: e.reason, side: e.side }))).toEqual([
      { reason: 'StoreFailed', side: 'destination' },
    ]);
    expect(capture.of('folder.end')[0]).toMatchObject({ flagsUpdated: 1 });
    // The folder's state is not recorded: the next run compares it again instead of calling it unchanged.
    expect((rerun.state as { folders: Record<string, unknown> }).folders.INBOX).toBeUndefined();
    expect((await inbox(servers.b, users.destinationUser)).map((m) => m.flags)).toEqual([[], ['\\Flagged']]);
  });
});
