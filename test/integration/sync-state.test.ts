/**
 * Delta passes: with a state file and nothing changed, a re-run lists no
 * folder (one STATUS per folder per side, no FETCH); a changed folder, a new
 * UIDVALIDITY, a state from other options or a corrupt file mean a full
 * comparison of what is in doubt, never a missed message.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, withClient } from '../harness/mailbox.js';
import {
  captureLogger,
  expectMirrored,
  expectSuccess,
  makeMessage,
  newUsers,
  specFor,
  type UserPair,
} from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

async function seeded(): Promise<{ users: UserPair; stateFile: string; folders: [string, string][] }> {
  const users = await newUsers(servers.a, servers.b);
  const { a, b } = servers;
  // Dovecot creates the destination's special folders (auto = subscribe) at their first SELECT, and
  // about one run in twenty (under load) an empty one then shows a new UIDVALIDITY (recorded X, the
  // next STATUS X+1; seen only there). The engine then compares that empty folder in full, which is
  // right, but not what these tests are about: the folders are opened once before the first run.
  await withClient(b, users.destinationUser, async (client) => {
    for (const folder of Object.values(b.specialUse)) await client.mailboxOpen(folder);
  });
  await appendMessages(a, users.sourceUser, 'INBOX', [{ raw: makeMessage() }, { raw: makeMessage() }]);
  await appendMessages(a, users.sourceUser, a.folder('Lists', 'Dev'), [{ raw: makeMessage() }]);
  const stateFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'mailsync-state-')), 'state.json');
  const folders: [string, string][] = [
    ['INBOX', 'INBOX'],
    [a.folder('Lists', 'Dev'), b.folder('Lists', 'Dev')],
  ];
  return { users, stateFile, folders };
}

function run(users: UserPair, stateFile?: string, state?: unknown) {
  const capture = captureLogger();
  return specFor(users)
    .then((spec) => runSync(spec, { logger: capture.logger, progressIntervalMs: 0, stateFile, state }))
    .then((summary) => ({ summary, capture }));
}

describe('delta state', () => {
  test('nothing changed: no folder is listed; one new message: only its folder is', async () => {
    const { users, stateFile, folders } = await seeded();
    const first = await run(users, stateFile);
    expectSuccess(first.summary);
    const saved = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(Object.keys(saved.folders)).toEqual(expect.arrayContaining(folders.map(([s]) => s)));

    const second = await run(users, stateFile);
    expectSuccess(second.summary);
    expect(second.capture.of('folder.plan')).toEqual([]);
    expect(second.summary.foldersUnchanged).toBe(second.capture.of('folder.end').length);
    expect(second.summary.messagesTransferred).toBe(0);
    // Only the control connection pair was opened.
    expect(second.capture.of('connected')).toHaveLength(2);

    await appendMessages(servers.a, users.sourceUser, servers.a.folder('Lists', 'Dev'), [{ raw: makeMessage() }]);
    const third = await run(users, stateFile);
    expectSuccess(third.summary);
    expect(third.capture.of('folder.plan').map((e) => e.folder)).toEqual([servers.a.folder('Lists', 'Dev')]);
    expect(third.summary.messagesTransferred).toBe(1);
    await expectMirrored(users, folders);
  });

  test('a new UIDVALIDITY (folder recreated) means a full comparison of that folder, without duplicates', async () => {
    const { users, stateFile, folders } = await seeded();
    expectSuccess((await run(users, stateFile)).summary);
    const dev = servers.a.folder('Lists', 'Dev');
    await withClient(servers.a, users.sourceUser, async (client) => {
      await client.mailboxDelete(dev);
    });
    await appendMessages(servers.a, users.sourceUser, dev, [{ raw: makeMessage() }]);
    const rerun = await run(users, stateFile);
    expectSuccess(rerun.summary);
    expect(rerun.capture.of('folder.plan').map((e) => e.folder)).toEqual([dev]);
    expect(rerun.summary.messagesTransferred).toBe(1);
    // The destination keeps the old message too (no deleteOnDestination): it has 2, the source 1.
    await expectMirrored(users, [folders[0]!]);
  });

  test('a corrupt state file or one from other options is ignored (full comparison)', async () => {
    const { users, stateFile, folders } = await seeded();
    expectSuccess((await run(users, stateFile)).summary);
    await writeFile(stateFile, '{ not json');
    const corrupt = await run(users, stateFile);
    expectSuccess(corrupt.summary);
    expect(corrupt.capture.of('folder.plan')).toHaveLength(corrupt.capture.of('folder.end').length);

    const spec = { ...(await specFor(users)), identityHeaders: ['Message-ID'] };
    const capture = captureLogger();
    const other = await runSync(spec, { logger: capture.logger, progressIntervalMs: 0, stateFile });
    expectSuccess(other);
    expect(capture.of('folder.plan')).toHaveLength(capture.of('folder.end').length);
    await expectMirrored(users, folders);
  });

  test('the state travels in the summary: passing it back (controller) skips unchanged folders', async () => {
    const { users } = await seeded();
    const first = await run(users);
    expectSuccess(first.summary);
    expect(first.summary.state).toBeDefined();
    const second = await run(users, undefined, first.summary.state);
    expectSuccess(second.summary);
    expect(second.capture.of('folder.plan')).toEqual([]);
  });
});
