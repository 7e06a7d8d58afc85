/**
 * Office 365 / Exchange as the destination (issue 12 item 3), against real
 * Dovecot behind an Exchange-like proxy (test/harness/exchange-proxy.ts:
 * verified TLS, APPENDs with a line over 10,500 bytes refused with Exchange's
 * "BAD Command Argument Error. 11"):
 * - without a preset, a message with a long line fails with reason
 *   LineTooLong and the remedy; the other messages are copied exactly; a run
 *   with the preset then copies just those, wrapped;
 * - filters.maxLineLength skips them before the APPEND (not an error);
 * - a rewrite rule's copy is counted as changed; a rule that would change a
 *   Message-ID is refused for that message (RewriteChangesIdentity), run
 *   after run, and nothing is duplicated;
 * - with the office365 preset (imapsync --office2) long lines are wrapped,
 *   read receipts disarmed, `Files` renamed, and the rewritten copies are
 *   counted as changed, each byte as the rule makes it; a re-run copies
 *   nothing, messages without Message-ID included;
 * - with the exchange preset (--exchange2) \Flagged stays off the
 *   destination, and a run without the flag rule then sets it (the two-run
 *   recipe of FAQ.Exchange.txt).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { runSync } from '../../src/sync/engine.js';
import { wrapLongLines } from '../../src/sync/rewrite/line-wrap.js';
import { disarmReadReceipts } from '../../src/sync/rewrite/read-receipts.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { EXCHANGE_LONG_LINE_ANSWER, type ExchangeProxy, startExchangeProxy } from '../harness/exchange-proxy.js';
import { appendMessages, type ListedFolder, listMailbox } from '../harness/mailbox.js';
import { byPath, captureLogger, expectSuccess, makeMessage, newUsers, type UserPair } from './sync-helpers.js';

let servers: DovecotPair;
let proxy: ExchangeProxy;
beforeAll(async () => {
  servers = await startDovecotPair();
  proxy = await startExchangeProxy({
    upstream: { host: servers.b.plainHost, port: servers.b.plainPort },
    certFile: servers.certs.serverCertFile,
    keyFile: servers.certs.serverKeyFile,
  });
});
afterAll(async () => {
  await proxy?.close();
  await servers?.stop();
});

const sha = (raw: Buffer) => createHash('sha256').update(raw).digest('hex');
const longLine = (n: number) => `${'0123456789'.repeat(Math.ceil(n / 10)).slice(0, n)}`;

/** The source corpus: short, long-lined (with and without Message-ID), a read receipt request, \Flagged. */
function corpus() {
  return {
    plain: makeMessage({ subject: 'plain' }),
    long: makeMessage({ subject: 'long line', body: longLine(25_000) }),
    longNoId: makeMessage({ subject: 'long, no Message-ID', messageId: null, body: longLine(12_000) }),
    receipt: makeMessage({ subject: 'receipt', headers: ['Disposition-Notification-To: alice@example.org'] }),
    flagged: makeMessage({ subject: 'flagged' }),
    file: makeMessage({ subject: 'in Files' }),
  };
}

async function seed(users: UserPair) {
  const m = corpus();
  await appendMessages(servers.a, users.sourceUser, 'INBOX', [
    { raw: m.plain, flags: ['\\Seen'] },
    { raw: m.long },
    { raw: m.longNoId },
    { raw: m.receipt },
    { raw: m.flagged, flags: ['\\Flagged', '\\Seen'] },
  ]);
  await appendMessages(servers.a, users.sourceUser, servers.a.folder('Files'), [{ raw: m.file }]);
  return m;
}

async function specFor(users: UserPair, extra: Partial<MailSyncSpec> = {}): Promise<MailSyncSpec> {
  const destination = await servers.b.endpoint(users.destinationUser, { host: proxy.host, port: proxy.port });
  return {
    source: await servers.a.endpoint(users.sourceUser),
    ...extra,
    destination: { ...destination, ...extra.destination },
  };
}

const sync = async (spec: MailSyncSpec) => {
  const capture = captureLogger();
  const summary = await runSync(spec, { logger: capture.logger, progressIntervalMs: 0 });
  return { summary, capture };
};

function inbox(listing: Map<string, ListedFolder>): ListedFolder {
  return listing.get('INBOX')!;
}

