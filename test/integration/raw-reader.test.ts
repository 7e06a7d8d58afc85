/**
 * The raw reading path against real Dovecot: folder tree, STATUS, listing and
 * bodies over imap-raw give what imapflow (the harness client, independent of
 * the engine) sees; OAuth2 works where only OAUTHBEARER is offered.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveEndpoint } from '../../src/sync/endpoint.js';
import type { Side } from '../../src/sync/errors.js';
import { identityFetchHeaders } from '../../src/sync/identity.js';
import { RawImapConnection } from '../../src/sync/imap-raw/connection.js';
import { FolderReader } from '../../src/sync/imap-raw/folder-reader.js';
import { mailboxStatuses } from '../../src/sync/imap-raw/mailbox-admin.js';
import { listMailboxTree } from '../../src/sync/imap-raw/mailbox-tree.js';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, createFolder, withClient } from '../harness/mailbox.js';
import { makeMessage, newUsers } from './sync-helpers.js';

const logger = pino({ level: 'silent' });
let pair: DovecotPair;

beforeAll(async () => {
  pair = await startDovecotPair({ b: { oauth2Mechanisms: ['oauthbearer'] } });
});
afterAll(async () => {
  await pair?.stop();
});

async function open(server: DovecotServer, user: string, side: Side = 'source'): Promise<RawImapConnection> {
  const resolved = await resolveEndpoint(await server.endpoint(user), side, { logger });
  return RawImapConnection.open(resolved, { logger });
}

describe('raw folder tree and STATUS', () => {
  test('same folders, subscriptions, special use and namespace as imapflow sees', async () => {
    for (const server of [pair.a, pair.b]) {
      const { sourceUser: user } = await newUsers(server, server === pair.a ? pair.b : pair.a);
      await createFolder(server, user, server.folder('Entwürfe'));
      await createFolder(server, user, server.folder('日本語'));
      await createFolder(server, user, server.folder('Work'));
      await createFolder(server, user, server.folder('Work', 'Projects 2024'), { subscribe: false });
      const expected = await withClient(server, user, async (client) => ({
        namespace: client.namespace,
        folders: (await client.list()).map((f) => ({
          path: f.path,
          subscribed: f.subscribed === true,
          specialUse: f.specialUse && f.specialUseSource !== 'name' ? f.specialUse : undefined,
          flags: [...f.flags].sort(),
        })),
      }));
      const connection = await open(server, user);
      try {
        const tree = await listMailboxTree(connection);
        expect(tree.namespace).toEqual({ prefix: expected.namespace?.prefix, delimiter: server.separator });
        const got = tree.folders.map((f) => ({
          path: f.path,
          subscribed: f.subscribed,
          specialUse: f.specialUse,
          flags: [...f.flags].sort(),
        }));
        expect(got).toEqual(expected.folders);

        const paths = [...tree.folders.map((f) => f.path), server.folder('Missing')];
        const statuses = await mailboxStatuses(connection, paths);
        expect(statuses.get(server.folder('Missing'))).toBeUndefined();
        const work = statuses.get(server.folder('Work'));
        expect(work).toMatchObject({ messages: 0, uidNext: 1 });
        expect(work?.uidValidity).toMatch(/^\d+$/);
        expect(work?.highestModseq).toMatch(/^\d+$/);
      } finally {
        await connection.logout();
      }
    }
  });
});

describe('raw folder reader', () => {
  test('listing and bodies are byte-exact, \\Seen is never set, vanished UIDs are just missing', async () => {
    const { sourceUser: user } = await newUsers(pair.a, pair.b);
    const big = makeMessage({ body: `${randomBytes(300_000).toString('base64')}\r\n` });
    const eightBit = Buffer.concat([
      makeMessage({ headers: ['X-Latin: caf\u00e9'] }),
      Buffer.from([0xff, 0xfe, 0x0d, 0x0a]),
    ]);
    const messages = [
      { raw: makeMessage(), flags: ['\\Flagged', '$Label1'], date: new Date('2021-02-03T04:05:06Z') },
      { raw: big, flags: [] },
      { raw: eightBit, flags: ['\\Answered'] },
      { raw: makeMessage({ messageId: null }), flags: ['\\Seen'] },
    ];
    await appendMessages(pair.a, user, 'INBOX', messages);
    const connection = await open(pair.a, user);
    try {
      const reader = new FolderReader(connection);
      const opened = await reader.open('INBOX', true);
      expect(opened).toMatchObject({ exists: 4, uidNext: 5, readOnly: true });
      const listed: { uid: number; size: number; flags: string[]; date?: string; headers: string }[] = [];
      await reader.list(identityFetchHeaders(), (m) =>
        listed.push({
          uid: m.uid,
          size: m.size,
          flags: m.flags.filter((f) => f !== '\\Recent'),
          date: m.internalDate?.toISOString(),
          headers: m.headers.toString('latin1'),
        }),
      );
      expect(listed.map((m) => m.size)).toEqual(messages.map((m) => m.raw.length));
      expect(listed[0]).toMatchObject({ uid: 1, flags: ['\\Flagged', '$Label1'], date: '2021-02-03T04:05:06.000Z' });
      // The requested fields in message order, with the blank line that ends a header block.
      expect(listed[0]!.headers).toMatch(/^From: .*\r\nTo: .*\r\nSubject: .*\r\nDate: .*\r\nMessage-ID: <.*>\r\n\r\n$/);
      expect([...(await reader.uids())]).toEqual([1, 2, 3, 4]);

      // A UID that does not exist (any more) is simply missing.
      const bodies = await reader.bodies([1, 2, 3, 4, 99], (size) => Buffer.alloc(size));
      expect([...bodies.keys()].sort()).toEqual([1, 2, 3, 4]);
      for (const [i, m] of messages.entries()) expect(bodies.get(i + 1)!.equals(m.raw), `body ${i + 1}`).toBe(true);
      expect([...(await reader.uids())]).toEqual([1, 2, 3, 4]);
    } finally {
      await connection.logout();
    }
    const flags = await withClient(pair.a, user, async (client) => {
      await client.mailboxOpen('INBOX', { readOnly: true });
      const out: string[][] = [];
      for await (const m of client.fetch('1:*', { flags: true })) out.push([...(m.flags ?? [])].sort());
      return out;
    });
    expect(flags.map((f) => f.includes('\\Seen'))).toEqual([false, false, false, true]);
  });
});

describe('raw login', () => {
  test('an OAuth2 token goes as OAUTHBEARER where the server offers only that', async () => {
    const { sourceUser } = await newUsers(pair.b, pair.a);
    const tokenFile = path.join(pair.b.dir, 'secrets', `${sourceUser}.token`);
    await writeFile(tokenFile, pair.oauth.issue(sourceUser));
    const endpoint = { ...(await pair.b.endpoint(sourceUser)), passwordFile: undefined, oauth2TokenFile: tokenFile };
    const resolved = await resolveEndpoint(endpoint, 'destination', { logger });
    const connection = await RawImapConnection.open(resolved, { logger });
    await connection.logout();
    expect(await pair.b.log()).toMatch(new RegExp(`Login: user=<${sourceUser}>, method=OAUTHBEARER`));
  });
});
