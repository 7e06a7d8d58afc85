/**
 * The expunge decision (imap-raw/expunge.ts) and STORE checks against a
 * scripted in-memory folder: which commands go out, what is left, and which
 * typed error comes back, including the race a real server cannot be made to
 * show on demand (another client marks a message \Deleted between our two
 * checks). The same behaviour against real Dovecot: test/integration/store-expunge.test.ts.
 */
import { describe, expect, test } from 'vitest';
import type { CommandRunner, TaggedResult, UntaggedListener } from '../../src/sync/imap-raw/command-channel.js';
import { ImapCommandError } from '../../src/sync/imap-raw/command-errors.js';
import { expungeMessages } from '../../src/sync/imap-raw/expunge.js';
import { parseUidSet } from '../../src/sync/imap-raw/imap-syntax.js';
import { storeFlags } from '../../src/sync/imap-raw/store.js';
import type { ResolvedEndpoint } from '../../src/sync/types.js';

const endpoint: ResolvedEndpoint = {
  side: 'destination',
  host: '127.0.0.1',
  port: 993,
  security: 'implicit',
  tls: {},
  user: 'alice',
  mechanism: 'LOGIN',
  secret: async () => 's',
  connectTimeoutMs: 1000,
  commandTimeoutMs: 1000,
};

/** A selected folder with UIDs 1-4 that answers STORE, UID SEARCH DELETED, UID EXPUNGE and EXPUNGE. */
class ScriptedFolder implements CommandRunner {
  readonly endpoint = endpoint;
  readonly where = '127.0.0.1:993 (destination)';
  readonly isClosed = false;
  readonly capabilities: Set<string>;
  readonly flags = new Map<number, Set<string>>([1, 2, 3, 4].map((uid) => [uid, new Set<string>()]));
  readonly sent: string[] = [];
  private listener?: UntaggedListener;

  constructor(
    uidplus: boolean,
    markedByOthers: number[],
    /** Command lines answered with NO. */
    private readonly refuse?: RegExp,
    /** Runs after each command: what another client does meanwhile. */
    private readonly meanwhile?: (line: string, folder: ScriptedFolder) => void,
  ) {
    this.capabilities = new Set(['IMAP4REV1', ...(uidplus ? ['UIDPLUS'] : [])]);
    for (const uid of markedByOthers) this.flags.get(uid)!.add('\\Deleted');
  }

  listen(listener: UntaggedListener | undefined): void {
    this.listener = listener;
  }

  scrub(text: string): string {
    return text;
  }

  async command(line: string): Promise<TaggedResult> {
    this.sent.push(line);
    if (this.refuse?.test(line)) return { status: 'NO', text: 'refused by the test' };
    const store = /^UID STORE (\S+) ([+-])FLAGS\.SILENT \((.*)\)$/.exec(line);
    const uidExpunge = /^UID EXPUNGE (\S+)$/.exec(line);
    if (store) {
      for (const uid of parseUidSet(store[1]!)) {
        for (const flag of store[3]!.split(' ')) {
          if (store[2] === '+') this.flags.get(uid)?.add(flag);
          else this.flags.get(uid)?.delete(flag);
        }
      }
    } else if (line === 'UID SEARCH DELETED') {
      const deleted = [...this.flags].filter(([, flags]) => flags.has('\\Deleted')).map(([uid]) => uid);
      this.listener?.response({ kind: 'data', name: 'SEARCH', text: deleted.join(' ') });
    } else if (uidExpunge) {
      for (const uid of parseUidSet(uidExpunge[1]!)) if (this.flags.get(uid)?.has('\\Deleted')) this.flags.delete(uid);
    } else if (line === 'EXPUNGE') {
      for (const [uid, flags] of this.flags) if (flags.has('\\Deleted')) this.flags.delete(uid);
    } else {
      return { status: 'BAD', text: `unexpected command ${line}` };
    }
    this.meanwhile?.(line, this);
    return { status: 'OK', text: 'done' };
  }

  /** What is left: uid -> sorted flags. */
  left(): Record<number, string[]> {
    return Object.fromEntries([...this.flags].map(([uid, flags]) => [uid, [...flags].sort()]));
  }
}

