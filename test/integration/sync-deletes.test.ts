/**
 * Opt-in deletes. deleteOnDestination (imapsync --delete2) makes the
 * destination a strict mirror; deleteOnSource (--delete1) moves: source
 * messages are deleted only once verified on the destination, and filtered
 * messages are left alone.
 */
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
} from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

const quiet = () => ({ logger: captureLogger().logger, progressIntervalMs: 0 });

describe('deletes', () => {
  test('deleteOnDestination: extra destination messages and surplus duplicates go; the mirror is exact', async () => {
    const users = await newUsers(servers.a, servers.b);
    const dup = makeMessage({ messageId: '<dup@example.org>' });
    // One INTERNALDATE for every copy: appends on both servers may straddle a second boundary.
    const date = new Date('2024-03-05T07:08:09Z');
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [{ raw: makeMessage() }, { raw: dup, date }]);
    await appendMessages(servers.b, users.destinationUser, 'INBOX', [
      { raw: makeMessage({ subject: 'only on the destination' }) },
      { raw: dup, date },
      { raw: dup, date },
    ]);
    const summary = await runSync(await specFor(users, { deleteOnDestination: true }), quiet());
    expectSuccess(summary);
    expect(summary.messagesDeletedOnDestination).toBe(2);
    await expectMirrored(users, [['INBOX', 'INBOX']]);

    // A message expunged on the source disappears from the destination on the next run.
    await withClient(servers.a, users.sourceUser, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageDelete('1');
    });
    const rerun = await runSync(await specFor(users, { deleteOnDestination: true }), quiet());
    expectSuccess(rerun);
    expect(rerun.messagesDeletedOnDestination).toBe(1);
    await expectMirrored(users, [['INBOX', 'INBOX']]);
  });

  test('without deleteOnDestination, destination-only messages stay', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [{ raw: makeMessage() }]);
    await appendMessages(servers.b, users.destinationUser, 'INBOX', [{ raw: makeMessage() }]);
    expectSuccess(await runSync(await specFor(users), quiet()));
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    expect(destination.get('INBOX')!.messages).toHaveLength(2);
  });

  test('deleteOnSource: messages verified on the destination are removed from the source, filtered ones stay', async () => {
    const users = await newUsers(servers.a, servers.b);
    const dup = makeMessage({ messageId: '<moved-dup@example.org>' });
    const big = makeMessage({ subject: 'big', body: 'x'.repeat(20_000) });
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage(), flags: ['\\Seen'] },
      { raw: dup },
      { raw: dup },
      { raw: big },
    ]);
    await appendMessages(servers.a, users.sourceUser, servers.a.folder('Archive', '2020'), [{ raw: makeMessage() }]);
    const before = byPath(await listMailbox(servers.a, users.sourceUser));

    const summary = await runSync(
      await specFor(users, { deleteOnSource: true, filters: { maxSize: 10_000 } }),
      quiet(),
    );
    expectSuccess(summary);
    expect(summary.messagesDeletedOnSource).toBe(4);
    const source = byPath(await listMailbox(servers.a, users.sourceUser));
    const destination = byPath(await listMailbox(servers.b, users.destinationUser));
    // Only the filtered (too big) message is left on the source.
    expect(source.get('INBOX')!.messages.map((m) => m.size)).toEqual([big.length]);
    expect(source.get(servers.a.folder('Archive', '2020'))!.messages).toHaveLength(0);
    // Everything else is on the destination, byte for byte, duplicates included.
    const moved = before
      .get('INBOX')!
      .messages.filter((m) => m.size !== big.length)
      .map((m) => m.sha256)
      .sort();
    expect(
      destination
        .get('INBOX')!
        .messages.map((m) => m.sha256)
        .sort(),
    ).toEqual(moved);
    expect(destination.get(servers.b.folder('Archive', '2020'))!.messages).toHaveLength(1);
  });
});
