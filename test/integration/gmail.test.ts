/**
 * The Gmail presets against a Gmail-shaped Dovecot (test/harness/gmail-shape.ts):
 * labels as folders, one message in several of them, `[Gmail]/All Mail` as a
 * virtual folder, Gmail's special-use attributes.
 *
 * - gmail1 (Gmail source -> a plain Dovecot, `INBOX.` prefix, `.` separator):
 *   every message once on the destination (skipCrossDuplicates), in the first
 *   folder (in folder order) that has it; All Mail last, so it only brings the
 *   messages without a label; `[Gmail]/` removed from the names; Sent Mail,
 *   Trash, Spam and Drafts automapped; a re-run copies nothing.
 * - gmail2 (a plain Dovecot -> Gmail-shaped): the source's `[Gmail]` folder
 *   excluded, names cleaned up as imapsync does, special folders automapped
 *   onto `[Gmail]/...`.
 * - gmail12 (Gmail-shaped on both sides, each behind the label proxy that adds
 *   X-GM-EXT-1 and X-GM-LABELS): each copy gets its source labels
 *   (syncLabels); a re-run stores only labels that changed (resyncLabels).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { startGmailLabelProxy } from '../harness/gmail-label-proxy.js';
import { GMAIL_UNLABELLED, gmailFolder } from '../harness/gmail-shape.js';
import { appendMessages, type ListedFolder, listMailbox } from '../harness/mailbox.js';
import { byPath, captureLogger, expectSuccess, makeMessage, newUsers, specFor } from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair({ b: { gmail: true } });
});
afterAll(async () => {
  await servers?.stop();
});

/** sha256 of every message of a listing, with the folder it is in. */
function placements(listing: ListedFolder[]): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const folder of listing) {
    for (const m of folder.messages) where.set(m.sha256, [...(where.get(m.sha256) ?? []), folder.path]);
  }
  return where;
}

