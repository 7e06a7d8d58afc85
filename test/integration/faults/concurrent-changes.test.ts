/**
 * Fault matrix, IMAP side: the mailbox changes under the sync. Another
 * client expunges source messages, changes flags and delivers new mail while
 * the run copies; between two runs a folder is replaced by one with a new
 * UIDVALIDITY (a restore, a server migration). The run never claims what is
 * not on the destination, copies nothing twice, and the next run (with the
 * delta state of the previous one) ends exact.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SyncEvent } from '../../../src/api/events.js';
import type { SyncState } from '../../../src/sync/state.js';
import { type DovecotPair, startDovecotPair } from '../../harness/dovecot.js';
import { appendMessages, withClient } from '../../harness/mailbox.js';
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

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

/** Paced (one folder at a time) so that the other client acts in the middle of the copy. */
const PACED = { throttle: { maxMessagesPerSecond: 20 }, performance: { batchMessages: 5, folderConcurrency: 1 } };

/**
 * Another client expunges two copied and ten not yet fetched messages mid-run: Succeeded; every
 * remaining source message is on the destination once, the ten never appear, the two copied stay (a
 * sync keeps them) and messagesTransferred matches; a mirror run (deleteOnDestination) then removes
 * them: exact.
 */
describe('source message expunged by another client during the sync', () => {
  test('source message expunged by another client during the sync', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 60 }, 1000);
    const before = await exactCheck(users);
    let expunged: Promise<void> | undefined;
    const spec = await specFor(users, PACED);
    const first = await runCell(spec, {
      onEvent: (event) => {
        if (event.event !== 'progress' || expunged || event.progress.messagesCopied < 5) return;
        // Two messages already copied (UIDs 1, 2) and ten not yet fetched (51-60) disappear from the source.
        expunged = withClient(servers.a, users.sourceUser, async (client) => {
          await client.mailboxOpen('INBOX');
          await client.messageDelete('1,2,51:60', { uid: true });
        });
      },
    });
    await expunged;
    expect(first.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
    expectSucceeded(first.summary);
    const report = await exactCheck(users);
    // Every message still on the source is on the destination once; the two copied before their
    // expunge stay there (a sync without deleteOnDestination keeps them); the ten never fetched are not.
    expect(report.missing).toEqual([]);
    expect(report.extra).toHaveLength(2);
    expect(before.missing).toEqual(expect.arrayContaining(report.extra));
    expect(first.summary.messagesTransferred).toBe(report.destinationMessages);
    expect(first.summary.messagesTransferred).toBe(50);
    expect(first.summary.messagesFailed).toBe(0);

    // Mirroring removes the two as well: then the destination is exactly the source.
    const mirror = { ...spec, deleteOnDestination: true };
    const { summary } = await runCell(mirror);
    expectSucceeded(summary);
    expect(summary).toMatchObject({ messagesTransferred: 0, messagesDeletedOnDestination: 2 });
    expectSummaryAgrees(summary, await expectExact(users));
  });
});

/**
 * Another client changes flags and keywords of a copied and a not yet copied message and delivers new
 * mail mid-run: Succeeded, nothing duplicated or invented; the next run with the delta state compares
 * the changed folder again (not skipped) and ends exact.
 */