const markThreeAfterOurStore = (line: string, folder: ScriptedFolder) => {
  if (line.startsWith('UID STORE 1:2 +FLAGS')) folder.flags.get(3)!.add('\\Deleted');
};

describe('expungeMessages(UIDs 1 and 2)', () => {
  test.each([
    {
      name: 'UIDPLUS: UID EXPUNGE of exactly ours; a message someone else marked stays',
      folder: () => new ScriptedFolder(true, [4]),
      left: { 3: [], 4: ['\\Deleted'] },
      error: undefined,
      sent: ['UID STORE 1:2 +FLAGS.SILENT (\\Deleted)', 'UID EXPUNGE 1:2'],
    },
    {
      name: 'no UIDPLUS, nothing else marked: a plain EXPUNGE after both checks',
      folder: () => new ScriptedFolder(false, []),
      left: { 3: [], 4: [] },
      error: undefined,
      sent: ['UID SEARCH DELETED', 'UID STORE 1:2 +FLAGS.SILENT (\\Deleted)', 'UID SEARCH DELETED', 'EXPUNGE'],
    },
    {
      name: 'no UIDPLUS, another message marked: refused before anything is stored',
      folder: () => new ScriptedFolder(false, [4]),
      left: { 1: [], 2: [], 3: [], 4: ['\\Deleted'] },
      error: 'ExpungeRefused',
      sent: ['UID SEARCH DELETED'],
    },
    {
      name: 'no UIDPLUS, another client marks one between the checks: refused, our marks taken back',
      folder: () => new ScriptedFolder(false, [], undefined, markThreeAfterOurStore),
      left: { 1: [], 2: [], 3: ['\\Deleted'], 4: [] },
      error: 'ExpungeRefused',
      sent: [
        'UID SEARCH DELETED',
        'UID STORE 1:2 +FLAGS.SILENT (\\Deleted)',
        'UID SEARCH DELETED',
        'UID STORE 1:2 -FLAGS.SILENT (\\Deleted)',
      ],
    },
    {
      name: 'the STORE is refused: StoreFailed, no expunge sent',
      folder: () => new ScriptedFolder(true, [], /^UID STORE/),
      left: { 1: [], 2: [], 3: [], 4: [] },
      error: 'StoreFailed',
      sent: ['UID STORE 1:2 +FLAGS.SILENT (\\Deleted)'],
    },
    {
      name: 'the UID EXPUNGE is refused: ExpungeFailed',
      folder: () => new ScriptedFolder(true, [], /^UID EXPUNGE/),
      left: { 1: ['\\Deleted'], 2: ['\\Deleted'], 3: [], 4: [] },
      error: 'ExpungeFailed',
      sent: ['UID STORE 1:2 +FLAGS.SILENT (\\Deleted)', 'UID EXPUNGE 1:2'],
    },
  ])('$name', async ({ folder: make, left, error, sent }) => {
    const folder = make();
    const outcome = await expungeMessages(folder, 'INBOX', [1, 2]).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error === undefined) {
      expect(outcome).toBeUndefined();
    } else {
      expect(outcome).toBeInstanceOf(ImapCommandError);
      expect(outcome).toMatchObject({ reason: error, side: 'destination' });
    }
    expect(folder.sent).toEqual(sent);
    expect(folder.left()).toEqual(left);
  });
});

describe('storeFlags', () => {
  test('a NO is a StoreFailed error naming the command and the server text', async () => {
    const folder = new ScriptedFolder(true, [], /^UID STORE/);
    const error = await storeFlags(folder, [1], 'add', ['$Label1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapCommandError);
    expect((error as Error).message).toBe(
      'UID STORE +FLAGS ($Label1) on 127.0.0.1:993 (destination): NO refused by the test',
    );
  });

  test('a flag that is not an IMAP atom is never sent (it would fail the whole command)', async () => {
    const folder = new ScriptedFolder(true, []);
    const error = await storeFlags(folder, [1], 'add', ['$Label1', 'two words']).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'StoreFailed' });
    expect(folder.sent).toEqual([]);
  });

  test('nothing to change sends nothing', async () => {
    const folder = new ScriptedFolder(true, []);
    await storeFlags(folder, [], 'add', ['\\Seen']);
    await storeFlags(folder, [1], 'remove', []);
    expect(folder.sent).toEqual([]);
  });
});