describe('gmail1: Gmail source', () => {
  test('each message copied once, labels first, All Mail last, [Gmail]/ removed; a re-run copies nothing', async () => {
    const { a, b: gmail } = servers;
    const users = await newUsers(gmail, a);
    const user = users.sourceUser;
    const inboxAndAlpha = makeMessage({ subject: 'INBOX and label Alpha' });
    const alphaAndBeta = makeMessage({ subject: 'labels Alpha and Beta' });
    const archived = makeMessage({ subject: 'no label: only in All Mail' });
    const sent = makeMessage({ subject: 'sent' });
    const trashed = makeMessage({ subject: 'in the trash' });
    const inboxOnly = makeMessage({ subject: 'INBOX only' });
    await appendMessages(gmail, user, 'INBOX', [{ raw: inboxAndAlpha, flags: ['\\Seen'] }, { raw: inboxOnly }]);
    await appendMessages(gmail, user, 'Alpha', [{ raw: inboxAndAlpha, flags: ['\\Seen'] }, { raw: alphaAndBeta }]);
    await appendMessages(gmail, user, 'Beta', [{ raw: alphaAndBeta }]);
    await appendMessages(gmail, user, GMAIL_UNLABELLED, [{ raw: archived }]);
    await appendMessages(gmail, user, gmailFolder('Sent Mail'), [{ raw: sent, flags: ['\\Seen'] }]);
    await appendMessages(gmail, user, gmailFolder('Trash'), [{ raw: trashed }]);
    const sourceListing = await listMailbox(gmail, user);
    // INBOX 2, Alpha 2, Beta 1, Sent Mail 1, unlabelled 1; not the trash.
    expect(byPath(sourceListing).get(gmailFolder('All Mail'))?.messages).toHaveLength(7);

    const capture = captureLogger();
    const spec = await specFor(users);
    spec.source.preset = 'gmail';
    const summary = await runSync(spec, { logger: capture.logger, progressIntervalMs: 0 });
    expectSuccess(summary);

    const destination = await listMailbox(a, users.destinationUser);
    const folders = byPath(destination);
    const where = placements(destination);
    const sha = (raw: Buffer) => createHash('sha256').update(raw).digest('hex');
    // Every source message exactly once on the destination.
    expect(where.get(sha(inboxAndAlpha))).toEqual(['INBOX']);
    expect(where.get(sha(inboxOnly))).toEqual(['INBOX']);
    expect(where.get(sha(alphaAndBeta))).toEqual(['INBOX.Alpha']);
    expect(where.get(sha(archived))).toEqual(['INBOX.All Mail']);
    expect(where.get(sha(sent))).toEqual([a.specialUse.Sent]);
    expect(where.get(sha(trashed))).toEqual([a.specialUse.Trash]);
    expect([...where.values()].flat()).toHaveLength(6);
    // "[Gmail]/" removed; Beta exists (created) but holds nothing of its own.
    expect(folders.get('INBOX.Beta')?.messages).toEqual([]);
    expect([...folders.keys()].filter((path) => path.includes('[Gmail]'))).toEqual([]);
    expect(folders.has('INBOX.Important') && folders.has('INBOX.Starred')).toBe(true);

    // All Mail began after every other folder ended.
    const order = capture.events.filter((e) => e.event === 'folder.begin' || e.event === 'folder.end');
    const allMailBegins = order.findIndex((e) => e.event === 'folder.begin' && e.folder === gmailFolder('All Mail'));
    const others = order.filter((e) => e.event === 'folder.end' && e.folder !== gmailFolder('All Mail'));
    expect(allMailBegins).toBeGreaterThan(order.indexOf(others.at(-1)!));
    // Alpha: 1 cross duplicate (INBOX has it), Beta: 1 (Alpha has it), All Mail: all but the unlabelled one.
    expect(summary.crossDuplicatesSkipped).toBe(1 + 1 + 6);
    expect(summary.messagesTransferred).toBe(6);

    const again = await runSync(spec, { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(again);
    expect(again.messagesTransferred).toBe(0);
    expect(placements(await listMailbox(a, users.destinationUser))).toEqual(where);
  });
});

describe('gmail2: Gmail destination', () => {
  test('[Gmail] excluded, names cleaned up, special folders automapped onto [Gmail]/', async () => {
    const { a, b: gmail } = servers;
    const users = await newUsers(a, gmail);
    const user = users.sourceUser;
    await appendMessages(a, user, 'INBOX', [{ raw: makeMessage({ subject: 'inbox' }) }]);
    await appendMessages(a, user, a.folder('[Gmail]'), [{ raw: makeMessage({ subject: 'excluded' }) }]);
    await appendMessages(a, user, a.folder('[Gmail]', 'Old'), [{ raw: makeMessage({ subject: 'old' }) }]);
    await appendMessages(a, user, a.folder(' Spaced '), [{ raw: makeMessage({ subject: 'spaced' }) }]);
    await appendMessages(a, user, a.folder(`It's "quoted"`), [{ raw: makeMessage({ subject: 'quoted' }) }]);
    await appendMessages(a, user, a.specialUse.Sent, [{ raw: makeMessage({ subject: 'sent' }) }]);

    const spec = await specFor(users);
    spec.destination.preset = 'gmail';
    const summary = await runSync(spec, { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(summary);

    const destination = byPath(await listMailbox(gmail, users.destinationUser));
    const count = (path: string) => destination.get(path)?.messages.length;
    expect(count('INBOX')).toBe(1);
    expect(count('Old')).toBe(1);
    expect(count('Spaced')).toBe(1);
    expect(count('It_s _quoted_')).toBe(1);
    expect(count(gmailFolder('Sent Mail'))).toBe(1);
    // The source's own "[Gmail]" folder is not synced; no folder was made for it or its name.
    expect(summary.messagesTransferred).toBe(5);
    expect([...destination.keys()].filter((path) => !path.startsWith('[Gmail]'))).toEqual(
      expect.not.arrayContaining([' Spaced ', `It's "quoted"`, '[Gmail]']),
    );
  });
});

describe('gmail12: Gmail on both sides, labels through X-GM-EXT-1', () => {
  test('copies get the source labels; a re-run stores only the labels that changed', async () => {
    const { b: gmail } = servers;
    const users = await newUsers(gmail, gmail);
    const both = makeMessage({ subject: 'INBOX and Work' });
    const work = makeMessage({ subject: 'Work only' });
    await appendMessages(gmail, users.sourceUser, 'INBOX', [{ raw: both }]);
    await appendMessages(gmail, users.sourceUser, 'Work', [{ raw: both }, { raw: work }]);
    const sha = (raw: Buffer) => createHash('sha256').update(raw).digest('hex');
    const labelsBySha = new Map([
      [sha(both), ['\\Inbox', 'Work']],
      [sha(work), ['Work']],
    ]);
    const shaAt = (listing: ListedFolder[]) => {
      const at = new Map<string, string>();
      for (const f of listing) for (const m of f.messages) at.set(`${f.path}/${m.uid}`, m.sha256);
      return at;
    };
    const sourceAt = shaAt(await listMailbox(gmail, users.sourceUser));
    const target = { host: gmail.plainHost, port: gmail.plainPort };
    const [sourceProxy, destinationProxy] = await Promise.all([
      startGmailLabelProxy(target),
      startGmailLabelProxy(target),
    ]);
    try {
      sourceProxy.labels = (folder, uid) => labelsBySha.get(sourceAt.get(`${folder}/${uid}`) ?? '') ?? [];
      const spec = await specFor(users, { folders: { only: ['INBOX', 'Work'] }, performance: { compress: false } });
      const viaProxy = (port: number) => ({ host: '127.0.0.1', port, tls: 'none' as const, allowPlaintext: true });
      spec.source = { ...spec.source, ...viaProxy(sourceProxy.port), preset: 'gmail' };
      spec.destination = { ...spec.destination, ...viaProxy(destinationProxy.port), preset: 'gmail' };

      const capture = captureLogger();
      const first = await runSync(spec, { logger: capture.logger, progressIntervalMs: 0 });
      expectSuccess(first);
      expect(first.messagesTransferred).toBe(3);
      const destinationAt = shaAt(await listMailbox(gmail, users.destinationUser));
      const stored = (from: number) =>
        destinationProxy.stores
          .slice(from)
          .map((s) => [s.folder, destinationAt.get(`${s.folder}/${s.uid}`) === sha(both) ? 'both' : 'work', s.labels])
          .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
      expect(stored(0)).toEqual([
        ['INBOX', 'both', ['\\Inbox', 'Work']],
        ['Work', 'both', ['\\Inbox', 'Work']],
        ['Work', 'work', ['Work']],
      ]);
      expect(capture.lines.join('\n')).not.toMatch(/does not announce X-GM-EXT-1/);

      labelsBySha.set(sha(work), ['Work', 'Urgent']);
      const before = destinationProxy.stores.length;
      const second = await runSync(spec, { logger: captureLogger().logger, progressIntervalMs: 0 });
      expectSuccess(second);
      expect(second.messagesTransferred).toBe(0);
      expect(stored(before)).toEqual([['Work', 'work', ['Work', 'Urgent']]]);
    } finally {
      await Promise.all([sourceProxy.close(), destinationProxy.close()]);
    }
  });

  test('without X-GM-EXT-1 on a side: a notice, and the folders are synced as folders', async () => {
    const { b: gmail } = servers;
    const users = await newUsers(gmail, gmail);
    await appendMessages(gmail, users.sourceUser, 'Work', [{ raw: makeMessage({ subject: 'work' }) }]);
    const spec = await specFor(users, { folders: { only: ['Work'] } });
    spec.source.preset = 'gmail';
    spec.destination.preset = 'gmail';
    const capture = captureLogger();
    const summary = await runSync(spec, { logger: capture.logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    expect(summary.messagesTransferred).toBe(1);
    expect(capture.lines.join('\n')).toMatch(/neither server announces X-GM-EXT-1; Gmail labels are not synced/);
  });
});
