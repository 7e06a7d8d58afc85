/**
 * The basic promise of runSync against two real Dovecot servers: every
 * message arrives byte for byte with its flags, keywords and INTERNALDATE;
 * messages without Message-ID and duplicate copies are kept; 8-bit headers
 * survive; the source's \Seen is never set by reading; a re-run appends 0.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, listMailbox } from '../harness/mailbox.js';
import {
  byPath,
  captureLogger,
  expectMirrored,
  expectSuccess,
  makeMessage,
  newUsers,
  specFor,
} from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

describe('sync A -> B', () => {
  test('copies messages with bytes, flags, keywords and INTERNALDATE; a re-run appends 0', async () => {
    const users = await newUsers(servers.a, servers.b);
    const dates = [
      new Date('2019-05-01T08:30:00Z'),
      new Date('2021-12-24T18:00:00Z'),
      new Date('2024-02-29T23:59:59Z'),
    ];
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage({ subject: 'plain' }), flags: [], date: dates[0] },
      { raw: makeMessage({ subject: 'seen+flagged' }), flags: ['\\Seen', '\\Flagged'], date: dates[1] },
      { raw: makeMessage({ subject: 'keywords' }), flags: ['\\Answered', '$Label1', 'Custom_Keyword'], date: dates[2] },
    ]);
    const work = servers.a.folder('Work');
    await appendMessages(servers.a, users.sourceUser, work, [
      { raw: makeMessage({ subject: 'draft' }), flags: ['\\Draft'], date: dates[0] },
    ]);

    const capture = captureLogger();
    const summary = await runSync(await specFor(users), { logger: capture.logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    expect(summary.messagesTransferred).toBe(4);
    const { destination } = await expectMirrored(users, [
      ['INBOX', 'INBOX'],
      [work, servers.b.folder('Work')],
    ]);
    const inbox = destination.get('INBOX')!;
    expect(inbox.messages.map((m) => m.internalDate)).toEqual(dates.map((d) => d.toISOString()));
    expect(inbox.messages.map((m) => m.flags)).toEqual([
      [],
      ['\\Flagged', '\\Seen'],
      ['$Label1', 'Custom_Keyword', '\\Answered'],
    ]);
    // The event stream has the shape the controller parses.
    expect(capture.events[0]).toMatchObject({ schema: 1, event: 'start', mode: 'sync' });
    expect(
      capture
        .of('connected')
        .map((e) => e.side)
        .sort(),
    ).toEqual(['destination', 'source']);
    expect(capture.of('summary')).toHaveLength(1);
    expect(capture.events.at(-1)).toMatchObject({ event: 'summary', summary: { verdict: 'success' } });

    const again = captureLogger();
    const rerun = await runSync(await specFor(users), { logger: again.logger, progressIntervalMs: 0 });
    expectSuccess(rerun);
    expect(rerun.messagesTransferred).toBe(0);
    expect(rerun.messagesSkipped).toBe(4);
    await expectMirrored(users, [
      ['INBOX', 'INBOX'],
      [work, servers.b.folder('Work')],
    ]);
  });

  test('reading never sets \\Seen on the source', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [{ raw: makeMessage(), flags: [] }]);
    const summary = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    const source = byPath(await listMailbox(servers.a, users.sourceUser));
    expect(source.get('INBOX')!.messages[0]!.flags).toEqual([]);
  });

  test('messages without Message-ID, duplicate copies (k in source -> k on destination), 8-bit headers', async () => {
    const users = await newUsers(servers.a, servers.b);
    const duplicate = makeMessage({ messageId: '<same@example.org>', subject: 'dup' });
    const eightBit = Buffer.concat([
      Buffer.from('From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\r\nSubject: Gr', 'latin1'),
      Buffer.from([0xfc, 0xdf]), // raw latin-1 bytes in a header: "Grüß" as 8-bit
      Buffer.from('e\r\nX-Raw-UTF8: 日本語\r\nMessage-ID: <8bit@example.org>\r\n\r\nbody\r\n', 'utf8'),
    ]);
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage({ messageId: null, subject: 'no id 1' }) },
      { raw: makeMessage({ messageId: null, subject: 'no id 2' }) },
      { raw: duplicate },
      { raw: duplicate },
      { raw: duplicate, flags: ['\\Seen'] },
      { raw: eightBit },
    ]);
    // The destination already holds one copy of the duplicate: 3 in source, 1 there -> 2 appended.
    await appendMessages(servers.b, users.destinationUser, 'INBOX', [{ raw: duplicate }]);

    const summary = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    expect(summary.messagesTransferred).toBe(5);
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    const source = byPath(await listMailbox(servers.a, users.sourceUser));
    const shas = (path: string, listing: typeof source) =>
      listing
        .get(path)!
        .messages.map((m) => m.sha256)
        .sort();
    expect(shas('INBOX', destination)).toEqual(shas('INBOX', source));

    const rerun = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(rerun);
    expect(rerun.messagesTransferred).toBe(0);
  });

  test('verification: messages that vanish from the destination during the run fail it (VerificationFailed)', async () => {
    const users = await newUsers(servers.a, servers.b);
    const present = [makeMessage(), makeMessage(), makeMessage()];
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      ...present.map((raw) => ({ raw })),
      { raw: makeMessage() },
    ]);
    await appendMessages(
      servers.b,
      users.destinationUser,
      'INBOX',
      present.map((raw) => ({ raw })),
    );
    // Once INBOX is planned (3 present, 1 to copy), another client expunges the destination's copies:
    // done synchronously inside the log write, so it happens before the copy and the verification.
    const capture = captureLogger((event) => {
      if (event.event !== 'folder.plan' || event.folder !== 'INBOX') return;
      execFileSync('doveadm', [
        '-c',
        servers.b.configFile,
        'expunge',
        '-u',
        users.destinationUser,
        'mailbox',
        'INBOX',
        'all',
      ]);
    });
    const summary = await runSync(await specFor(users), { logger: capture.logger, progressIntervalMs: 0 });
    expect(summary).toMatchObject({
      verdict: 'failed',
      reason: 'VerificationFailed',
      exitCode: 23,
      verificationMissing: 1,
    });
    expect(capture.of('folder.end').find((e) => e.folder === 'INBOX')).toMatchObject({ copied: 1, missing: 3 });
    // The next run repairs it.
    expectSuccess(await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 }));
    await expectMirrored(users, [['INBOX', 'INBOX']]);
  });
});