describe('Office 365 / Exchange destination behind a proxy that refuses long lines like Exchange', () => {
  test('without a preset: the long-lined messages fail with LineTooLong and the remedy, the rest is exact', async () => {
    const users = await newUsers(servers.a, servers.b);
    const m = await seed(users);
    const refusedBefore = proxy.refusedMessages;
    const { summary, capture } = await sync(await specFor(users));
    expect(summary).toMatchObject({ verdict: 'errors', messagesFailed: 2, messagesTransferred: 4, messagesChanged: 0 });
    const errors = capture.of('message.error');
    expect(errors.map((e) => e.reason)).toEqual(['LineTooLong', 'LineTooLong']);
    for (const error of errors) {
      expect(error.error).toContain(EXCHANGE_LONG_LINE_ANSWER);
      expect(error.error).toMatch(/the message has a line of \d+ bytes; .*preset office365 or exchange/);
    }
    expect(proxy.refusedMessages - refusedBefore).toBeGreaterThanOrEqual(2);
    const destination = inbox(byPath(await listMailbox(servers.b, users.destinationUser)));
    // What was copied is byte-identical to the source (no rewriting without a rule).
    expect(destination.messages.map((x) => x.sha256).sort()).toEqual([m.plain, m.receipt, m.flagged].map(sha).sort());

    // Then with the preset: the two refused messages are copied, wrapped, and the Files message once more,
    // into the folder the preset maps Files to; the messages already there (by Message-ID) are not.
    const { summary: next } = await sync(await specFor(users, { destination: { preset: 'office365' } as never }));
    expectSuccess(next);
    expect(next).toMatchObject({ messagesTransferred: 3, messagesChanged: 2 });
    const after = inbox(byPath(await listMailbox(servers.b, users.destinationUser)));
    const wrapped = [wrapLongLines(m.long, 10239), wrapLongLines(m.longNoId, 10239)];
    expect(after.messages.map((x) => x.sha256).sort()).toEqual(
      [m.plain, m.receipt, m.flagged, ...wrapped].map(sha).sort(),
    );
  });

  test('filters.maxLineLength skips the long-lined messages before the APPEND (imapsync --maxlinelength)', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(users);
    const refusedBefore = proxy.refusedMessages;
    const { summary } = await sync(await specFor(users, { filters: { maxLineLength: 9900 } }));
    expectSuccess(summary);
    expect(summary).toMatchObject({ messagesTransferred: 4, messagesFilteredOut: 2, messagesFailed: 0 });
    expect(proxy.refusedMessages).toBe(refusedBefore);
  });

  test('rewrite rules: a changed Subject is copied as changed; a rule on a Message-ID is refused, never duplicated', async () => {
    const users = await newUsers(servers.a, servers.b);
    const m = await seed(users);
    const spec = await specFor(users, {
      folders: { only: ['INBOX'] },
      filters: { maxLineLength: 9900 },
      messages: {
        rewrite: [
          { from: 'Subject: plain\r\n', to: 'Subject: [migrated] plain\r\n' },
          { from: '(Subject: flagged\r\nDate: [^\r]*\r\nMessage-ID: <)', to: '$1x' },
        ],
      },
    });
    const first = await sync(spec);
    expect(first.summary).toMatchObject({ messagesTransferred: 2, messagesChanged: 1, messagesFailed: 1 });
    expect(first.capture.of('message.error').map((e) => e.reason)).toEqual(['RewriteChangesIdentity']);
    const second = await sync(spec);
    expect(second.summary).toMatchObject({ messagesTransferred: 0, messagesChanged: 0, messagesFailed: 1 });
    const destination = inbox(byPath(await listMailbox(servers.b, users.destinationUser)));
    const migrated = Buffer.from(m.plain.toString('latin1').replace('Subject: plain', 'Subject: [migrated] plain'));
    expect(destination.messages.map((x) => x.sha256).sort()).toEqual([migrated, m.receipt].map(sha).sort());
  });

  test('office365 preset: wrapped, disarmed, Files renamed, counted as changed; a re-run copies nothing', async () => {
    const users = await newUsers(servers.a, servers.b);
    const m = await seed(users);
    const spec = await specFor(users, { destination: { preset: 'office365' } as MailSyncSpec['destination'] });
    const first = await sync(spec);
    expectSuccess(first.summary);
    expect(first.summary).toMatchObject({ messagesTransferred: 6, messagesChanged: 3, messagesFailed: 0 });
    expect(first.summary.message).toMatch(/^6 messages copied \(3 of them changed on the way by spec\.messages\),/);
    const changedLines = first.capture.lines.filter((line) => line.includes('message changed on its way'));
    expect(changedLines.map((line) => JSON.parse(line).changedBy).sort()).toEqual([
      ['disarmReadReceipts'],
      ['wrapLinesLongerThan'],
      ['wrapLinesLongerThan'],
    ]);

    const listing = byPath(await listMailbox(servers.b, users.destinationUser));
    const expected = [
      m.plain,
      wrapLongLines(m.long, 10239),
      wrapLongLines(m.longNoId, 10239),
      disarmReadReceipts(m.receipt),
      m.flagged,
    ];
    expect(
      inbox(listing)
        .messages.map((x) => x.sha256)
        .sort(),
    ).toEqual(expected.map(sha).sort());
    expect(wrapLongLines(m.long, 10239).toString('latin1')).not.toBe(m.long.toString('latin1'));
    expect(disarmReadReceipts(m.receipt).toString()).toContain('X-Disposition-Notification-To: alice@example.org');
    expect(listing.get('Files_renamed_by_imapsync')?.messages.map((x) => x.sha256)).toEqual([sha(m.file)]);
    expect(listing.has('Files')).toBe(false);

    const again = await sync(spec);
    expectSuccess(again.summary);
    expect(again.summary).toMatchObject({ messagesTransferred: 0, messagesChanged: 0, messagesSkipped: 6 });
    const after = byPath(await listMailbox(servers.b, users.destinationUser));
    expect(inbox(after).messages).toHaveLength(5);
  });

  test('exchange preset: \\Flagged stays off; a run without the flag rule then sets it with STORE', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(users);
    const spec = await specFor(users, {
      destination: { preset: 'exchange' } as MailSyncSpec['destination'],
      folders: { exclude: ['^Files$'] },
    });
    expectSuccess((await sync(spec)).summary);
    const flagsOf = async () =>
      inbox(byPath(await listMailbox(servers.b, users.destinationUser)))
        .messages.map((x) => x.flags.join(' '))
        .sort();
    expect((await flagsOf()).some((flags) => flags.includes('\\Flagged'))).toBe(false);
    const again = await sync(spec);
    expect(again.summary).toMatchObject({ messagesTransferred: 0, flagsUpdated: 0 });

    const withoutRule = await sync({ ...spec, messages: { flagRewrite: [] } });
    expectSuccess(withoutRule.summary);
    expect(withoutRule.summary).toMatchObject({ messagesTransferred: 0, flagsUpdated: 1 });
    expect((await flagsOf()).filter((flags) => flags.includes('\\Flagged'))).toEqual(['\\Flagged \\Seen']);
  });
});
