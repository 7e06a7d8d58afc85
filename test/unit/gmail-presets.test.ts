/**
 * The Gmail pieces that need no server: the presets (imapsync's gmail1,
 * gmail2, gmail12), the folder order (--folderfirst/--folderlast), the
 * run-wide cross-duplicate record, the folder sequence and --maxbytesafter.
 * The behaviour against a Gmail-shaped Dovecot: test/integration/gmail.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { GMAIL_ALL_MAIL, withPresets } from '../../src/api/presets.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { applyDefaults } from '../../src/api/spec-defaults.js';
import { specProblems } from '../../src/api/spec-problems.js';
import { CrossDuplicates } from '../../src/sync/cross-duplicates.js';
import { FolderSequence } from '../../src/sync/folder-sequence.js';
import { orderFolders } from '../../src/sync/folders/folder-order.js';
import { mapFolders } from '../../src/sync/folders/index.js';
import { labelArgument } from '../../src/sync/imap-raw/gmail-labels.js';
import { MessageList } from '../../src/sync/message-list.js';
import { deltaAllowed } from '../../src/sync/state.js';
import { type Sleep, Throttle } from '../../src/sync/throttle.js';
import type { FolderInfo, FolderPair, MailboxTree } from '../../src/sync/types.js';

const base: MailSyncSpec = {
  source: { host: 'imap.gmail.com', user: 'joe@example.com', passwordFile: '/p1' },
  destination: { host: 'imap.new.example', user: 'joe', passwordFile: '/p2' },
};
type Sides = { source?: 'gmail'; destination?: 'gmail' };
const gmail = (sides: Sides, extra: Partial<MailSyncSpec> = {}): MailSyncSpec => ({
  ...base,
  ...extra,
  source: { ...base.source, ...(sides.source ? { preset: sides.source } : {}) },
  destination: { ...base.destination, ...(sides.destination ? { preset: sides.destination } : {}) },
});

describe('the gmail preset (imapsync 2.229 subs gmail1, gmail2, gmail12)', () => {
  it('on the source (gmail1)', () => {
    const e = applyDefaults(gmail({ source: 'gmail' }));
    expect(e.source.tls).toBe('implicit');
    expect(e.skipCrossDuplicates).toBe(true);
    expect(e.syncLabels).toBe(false);
    expect(e.identityHeaders).toEqual(['X-Gmail-Received', 'Message-Id']);
    expect(e.folders.rename).toEqual([{ from: '\\[Gmail\\].', to: '' }]);
    expect(e.folders.last).toEqual([GMAIL_ALL_MAIL]);
    expect(e.folders.exclude).toBeUndefined();
    expect(e.folders.automap).toBe(true);
    expect(e.throttle).toEqual({ maxBytesPerSecond: 40_000, unthrottledBytes: 3_000_000_000 });
    expect(deltaAllowed(e)).toBe(false);
  });

  it('on the destination (gmail2): [Gmail] excluded, names cleaned up', () => {
    const e = applyDefaults(gmail({ destination: 'gmail' }));
    expect(e.destination.tls).toBe('implicit');
    expect(e.skipCrossDuplicates).toBe(false);
    expect(e.identityHeaders).toEqual(['Message-Id']);
    expect(e.folders.exclude).toEqual(['\\[Gmail\\]$']);
    expect(e.folders.last).toEqual([GMAIL_ALL_MAIL]);
    expect(e.throttle).toEqual({ maxBytesPerSecond: 20_000, unthrottledBytes: 1_000_000_000 });
    const rename = (name: string) =>
      (e.folders.rename ?? []).reduce(
        (current, rule) => current.replace(new RegExp(rule.from, rule.flags ?? ''), rule.to),
        name,
      );
    expect(rename('[Gmail]/Sent Mail')).toBe('Sent Mail');
    expect(rename('  Projects /Q1 ')).toBe('Projects/Q1');
    expect(rename('Projects/  Q1')).toBe('Projects/Q1');
    // As Perl's s,/ +| +/,/,g: one match per slash, the blanks before it win.
    expect(rename('Projects / Q1')).toBe('Projects/ Q1');
    expect(rename(`It's "done"^`)).toBe('It_s _done__');
  });

  it('on both sides (gmail12): labels instead of cross duplicates, not gmail1 and gmail2 added up', () => {
    const e = applyDefaults(gmail({ source: 'gmail', destination: 'gmail' }));
    expect([e.source.tls, e.destination.tls]).toEqual(['implicit', 'implicit']);
    expect(e.skipCrossDuplicates).toBe(false);
    expect(e.syncLabels).toBe(true);
    expect(e.resyncLabels).toBe(true);
    expect(e.identityHeaders).toEqual(['X-Gmail-Received', 'Message-Id']);
    expect(e.folders.exclude).toEqual(['\\[Gmail\\]$']);
    expect(e.folders.rename).toBeUndefined();
    expect(e.folders.last).toEqual([GMAIL_ALL_MAIL]);
    expect(e.throttle.maxBytesPerSecond).toBe(20_000);
  });

  it('fields the spec gives win, lists included (the CLI appends to its own lists instead)', () => {
    const spec = gmail(
      { source: 'gmail' },
      {
        skipCrossDuplicates: false,
        identityHeaders: ['Date'],
        folders: { automap: false, last: ['Archive'] },
        throttle: { maxBytesPerSecond: 1000 },
      },
    );
    const e = applyDefaults(spec);
    expect(e.skipCrossDuplicates).toBe(false);
    expect(e.identityHeaders).toEqual(['Date']);
    expect(e.folders.automap).toBe(false);
    expect(e.folders.last).toEqual(['Archive']);
    expect(e.folders.rename).toEqual([{ from: '\\[Gmail\\].', to: '' }]);
    expect(e.throttle).toEqual({ maxBytesPerSecond: 1000, unthrottledBytes: 3_000_000_000 });
    expect(spec.identityHeaders).toEqual(['Date']);
  });

  it('a spec without presets is left as it is', () => {
    expect(withPresets(base)).toEqual(base);
  });

  it('is a valid spec field on each side', () => {
    expect(specProblems(gmail({ source: 'gmail', destination: 'gmail' }), 'local')).toEqual([]);
  });
});

const folder = (path: string, specialUse?: string): FolderInfo => ({
  path,
  delimiter: '/',
  flags: path === '[Gmail]' ? ['\\Noselect', '\\HasChildren'] : [],
  subscribed: true,
  ...(specialUse ? { specialUse } : {}),
});
const gmailTree: MailboxTree = {
  namespace: { prefix: '', delimiter: '/' },
  folders: [
    folder('INBOX'),
    folder('Work'),
    folder('[Gmail]'),
    folder('[Gmail]/All Mail', '\\All'),
    folder('[Gmail]/Sent Mail', '\\Sent'),
    folder('[Gmail]/Starred', '\\Flagged'),
    folder('[Gmail]/Important', '\\Important'),
  ],
};
const plainTree: MailboxTree = {
  namespace: { prefix: '', delimiter: '/' },
  folders: [folder('INBOX'), folder('Sent', '\\Sent'), folder('Trash', '\\Trash')],
};

describe('gmail1 folder mapping and order', () => {
  it('removes the [Gmail]/ prefix, automaps Sent Mail and puts All Mail last', () => {
    const e = applyDefaults(gmail({ source: 'gmail' }));
    const pairs = mapFolders(gmailTree, plainTree, e.folders);
    const { pairs: ordered, lastCount } = orderFolders(pairs, e.folders.first, e.folders.last);
    expect(ordered.map((p) => [p.source, p.destination])).toEqual([
      ['INBOX', 'INBOX'],
      ['Work', 'Work'],
      ['[Gmail]/Important', 'Important'],
      ['[Gmail]/Sent Mail', 'Sent'],
      ['[Gmail]/Starred', 'Starred'],
      ['[Gmail]/All Mail', 'All Mail'],
    ]);
    expect(lastCount).toBe(1);
  });
});

describe('orderFolders (--folderfirst, --folderlast)', () => {
  const pairs = ['INBOX', 'A', 'B', 'C'].map(
    (name): FolderPair => ({ source: name, destination: name, subscribed: true }),
  );
  it.each<[string[] | undefined, string[] | undefined, string[], number]>([
    [undefined, undefined, ['INBOX', 'A', 'B', 'C'], 0],
    [['C'], undefined, ['C', 'INBOX', 'A', 'B'], 0],
    [undefined, ['A'], ['INBOX', 'B', 'C', 'A'], 1],
    [['B', 'inbox'], ['INBOX', 'A', 'Missing', 'A'], ['B', 'INBOX', 'C', 'A'], 1],
    [undefined, ['C', 'A'], ['INBOX', 'B', 'C', 'A'], 2],
  ])('first %j, last %j: %j', (first, last, expected, lastCount) => {
    const order = orderFolders(pairs, first, last);
    expect(order.pairs.map((p) => p.source)).toEqual(expected);
    expect(order.lastCount).toBe(lastCount);
  });
});

function list(...identities: string[]): MessageList {
  return MessageList.of(
    identities.map((identity, i) => ({ uid: i + 1, size: 100, internalDate: new Date(0), flags: [], identity })),
  );
}
const uidsOf = (l: MessageList, indexes: Iterable<number>) => [...indexes].map((i) => l.uid(i));

describe('CrossDuplicates (imapsync h2_folders_of_md5)', () => {
  it('copies a message into the first folder that plans it, and skips it in the others', () => {
    const cross = new CrossDuplicates();
    const work = list('m1', 'm2');
    cross.noteDestination('Work', new MessageList());
    const a = cross.claim('Work', work.select(Uint32Array.of(0, 1)));
    expect(a.copy.length).toBe(2);
    expect(a.skipped.size).toBe(0);

    const allMail = list('m1', 'm2', 'm3');
    cross.noteDestination('All Mail', new MessageList());
    const b = cross.claim('All Mail', allMail.select(Uint32Array.of(0, 1, 2)));
    expect(uidsOf(allMail, b.copy.indexes)).toEqual([3]);
    expect(uidsOf(allMail, b.skipped)).toEqual([1, 2]);
  });

  it('skips what another destination folder already holds (a re-run), keeps what this folder holds', () => {
    const cross = new CrossDuplicates();
    cross.noteDestination('Work', list('m1'));
    cross.noteDestination('INBOX', list('m2', 'm1'));
    const inbox = list('m1', 'm3');
    const outcome = cross.claim('INBOX', inbox.select(Uint32Array.of(0, 1)));
    expect(uidsOf(inbox, outcome.copy.indexes)).toEqual([2]);
    expect(uidsOf(inbox, outcome.skipped)).toEqual([1]);
    expect(cross.holderOf(list('m2').identityKey(0))).toBe('INBOX');
  });

  it('a retry of the same folder keeps its own claims', () => {
    const cross = new CrossDuplicates();
    const work = list('m1');
    cross.claim('Work', work.select(Uint32Array.of(0)));
    expect(cross.claim('Work', work.select(Uint32Array.of(0))).copy.length).toBe(1);
    expect(cross.claim('Other', list('m1').select(Uint32Array.of(0))).copy.length).toBe(0);
  });
});

describe('FolderSequence', () => {
  const settled = async (promise: Promise<void>) => {
    let done = false;
    void promise.then(() => {
      done = true;
    });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    return done;
  };

  it('ordered plans: folder i plans after 0..i-1 planned', async () => {
    const seq = new FolderSequence(3, 0, true);
    expect(await settled(seq.mayPlan(0))).toBe(true);
    expect(await settled(seq.mayPlan(2))).toBe(false);
    seq.markPlanned(0);
    expect(await settled(seq.mayPlan(2))).toBe(false);
    seq.markEnded(1);
    expect(await settled(seq.mayPlan(2))).toBe(true);
  });

  it('without ordered plans nobody waits to plan', async () => {
    const seq = new FolderSequence(3, 0, false);
    expect(await settled(seq.mayPlan(2))).toBe(true);
  });

  it('last folders start when every other folder ended', async () => {
    const seq = new FolderSequence(4, 2, false);
    expect(await settled(seq.mayStart(1))).toBe(true);
    expect(await settled(seq.mayStart(2))).toBe(false);
    seq.markEnded(0);
    seq.markPlanned(1);
    expect(await settled(seq.mayStart(3))).toBe(false);
    seq.markEnded(1);
    expect(await settled(seq.mayStart(2))).toBe(true);
    expect(await settled(seq.mayStart(3))).toBe(true);
  });
});

describe('Throttle with unthrottledBytes (imapsync --maxbytesafter)', () => {
  it('paces only the bytes after the first unthrottledBytes', async () => {
    let time = 0;
    const sleep: Sleep = async (ms) => {
      time += ms;
    };
    const throttle = new Throttle({ maxBytesPerSecond: 1000, unthrottledBytes: 5000 }, { now: () => time, sleep });
    for (let i = 0; i < 5; i++) await throttle.take(1000, 1);
    expect(time).toBe(0);
    await throttle.take(1000, 1); // the bucket's first second of budget
    await throttle.take(1000, 1);
    expect(time).toBe(1000);
  });
});

describe('X-GM-LABELS arguments (imap-raw/gmail-labels.ts)', () => {
  it.each([
    ['\\Inbox', '\\Inbox'],
    ['Work', '"Work"'],
    ['Projects/Q1 "final"', '"Projects/Q1 \\"final\\""'],
    ['a\\b', '"a\\\\b"'],
  ])('%s is sent as %s', (label, wire) => {
    expect(labelArgument(label)).toBe(wire);
  });

  it('refuses a label that cannot be a quoted string', () => {
    expect(() => labelArgument('bad\r\nA1 LOGOUT')).toThrow(RangeError);
  });
});