describe('flags changed and new mail arriving during the sync', () => {
  test('flags changed and new mail arriving during the sync', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 50, Other: 10 }, 1000);
    let changed: Promise<void> | undefined;
    const spec = await specFor(users, PACED);
    const first = await runCell(spec, {
      onEvent: (event) => {
        if (event.event !== 'progress' || changed || event.progress.messagesCopied < 5) return;
        changed = withClient(servers.a, users.sourceUser, async (client) => {
          await client.mailboxOpen('INBOX');
          // UID 1 is copied already, UID 45 not yet: both get other flags and keywords.
          await client.messageFlagsAdd('1,45', ['\\Flagged', '$Changed'], { uid: true });
          await client.messageFlagsRemove('1,45', ['\\Seen'], { uid: true });
          await client.mailboxClose();
          for (const folder of ['INBOX', servers.a.folder('Other')]) {
            await client.append(folder, makeMessage({ subject: 'arrived during the sync' }), ['$New']);
          }
        });
      },
    });
    await changed;
    expect(first.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
    expectSucceeded(first.summary);
    // What the first run did not see may be missing; nothing is there twice or invented.
    const during = await exactCheck(users);
    const bodies = (lines: string[]) => lines.map((line) => line.split(' ').at(-3));
    expect(new Set(bodies(during.extra)).size).toBe(during.extra.length);
    for (const body of bodies(during.extra)) expect(bodies(during.missing)).toContain(body);

    // The next scheduled run, with the delta state the first one reported, ends exact.
    const { summary, capture } = await runCell(spec, { state: first.summary.state });
    expectSucceeded(summary);
    expectSummaryAgrees(summary, await expectExact(users));
    // INBOX (changed under the first run) is compared again, not skipped by the delta state.
    expect(capture.of('folder.end').find((e) => e.folder === 'INBOX')?.unchanged).toBeUndefined();
  });
});

/**
 * A folder is restored with new UIDs (another UIDVALIDITY, the same UIDNEXT and MESSAGES) and one
 * message replaced: the next run does not trust that folder's delta state (INBOX's is still used),
 * recognises the seven unchanged messages (none copied again) and copies the new one.
 */
describe('UIDVALIDITY changed between runs', () => {
  test('UIDVALIDITY changed between runs', async () => {
    const users = await newUsers(servers.a, servers.b);
    const other = servers.a.folder('Other');
    const messages = Array.from({ length: 8 }, (_, i) => ({
      raw: makeMessage({ subject: `renumbered ${i}`, body: randomBody(800) }),
      flags: i % 2 ? ['\\Seen'] : ['$Label1'],
      date: new Date(Date.UTC(2021, 0, 1 + i)),
    }));
    await seed(servers.a, users.sourceUser, { INBOX: 6 }, 800);
    await appendMessages(servers.a, users.sourceUser, other, messages);
    const spec = await specFor(users);
    const first = await runCell(spec);
    expectSucceeded(first.summary);
    const oldValidity = (first.summary.state as unknown as SyncState).folders[other]!.source.uidValidity;

    // The folder is restored from a backup: the same messages with new UIDs (a new UIDVALIDITY), except
    // that the last one is a different message. UIDNEXT and MESSAGES are what they were.
    const replaced = [
      ...messages.slice(0, -1),
      { raw: makeMessage({ subject: 'restored' }), flags: [], date: undefined },
    ];
    await withClient(servers.a, users.sourceUser, (client) => client.mailboxDelete(other));
    await appendMessages(servers.a, users.sourceUser, other, replaced);

    const { summary, capture } = await runCell(spec, { state: first.summary.state });
    expectSucceeded(summary);
    // The folder's delta state is not trusted (another UIDVALIDITY), INBOX's still is.
    const ends = capture.of('folder.end') as Extract<SyncEvent, { event: 'folder.end' }>[];
    expect(ends.find((e) => e.folder === other)?.unchanged).toBeUndefined();
    expect(ends.find((e) => e.folder === 'INBOX')?.unchanged).toBe(true);
    expect((summary.state as unknown as SyncState).folders[other]!.source.uidValidity).not.toBe(oldValidity);
    // Seven messages recognised as present (not copied again), one new.
    expect(summary.messagesTransferred).toBe(1);
    const report = await exactCheck(users);
    expect(report.missing).toEqual([]);
    // Only the message that is gone from the source is left on the destination (no deletes in a sync).
    expect(report.extra).toHaveLength(1);
    expect(report.extra[0]).toContain(createHash('sha256').update(messages.at(-1)!.raw).digest('hex'));
    expect(report.destinationMessages).toBe(report.sourceMessages + 1);
  });
});
