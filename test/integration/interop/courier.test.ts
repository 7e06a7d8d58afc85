/**
 * Interop with Courier IMAP 5 (Debian's courier-imap, unpacked by
 * test/harness/interop/install-servers.sh): the benchmark-style corpus from
 * Dovecot to Courier and from Courier to Dovecot, checked folder by folder.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DovecotServer, startDovecot } from '../../harness/dovecot.js';
import { startCourier } from '../../harness/interop/courier.js';
import { findInteropTree } from '../../harness/interop/sandbox.js';
import type { InteropServer } from '../../harness/interop/server.js';
import { uniqueUser } from '../sync-helpers.js';
import {
  CORPUS_FOLDER_NAMES,
  expectNaturalMapping,
  interopCorpus,
  LIMITS_FOLDERS,
  limitsCorpus,
  loadCorpus,
  syncAndCompare,
} from './interop-helpers.js';

const { tree, reason } = await findInteropTree('courier');
if (!tree) console.log(`SKIPPED: Courier interop: ${reason}`);

describe.skipIf(!tree)('Courier IMAP interop', () => {
  let courier: InteropServer;
  let dovecot: DovecotServer;
  beforeAll(async () => {
    [courier, dovecot] = await Promise.all([startCourier(tree!), startDovecot({ name: 'dovecot', flavour: 'slash' })]);
  });
  afterAll(async () => {
    await Promise.all([courier?.stop(), dovecot?.dispose()]);
  });

  const corpus = interopCorpus();

  test('Dovecot -> Courier: every message once, bytes, flags, keywords, INTERNALDATE; a re-run copies nothing', async () => {
    const sourceUser = uniqueUser('src');
    const destinationUser = uniqueUser('dst');
    await dovecot.addUser(sourceUser, 'pw-source');
    await courier.addUser(destinationUser);
    await loadCorpus(dovecot, sourceUser, corpus);
    const run = await syncAndCompare(dovecot, sourceUser, courier, destinationUser);
    console.log('Dovecot -> Courier', run.summary.message, Object.fromEntries(run.mapping));
    expect(run.mismatches).toEqual([]);
    expect(run.summary).toMatchObject({ verdict: 'success', messagesFailed: 0 });
    expect(run.destinationMessages).toBe(corpus.length);
    expectNaturalMapping(run, dovecot, courier, CORPUS_FOLDER_NAMES(corpus));
    // Courier announces none of these: the engine works with IMAP4rev1 + UIDPLUS.
    expect(run.capabilities.destination).toContain('UIDPLUS');
    for (const missing of ['CONDSTORE', 'QRESYNC', 'SPECIAL-USE', 'MOVE', 'MULTIAPPEND', 'LITERAL+']) {
      expect(run.capabilities.destination).not.toContain(missing);
    }
    const again = await syncAndCompare(dovecot, sourceUser, courier, destinationUser);
    expect(again.summary).toMatchObject({ verdict: 'success', messagesTransferred: 0, flagsUpdated: 0 });
  });

  test('Courier -> Dovecot: every message once, bytes, flags, keywords, INTERNALDATE; a re-run copies nothing', async () => {
    const sourceUser = uniqueUser('src');
    const destinationUser = uniqueUser('dst');
    await courier.addUser(sourceUser);
    await dovecot.addUser(destinationUser, 'pw-destination');
    await loadCorpus(courier, sourceUser, corpus);
    const run = await syncAndCompare(courier, sourceUser, dovecot, destinationUser);
    console.log('Courier -> Dovecot', run.summary.message, Object.fromEntries(run.mapping));
    expect(run.mismatches).toEqual([]);
    expect(run.summary).toMatchObject({ verdict: 'success', messagesFailed: 0 });
    expect(run.sourceMessages).toBe(corpus.length);
    expectNaturalMapping(run, courier, dovecot, CORPUS_FOLDER_NAMES(corpus), {
      Sent: dovecot.specialUse.Sent,
      Trash: dovecot.specialUse.Trash,
    });
    // Maildir++ lists no parent that was never created itself (INBOX.Lists for INBOX.Lists.dev).
    expect(run.mapping.has('INBOX.Lists')).toBe(false);
    const again = await syncAndCompare(courier, sourceUser, dovecot, destinationUser);
    expect(again.summary).toMatchObject({ verdict: 'success', messagesTransferred: 0, flagsUpdated: 0 });
  });
  test('limits: 110 distinct keywords in a folder and % and * in a name are kept; a dot in a name becomes _', async () => {
    const sourceUser = uniqueUser('src');
    const destinationUser = uniqueUser('dst');
    await dovecot.addUser(sourceUser, 'pw-source');
    await courier.addUser(destinationUser);
    const limits = limitsCorpus();
    await loadCorpus(dovecot, sourceUser, limits);
    const run = await syncAndCompare(dovecot, sourceUser, courier, destinationUser);
    expect(run.mismatches).toEqual([]);
    expect(run.errors).toEqual([]);
    expect(run.summary).toMatchObject({ verdict: 'success', messagesTransferred: limits.length });
    expect(run.mapping.get(LIMITS_FOLDERS.dotted)).toBe('INBOX.Reports.v1_2');
    expect(run.mapping.get(LIMITS_FOLDERS.wildcards)).toBe('INBOX.Odd.a%b*c');
  });
});
