/**
 * Fault matrix, IMAP side: a destination that says no. Its quota is full
 * (Dovecot's quota plugin: `NO [OVERQUOTA]`), a folder cannot be created or
 * appended to (a path too long for its Maildir++ layout; a folder directory
 * read-only for the mail user: the server answers NO), a message is over its APPENDLIMIT. Each ends with the
 * right reason and counts, whole messages only, and the rest of the mailbox
 * exact; once the cause is removed, a re-run completes the copy.
 */
import { chmod, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DovecotPair, startDovecotPair } from '../../harness/dovecot.js';
import { appendMessage, appendMessages, withClient } from '../../harness/mailbox.js';
import { makeMessage, newUsers, specFor } from '../sync-helpers.js';
import {
  exactCheck,
  expectExact,
  expectSucceeded,
  expectSummaryAgrees,
  HEAP_BOUND_BYTES,
  randomBody,
  runCell,
  seed,
} from './fault-helpers.js';

const APPEND_LIMIT = 60_000;
let servers: DovecotPair;
beforeAll(async () => {
  // Every destination user may store 150 KB; no message over 60 KB.
  servers = await startDovecotPair({ b: { quotaStorage: '150K', appendLimit: APPEND_LIMIT } });
});
afterAll(async () => {
  await servers?.stop();
});

/** The user's Maildir on the slash server (LAYOUT=fs: one directory per folder). */
function maildir(user: string, ...folder: string[]): string {
  return path.join(servers.b.dir, 'mail', user, 'Maildir', ...folder);
}

/**
 * chmod a folder directory (and, with `messages`, its cur/new/tmp): the mail user, which Dovecot's
 * imap processes run as, cannot add entries there any more.
 */
async function setWritable(dir: string, writable: boolean, options: { messages: boolean }): Promise<void> {
  const mode = writable ? 0o700 : 0o500;
  if (options.messages) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && ['cur', 'new', 'tmp'].includes(entry.name)) {
        await chmod(path.join(dir, entry.name), mode);
      }
    }
  }
  await chmod(dir, mode);
}

/**
 * The destination (Dovecot quota plugin) fills up halfway: the run stops at the first [OVERQUOTA] with
 * QuotaExceeded (exit 24, not retried), every OverQuota refusal counted in messagesFailed; the
 * destination holds exactly messagesTransferred whole source messages (nothing half-stored). Once
 * space is freed, the next run copies exactly the rest: exact.
 */
describe('destination quota exceeded', () => {
  test('destination quota exceeded', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 20, Other: 10 }, 3000);
    // 90 KB of the destination's 150 KB are taken by older mail: the ~120 KB of the source do not fit.
    await appendMessages(
      servers.b,
      users.destinationUser,
      'Old',
      Array.from({ length: 3 }, () => ({ raw: makeMessage({ body: randomBody(29_000) }) })),
    );
    // errorsMax 1: the first refusal also spends the error budget; the precise reason must still win.
    const spec = await specFor(users, { errorsMax: 1, performance: { batchMessages: 5, folderConcurrency: 1 } });
    const first = await runCell(spec);
    expect(first.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
    expect(first.summary, first.summary.message).toMatchObject({
      verdict: 'failed',
      reason: 'QuotaExceeded',
      exitCode: 24,
    });
    expect(first.summary.message).toMatch(/quota/i);
    expect(first.capture.of('message.error').every((e) => e.reason === 'OverQuota')).toBe(true);
    // Nothing half-stored: every destination message (besides Old) is a whole source message, as many as counted.
    const report = await exactCheck(users);
    const fromOld = report.extra.filter((line) => line.startsWith('Old '));
    expect(fromOld).toHaveLength(3);
    expect(report.extra.filter((line) => !line.startsWith('Old '))).toEqual([]);
    expect(report.destinationMessages - 3).toBe(first.summary.messagesTransferred);
    expect(report.missing.length).toBeGreaterThan(0);
    expect(report.missing.length + first.summary.messagesTransferred).toBe(report.sourceMessages);

    // The administrator frees space; the next run copies exactly what is missing.
    await withClient(servers.b, users.destinationUser, (client) => client.mailboxDelete('Old'));
    const { summary } = await runCell(spec);
    expectSucceeded(summary);
    expect(summary.messagesTransferred).toBe(report.missing.length);
    expectSummaryAgrees(summary, await expectExact(users));
  });
});

/**
 * The destination refuses CREATE for one folder (a path too long for its Maildir++ layout): that
 * folder is one FolderFailed error with its messages counted failed (ErrorsPresent, exit 20); every
 * other folder is exact. The controller's re-run says the same and copies nothing twice. (Found a bug:
 * the refusal ended the whole run as InternalError with nothing synced.)
 */
