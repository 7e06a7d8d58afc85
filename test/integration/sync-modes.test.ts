/**
 * Filters and modes: size/age filters, dry run (changes nothing on either
 * side, reports what it would do), foldersOnly, loginOnly (and a failed login
 * named by side), folderSizesOnly, the per-run byte cap, per-message failures
 * (APPENDLIMIT) and the error budget.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, createFolder, listMailbox } from '../harness/mailbox.js';
import {
  byPath,
  captureLogger,
  expectMirrored,
  expectSuccess,
  makeMessage,
  newUsers,
  specFor,
} from './sync-helpers.js';

const APPEND_LIMIT = 60_000;
let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair({ b: { appendLimit: APPEND_LIMIT } });
});
afterAll(async () => {
  await servers?.stop();
});

const quiet = () => ({ logger: captureLogger().logger, progressIntervalMs: 0 });
const DAY = 86_400_000;

describe('filters', () => {
  test('maxSize/minSize and maxAgeDays/minAgeDays select what is copied; the rest is counted as filtered', async () => {
    const users = await newUsers(servers.a, servers.b);
    const now = Date.now();
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage({ subject: 'small recent' }), date: new Date(now - 2 * DAY) },
      { raw: makeMessage({ subject: 'big recent', body: 'b'.repeat(30_000) }), date: new Date(now - 2 * DAY) },
      { raw: makeMessage({ subject: 'small old' }), date: new Date(now - 400 * DAY) },
      { raw: makeMessage({ subject: 'small brand new' }), date: new Date(now - 60_000) },
    ]);
    const summary = await runSync(
      await specFor(users, { filters: { maxSize: 10_000, maxAgeDays: 365, minAgeDays: 1 } }),
      quiet(),
    );
    expectSuccess(summary);
    expect(summary.messagesTransferred).toBe(1);
    expect(summary.messagesFilteredOut).toBe(3);
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    expect(destination.get('INBOX')!.messages).toHaveLength(1);

    const rerun = await runSync(await specFor(users, { filters: { minSize: 10_000 } }), quiet());
    expectSuccess(rerun);
    expect(rerun.messagesTransferred).toBe(1);
  });
});

describe('modes', () => {
  test('dryRun reports what it would do and changes nothing on either side', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage(), flags: ['\\Seen'] },
      { raw: makeMessage() },
    ]);
    await appendMessages(servers.a, users.sourceUser, servers.a.folder('New', 'Nested'), [{ raw: makeMessage() }]);
    await appendMessages(servers.b, users.destinationUser, 'INBOX', [{ raw: makeMessage({ subject: 'extra' }) }]);
    const before = [
      await listMailbox(servers.a, users.sourceUser),
      await listMailbox(servers.b, users.destinationUser),
    ];
    const capture = captureLogger();
    const summary = await runSync(await specFor(users, { mode: 'dryRun', deleteOnDestination: true }), {
      logger: capture.logger,
      progressIntervalMs: 0,
    });
    expectSuccess(summary);
    expect(summary.dryRun).toMatchObject({ wouldCopy: 3, wouldDeleteOnDestination: 1 });
    expect(summary.dryRun!.wouldCreateFolders).toBeGreaterThanOrEqual(2);
    expect(summary.messagesTransferred).toBe(0);
    expect(capture.of('folder.create').every((e) => e.dryRun)).toBe(true);
    expect(capture.of('folder.plan').every((e) => e.dryRun)).toBe(true);
    const after = [await listMailbox(servers.a, users.sourceUser), await listMailbox(servers.b, users.destinationUser)];
    expect(after).toEqual(before);
  });

  test('foldersOnly creates the folders and copies no message', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(servers.a, users.sourceUser, servers.a.folder('Projects', 'Alpha'), [{ raw: makeMessage() }]);
    const summary = await runSync(await specFor(users, { mode: 'foldersOnly' }), quiet());
    expectSuccess(summary);
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    expect(destination.get('Projects/Alpha')?.messages).toEqual([]);
    expect(summary.foldersCreated).toBeGreaterThanOrEqual(1);
  });

  test('loginOnly logs in on both sides; a wrong destination password fails with the destination code', async () => {
    const users = await newUsers(servers.a, servers.b);
    const summary = await runSync(await specFor(users, { mode: 'loginOnly' }), quiet());
    expectSuccess(summary);
    expect(summary.message).toMatch(/logged in/);

    const spec = await specFor(users, { mode: 'loginOnly' });
    const wrong = `${spec.destination.passwordFile}.wrong`;
    await writeFile(wrong, 'not-the-password');
    const capture = captureLogger();
    const failed = await runSync(
      { ...spec, destination: { ...spec.destination, passwordFile: wrong } },
      {
        logger: capture.logger,
        progressIntervalMs: 0,
      },
    );
    expect(failed).toMatchObject({ verdict: 'failed', reason: 'AuthenticationFailed', exitCode: 15 });
    expect(capture.lines.join('\n')).not.toContain('not-the-password');
    expect(capture.lines.join('\n')).not.toContain(servers.a.password(users.sourceUser));
  });

  test('folderSizesOnly reports messages and bytes per folder on both sides and changes nothing', async () => {
    const users = await newUsers(servers.a, servers.b);
    const m1 = makeMessage();
    const m2 = makeMessage({ body: 'y'.repeat(5000) });
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [{ raw: m1 }, { raw: m2 }]);
    await appendMessages(servers.b, users.destinationUser, 'INBOX', [{ raw: m1 }]);
    await createFolder(servers.a, users.sourceUser, servers.a.folder('Empty'));
    const capture = captureLogger();
    const summary = await runSync(await specFor(users, { mode: 'folderSizesOnly' }), {
      logger: capture.logger,
      progressIntervalMs: 0,
    });
    expectSuccess(summary);
    const inbox = summary.folderSizes!.find((f) => f.folder === 'INBOX')!;
    expect(inbox.source).toEqual({ messages: 2, bytes: m1.length + m2.length });
    expect(inbox.destination).toEqual({ messages: 1, bytes: m1.length });
    const empty = summary.folderSizes!.find((f) => f.folder === servers.a.folder('Empty'))!;
    expect(empty.source).toEqual({ messages: 0, bytes: 0 });
    expect(empty.destination).toBeUndefined();
    expect(capture.of('folder.size').length).toBe(summary.folderSizes!.length);
    expect(byPath(await listMailbox(servers.b, users.destinationUser)).has('Empty')).toBe(false);
  });
});

describe('limits and failures', () => {
  test('maxBytesPerRun stops cleanly before the cap (ByteCapReached); a re-run finishes the job', async () => {
    const users = await newUsers(servers.a, servers.b);
    const messages = Array.from({ length: 10 }, (_, i) => ({
      raw: makeMessage({ subject: `m${i}`, body: 'z'.repeat(10_000) }),
    }));
    await appendMessages(servers.a, users.sourceUser, 'INBOX', messages);
    const size = messages[0]!.raw.length;
    const capped = await runSync(
      await specFor(users, { throttle: { maxBytesPerRun: Math.floor(size * 3.5) } }),
      quiet(),
    );
    expect(capped).toMatchObject({ reason: 'ByteCapReached', exitCode: 22 });
    expect(capped.bytesTransferred).toBeLessThanOrEqual(size * 3.5);
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    expect(destination.get('INBOX')!.messages).toHaveLength(3);
    expectSuccess(await runSync(await specFor(users), quiet()));
    await expectMirrored(users, [['INBOX', 'INBOX']]);
  });

  test('a message over APPENDLIMIT is a counted message.error, not fatal; errorsMax ends the run', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage({ subject: 'fits' }) },
      { raw: makeMessage({ subject: 'too big 1', body: 'q'.repeat(APPEND_LIMIT + 1000) }) },
      { raw: makeMessage({ subject: 'fits too' }) },
    ]);
    const capture = captureLogger();
    const summary = await runSync(await specFor(users), { logger: capture.logger, progressIntervalMs: 0 });
    expect(summary).toMatchObject({ verdict: 'errors', reason: 'ErrorsPresent', exitCode: 20, messagesFailed: 1 });
    expect(summary.messagesTransferred).toBe(2);
    expect(capture.of('message.error')).toEqual([
      expect.objectContaining({ folder: 'INBOX', reason: 'TooBig', uid: 2 }),
    ]);
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    expect(destination.get('INBOX')!.messages).toHaveLength(2);

    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage({ subject: 'too big 2', body: 'r'.repeat(APPEND_LIMIT + 1000) }) },
    ]);
    const budget = await runSync(await specFor(users, { errorsMax: 2 }), quiet());
    expect(budget).toMatchObject({ verdict: 'failed', reason: 'ErrorBudgetExceeded', exitCode: 21 });
  });
});
