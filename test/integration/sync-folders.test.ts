/**
 * Folders end to end: nested and non-ASCII names (modified UTF-7 on the wire
 * both ways), prefix and separator translation in both directions
 * (A: `INBOX.` + `.`, B: no prefix + `/`), special-use automap, and
 * subscriptions copied.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, createFolder, listMailbox, withClient } from '../harness/mailbox.js';
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

const NAMES: string[][] = [['Entwürfe'], ['日本語'], ['Work'], ['Work', 'Projects'], ['Work', 'Projects', '2024 Q1']];

describe('folders', () => {
  test('A -> B: nested and non-ASCII folders arrive with the same names under the other prefix and separator', async () => {
    const { a, b } = servers;
    const users = await newUsers(a, b);
    for (const parts of NAMES) {
      await appendMessages(a, users.sourceUser, a.folder(...parts), [
        { raw: makeMessage({ subject: parts.join('/') }) },
      ]);
    }
    const summary = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    await expectMirrored(
      users,
      NAMES.map((parts) => [a.folder(...parts), b.folder(...parts)] as const),
    );
    const destination = byPath(await listMailbox(b, users.destinationUser));
    expect([...destination.keys()]).toEqual(expect.arrayContaining(['Entwürfe', '日本語', 'Work/Projects/2024 Q1']));
  });

  test('B -> A: the same names the other way round', async () => {
    const { a, b } = servers;
    const users = await newUsers(b, a);
    for (const parts of NAMES) {
      await appendMessages(b, users.sourceUser, b.folder(...parts), [
        { raw: makeMessage({ subject: parts.join('/') }) },
      ]);
    }
    const summary = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    await expectMirrored(
      users,
      NAMES.map((parts) => [b.folder(...parts), a.folder(...parts)] as const),
    );
    const destination = byPath(await listMailbox(a, users.destinationUser));
    expect([...destination.keys()]).toEqual(
      expect.arrayContaining(['INBOX.Entwürfe', 'INBOX.日本語', 'INBOX.Work.Projects.2024 Q1']),
    );
  });

  test('special-use automap: \\Sent and \\Trash go to the destination folders with those roles', async () => {
    const { a, b } = servers;
    const users = await newUsers(a, b);
    await appendMessages(a, users.sourceUser, a.specialUse.Sent, [{ raw: makeMessage({ subject: 'sent' }) }]);
    await appendMessages(a, users.sourceUser, a.specialUse.Trash, [{ raw: makeMessage({ subject: 'trash' }) }]);
    const summary = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    const { destination } = await expectMirrored(users, [
      [a.specialUse.Sent, b.specialUse.Sent],
      [a.specialUse.Trash, b.specialUse.Trash],
    ]);
    expect(b.specialUse.Sent).toBe('Sent Items');
    // No folder named after the source's name was created next to the special-use one.
    expect(destination.has('Sent')).toBe(false);
    expect(destination.has('Trash')).toBe(false);
  });

  test('subscriptions are copied', async () => {
    const { a, b } = servers;
    const users = await newUsers(a, b);
    await createFolder(a, users.sourceUser, a.folder('Subscribed'), { subscribe: true });
    await createFolder(a, users.sourceUser, a.folder('Unsubscribed'), { subscribe: false });
    // imapflow's CREATE also subscribes: undo it so the source really has an unsubscribed folder.
    await withClient(a, users.sourceUser, (client) => client.mailboxUnsubscribe(a.folder('Unsubscribed')));
    const source = byPath(await listMailbox(a, users.sourceUser));
    expect(source.has(a.folder('Unsubscribed'))).toBe(true);
    // imapflow reports an unsubscribed folder with `subscribed` undefined.
    expect(source.get(a.folder('Unsubscribed'))!.subscribed).toBeFalsy();
    const summary = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
    expectSuccess(summary);
    const destination = byPath(await listMailbox(b, users.destinationUser));
    expect(destination.get('Subscribed')?.subscribed).toBe(true);
    expect(destination.has('Unsubscribed')).toBe(true);
    expect(destination.get('Unsubscribed')!.subscribed).toBeFalsy();
  });

  test('subscribedOnly (imapsync --subscribed): only the subscribed source folders (and INBOX) are synced', async () => {
    const { a, b } = servers;
    const users = await newUsers(a, b);
    await createFolder(a, users.sourceUser, a.folder('Kept'), { subscribe: true });
    await createFolder(a, users.sourceUser, a.folder('Left'), { subscribe: false });
    await withClient(a, users.sourceUser, (client) => client.mailboxUnsubscribe(a.folder('Left')));
    await appendMessages(a, users.sourceUser, a.folder('Left'), [{ raw: makeMessage({ subject: 'left-out' }) }]);
    await appendMessages(a, users.sourceUser, a.folder('Kept'), [{ raw: makeMessage({ subject: 'kept' }) }]);
    const summary = await runSync(await specFor(users, { folders: { subscribedOnly: true } }), {
      logger: captureLogger().logger,
      progressIntervalMs: 0,
    });
    expectSuccess(summary);
    const destination = byPath(await listMailbox(b, users.destinationUser));
    expect(destination.get('Kept')?.messages).toHaveLength(1);
    expect(destination.has('Left')).toBe(false);
    expect(destination.has('INBOX')).toBe(true);
  });
});
