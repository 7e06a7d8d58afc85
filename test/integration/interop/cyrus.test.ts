/**
 * Interop with Cyrus IMAP 3.6 (Debian's cyrus-imapd, unpacked by
 * test/harness/interop/install-servers.sh): the benchmark-style corpus from
 * Dovecot to Cyrus and from Cyrus to Dovecot, checked folder by folder.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DovecotServer, startDovecot } from '../../harness/dovecot.js';
import { startCyrus } from '../../harness/interop/cyrus.js';
import { findInteropTree } from '../../harness/interop/sandbox.js';
import type { InteropServer } from '../../harness/interop/server.js';
import { makeMessage, uniqueUser } from '../sync-helpers.js';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

import {
  CORPUS_FOLDER_NAMES,
  EIGHT_BIT_HEADER_FOLDER,
  EIGHT_BIT_HEADER_MESSAGE,
  expectNaturalMapping,
  interopCorpus,
  LIMITS_FOLDERS,
  limitsCorpus,
  loadCorpus,
  munge8bitHeaders,
  syncAndCompare,
} from './interop-helpers.js';

const { tree, reason } = await findInteropTree('cyrus');
if (!tree) console.log(`SKIPPED: Cyrus interop: ${reason}`);

describe.skipIf(!tree)('Cyrus IMAP interop', () => {
  let cyrus: InteropServer;
  let dovecot: DovecotServer;
  beforeAll(async () => {
    [cyrus, dovecot] = await Promise.all([startCyrus(tree!), startDovecot({ name: 'dovecot', flavour: 'slash' })]);
  });
  afterAll(async () => {
    await Promise.all([cyrus?.stop(), dovecot?.dispose()]);
  });

  const corpus = interopCorpus();

  test('Dovecot -> Cyrus: exact except the 8-bit header Cyrus rewrites, which the run reports; re-runs copy nothing', async () => {
    const sourceUser = uniqueUser('src');
    const destinationUser = uniqueUser('dst');
    await dovecot.addUser(sourceUser, 'pw-source');
    await cyrus.addUser(destinationUser);
    await loadCorpus(dovecot, sourceUser, corpus);
    const run = await syncAndCompare(dovecot, sourceUser, cyrus, destinationUser);
    expectNaturalMapping(run, dovecot, cyrus, CORPUS_FOLDER_NAMES(corpus));
    expect(run.destinationMessages).toBe(corpus.length);
    expect(run.capabilities.destination).toEqual(
      expect.arrayContaining(['UIDPLUS', 'MULTIAPPEND', 'LITERAL+', 'CONDSTORE', 'QRESYNC', 'SPECIAL-USE', 'MOVE']),
    );
    // Every message but one arrived byte for byte with its flags, keywords (40 on one message)
    // and INTERNALDATE. The one with raw UTF-8 in its Subject was stored with each 8-bit byte
    // replaced by 'X' (Cyrus's munge8bit), so its bytes differ...
    const line = (raw: Buffer) => `${createHash('sha256').update(raw).digest('hex')} \\Seen 2021-07-04T12:34:56.000Z`;
    const munged = [
      {
        folder: dovecot.folder(...EIGHT_BIT_HEADER_FOLDER.split('/')),
        destinationFolder: cyrus.folder(...EIGHT_BIT_HEADER_FOLDER.split('/')),
        missing: [line(EIGHT_BIT_HEADER_MESSAGE)],
        extra: [line(munge8bitHeaders(EIGHT_BIT_HEADER_MESSAGE))],
      },
    ];
    expect(run.mismatches).toEqual(munged);
    // ... the run recognises the rewritten copy as the message's (every message is there once) and
    // says that the server changed it: not a success, and the message names the cause.
    const changedByServer = {
      verdict: 'errors',
      reason: 'ErrorsPresent',
      verificationMissing: 0,
      messagesChangedByServer: 1,
      messagesFailed: 0,
      errors: 0,
    };
    expect(run.summary).toMatchObject({ ...changedByServer, messagesTransferred: corpus.length });
    expect(run.summary.message).toContain('the destination server changed 1 of the copies (8-bit header bytes');
    expect(run.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^folder ${escapeRegex(dovecot.folder(...EIGHT_BIT_HEADER_FOLDER.split('/')))}: the destination server changed 1 copies`,
        ),
      ),
    ]);
    // A re-run (or a retry under spec.retry) copies nothing: the rewritten copy is recognised (its
    // fallback identity reads 8-bit bytes as X), and the run reports it again. No duplicate, ever.
    for (let attempt = 0; attempt < 2; attempt++) {
      const again = await syncAndCompare(dovecot, sourceUser, cyrus, destinationUser);
      expect(again.summary).toMatchObject({ ...changedByServer, messagesTransferred: 0, flagsUpdated: 0 });
      expect(again.destinationMessages).toBe(corpus.length);
      expect(again.mismatches).toEqual(munged);
    }
  });

  test('a move keeps the source of a copy Cyrus changed, and moves the others', async () => {
    const sourceUser = uniqueUser('src');
    const destinationUser = uniqueUser('dst');
    await dovecot.addUser(sourceUser, 'pw-source');
    await cyrus.addUser(destinationUser);
    const date = new Date('2021-07-04T12:34:56Z');
    const plain = makeMessage({ subject: 'ASCII only' });
    await loadCorpus(dovecot, sourceUser, [
      { folder: 'INBOX', raw: EIGHT_BIT_HEADER_MESSAGE, flags: [], internalDate: date },
      { folder: 'INBOX', raw: plain, flags: [], internalDate: date },
    ]);
    const move = await syncAndCompare(dovecot, sourceUser, cyrus, destinationUser, { deleteOnSource: true });
    expect(move.summary).toMatchObject({
      verdict: 'errors',
      messagesTransferred: 2,
      messagesChangedByServer: 1,
      messagesDeletedOnSource: 1,
    });
    expect(move.sourceMessages).toBe(1);
    expect(move.destinationMessages).toBe(2);
    const again = await syncAndCompare(dovecot, sourceUser, cyrus, destinationUser, { deleteOnSource: true });
    expect(again.summary).toMatchObject({
      messagesTransferred: 0,
      messagesDeletedOnSource: 0,
      messagesChangedByServer: 1,
    });
    expect(again.sourceMessages).toBe(1);
    expect(again.destinationMessages).toBe(2);
  });

  test('Dovecot -> Cyrus with munge8bit: no is exact; a re-run copies nothing', async () => {
    const raw = await startCyrus(tree!, { imapdConf: { munge8bit: 'no' } });
    try {
      const sourceUser = uniqueUser('src');
      const destinationUser = uniqueUser('dst');
      await dovecot.addUser(sourceUser, 'pw-source');
      await raw.addUser(destinationUser);
      await loadCorpus(dovecot, sourceUser, corpus);
      const run = await syncAndCompare(dovecot, sourceUser, raw, destinationUser);
      expect(run.mismatches).toEqual([]);
      expect(run.summary).toMatchObject({ verdict: 'success', messagesTransferred: corpus.length, messagesFailed: 0 });
      const again = await syncAndCompare(dovecot, sourceUser, raw, destinationUser);
      expect(again.summary).toMatchObject({ verdict: 'success', messagesTransferred: 0, flagsUpdated: 0 });
    } finally {
      await raw.stop();
    }
  });

  test('Cyrus -> Dovecot: every message once, bytes, flags, keywords, INTERNALDATE; a re-run copies nothing', async () => {
    const sourceUser = uniqueUser('src');
    const destinationUser = uniqueUser('dst');
    await cyrus.addUser(sourceUser);
    await dovecot.addUser(destinationUser, 'pw-destination');
    await loadCorpus(cyrus, sourceUser, corpus);
    const run = await syncAndCompare(cyrus, sourceUser, dovecot, destinationUser);
    console.log('Cyrus -> Dovecot', run.summary.message, Object.fromEntries(run.mapping));
    expect(run.mismatches).toEqual([]);
    expect(run.summary).toMatchObject({ verdict: 'success', messagesFailed: 0 });
    expect(run.sourceMessages).toBe(corpus.length);
    expectNaturalMapping(run, cyrus, dovecot, CORPUS_FOLDER_NAMES(corpus), {
      Sent: dovecot.specialUse.Sent,
      Trash: dovecot.specialUse.Trash,
    });
    // Cyrus created the parent of a nested folder; it is copied as a folder of its own.
    expect(run.mapping.get('INBOX.Lists')).toBe('Lists');
    const again = await syncAndCompare(cyrus, sourceUser, dovecot, destinationUser);
    expect(again.summary).toMatchObject({ verdict: 'success', messagesTransferred: 0, flagsUpdated: 0 });
  });
  test('limits: 100 keywords per folder and no % or * in names; each refusal is a failed message in the summary', async () => {
    const sourceUser = uniqueUser('src');
    const destinationUser = uniqueUser('dst');
    await dovecot.addUser(sourceUser, 'pw-source');
    await cyrus.addUser(destinationUser);
    const limits = limitsCorpus();
    await loadCorpus(dovecot, sourceUser, limits);
    const run = await syncAndCompare(dovecot, sourceUser, cyrus, destinationUser);
    // The 11th message of Many would bring the folder to 110 distinct keywords: Cyrus refuses the
    // APPEND. The folder with % and * cannot be created. The rest is exact.
    expect(run.summary).toMatchObject({ verdict: 'errors', reason: 'ErrorsPresent', messagesFailed: 2 });
    expect(run.errors).toEqual([
      `${LIMITS_FOLDERS.many}: Rejected: NO Too many user flags in mailbox`,
      expect.stringMatching(
        /^destination: FolderFailed: folder Odd\/a%b\*c: CREATE INBOX\.Odd\.a%b\*c .*NO Invalid mailbox name$/,
      ),
    ]);
    const many = run.mismatches.find((m) => m.folder === LIMITS_FOLDERS.many);
    expect(many?.missing).toHaveLength(1);
    expect(many?.missing[0]).toContain('Tag100');
    expect(many?.extra).toEqual([]);
    expect(run.mismatches.map((m) => m.folder).sort()).toEqual([LIMITS_FOLDERS.many, LIMITS_FOLDERS.wildcards]);
    // The destination's separator in a name becomes '_' (the engine's rule), and that folder is exact.
    expect(run.mapping.get(LIMITS_FOLDERS.dotted)).toBe('INBOX.Reports.v1_2');
  });
});