describe('destination folder that cannot be created', () => {
  test('destination folder that cannot be created', async () => {
    // Here the slash server is the source: its `Projects/<250 characters>` is one directory per level,
    // while the Maildir++ destination needs one directory name for the whole path, over the 255-byte
    // limit: CREATE gets NO. The other folders are synced.
    const deep = `Projects/${'y'.repeat(250)}`;
    const users = await newUsers(servers.b, servers.a);
    await seed(servers.b, users.sourceUser, { INBOX: 5, [deep]: 5 }, 500);
    const spec = await specFor(users);
    const first = await runCell(spec);
    // Before the fix: the refused CREATE ended the whole run as InternalError, INBOX not synced either.
    expect(first.summary, first.summary.message).toMatchObject({
      verdict: 'errors',
      reason: 'ErrorsPresent',
      exitCode: 20,
      errors: 1,
      messagesFailed: 5,
      messagesTransferred: 5,
    });
    const errors = first.capture.of('error');
    expect(errors.map((e) => [e.reason, e.side])).toEqual([['FolderFailed', 'destination']]);
    expect(errors[0]!.error).toContain('CREATE');
    const report = await exactCheck(users);
    // Only the folder that could not be created is missing, and the summary counts it.
    expect(report.extra).toEqual([]);
    expect(report.missing).toHaveLength(5);
    expect(report.missing.every((line) => line.startsWith(`${deep} `))).toBe(true);

    // The controller retries ErrorsPresent: the same answer, nothing copied twice.
    const { summary } = await runCell(spec);
    expect(summary).toMatchObject({ reason: 'ErrorsPresent', messagesFailed: 5, messagesTransferred: 0 });
    expect(await exactCheck(users)).toMatchObject({ extra: [], destinationMessages: 5 });
  });
});

/**
 * Every APPEND into one destination folder gets NO (its directory is read-only): ErrorsPresent with
 * exactly that folder's messages in messagesFailed (a refused MULTIAPPEND retried one by one, each
 * counted once), the rest exact; once writable, a re-run makes it exact.
 */
describe('destination folder that cannot be appended to', () => {
  test('destination folder that cannot be appended to', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 5, Other: 6 }, 500);
    await withClient(servers.b, users.destinationUser, (client) => client.mailboxCreate('Other'));
    await setWritable(maildir(users.destinationUser, 'Other'), false, { messages: true });
    const spec = await specFor(users, { performance: { batchMessages: 3 } });
    const first = await runCell(spec);
    expect(first.summary, first.summary.message).toMatchObject({ verdict: 'errors', reason: 'ErrorsPresent' });
    const report = await exactCheck(users);
    expect(report.extra).toEqual([]);
    expect(report.missing.length).toBe(6);
    expect(report.missing.every((line) => line.startsWith('Other '))).toBe(true);
    // Each refused message is counted once (a refused MULTIAPPEND is retried one by one, not counted twice).
    expect(first.summary.messagesFailed).toBe(6);
    expect(first.summary.messagesTransferred).toBe(5);

    await setWritable(maildir(users.destinationUser, 'Other'), true, { messages: true });
    const { summary } = await runCell(spec);
    expectSucceeded(summary);
    expect(summary.messagesTransferred).toBe(6);
    expectSummaryAgrees(summary, await expectExact(users));
  });
});

/**
 * A message over the announced APPENDLIMIT is not sent: one TooBig message.error, ErrorsPresent, every
 * other message exact; the controller's re-run reports the same and copies nothing twice.
 */
describe('message over the destination APPENDLIMIT', () => {
  test('message over the destination APPENDLIMIT', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 6 }, 500);
    await appendMessage(servers.a, users.sourceUser, 'INBOX', makeMessage({ body: randomBody(APPEND_LIMIT + 1000) }));
    const spec = await specFor(users);
    const first = await runCell(spec);
    expect(first.summary, first.summary.message).toMatchObject({
      verdict: 'errors',
      reason: 'ErrorsPresent',
      exitCode: 20,
      messagesFailed: 1,
      messagesTransferred: 6,
    });
    const tooBig = first.capture.of('message.error');
    expect(tooBig.map((e) => e.reason)).toEqual(['TooBig']);
    const report = await exactCheck(users);
    expect(report.extra).toEqual([]);
    expect(report.missing).toHaveLength(1);
    // A re-run (as the controller retries ErrorsPresent) copies nothing twice and reports the same.
    const { summary } = await runCell(spec);
    expect(summary).toMatchObject({ reason: 'ErrorsPresent', messagesFailed: 1, messagesTransferred: 0 });
    expect((await exactCheck(users)).destinationMessages).toBe(6);
  });
});
