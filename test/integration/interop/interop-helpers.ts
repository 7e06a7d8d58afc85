/**
 * The interop suite's corpus and its exactness check, shared by cyrus.test.ts and courier.test.ts.
 *
 * Corpus: bench/corpus.ts (nested and non-ASCII folders, keywords, messages without Message-ID,
 * duplicate copies, dates over six years) at a small size, plus messages that make sure each case
 * is there whatever the seed gives: no Message-ID, an exact duplicate, many keywords on one message.
 *
 * Exactness, as the benchmark checks it but per folder: the destination folder the engine chose
 * for each source folder holds the same multiset of (sha256 of the bytes, flags and keywords,
 * INTERNALDATE) as the source folder, listed by an independent client (test/harness/mailbox.ts).
 */
import { expect } from 'vitest';
import { generateCorpus } from '../../../bench/corpus.js';
import type { Summary } from '../../../src/api/events.js';
import type { Endpoint, MailSyncSpec } from '../../../src/api/spec.js';
import { runSync } from '../../../src/sync/engine.js';
import { appendMessages, listMailbox, type MailboxServer, messageMultiset } from '../../harness/mailbox.js';
import { captureLogger, makeMessage } from '../sync-helpers.js';

/** A Dovecot instance or an InteropServer: seeded and listed by mailbox.ts, synced through its endpoint. */
export interface Side extends MailboxServer {
  readonly name: string;
  folder(...parts: string[]): string;
  endpoint(user: string): Promise<Endpoint>;
}

export interface CorpusEntry {
  /** '/'-separated, translated with Side.folder(). */
  folder: string;
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

/** 40 keywords on one message: more than some servers keep per message or per folder. */
export const MANY_KEYWORDS = Array.from({ length: 40 }, (_, i) => `Kw${String(i).padStart(2, '0')}`);

/** No Message-ID, and raw UTF-8 in the Subject header (what many MUAs send, RFC 6532 style). */
export const EIGHT_BIT_HEADER_MESSAGE = makeMessage({
  messageId: null,
  subject: 'no Message-ID, 8-bit subject: Grüße',
});
export const EIGHT_BIT_HEADER_FOLDER = 'Projects/日本語';

export function interopCorpus(): CorpusEntry[] {
  const corpus: CorpusEntry[] = [...generateCorpus({ seed: 12, messages: 120, sizeScale: 0.02 })];
  const noId = EIGHT_BIT_HEADER_MESSAGE;
  const dup = makeMessage({ subject: 'twice in the same folder' });
  const date = new Date('2021-07-04T12:34:56Z');
  corpus.push(
    { folder: EIGHT_BIT_HEADER_FOLDER, raw: noId, flags: ['\\Seen'], internalDate: date },
    { folder: 'INBOX', raw: dup, flags: ['\\Flagged'], internalDate: date },
    { folder: 'INBOX', raw: dup, flags: ['\\Flagged'], internalDate: date },
    {
      folder: 'Projects/Entwürfe',
      raw: makeMessage({ subject: 'many keywords' }),
      flags: ['\\Seen', '$Forwarded', ...MANY_KEYWORDS],
      internalDate: date,
    },
  );
  return corpus;
}

/** Appends the corpus to `user` (folders created parents first), over one connection. */
export async function loadCorpus(side: Side, user: string, corpus: CorpusEntry[]): Promise<string[]> {
  const byFolder = new Map<string, CorpusEntry[]>();
  for (const m of corpus) {
    const folder = side.folder(...m.folder.split('/'));
    if (!byFolder.has(folder)) byFolder.set(folder, []);
    byFolder.get(folder)!.push(m);
  }
  const folders = [...byFolder.keys()].sort();
  for (const folder of folders) {
    await appendMessages(
      side,
      user,
      folder,
      byFolder.get(folder)!.map((m) => ({ raw: m.raw, flags: m.flags, date: m.internalDate })),
    );
  }
  return folders;
}

export interface InteropRun {
  summary: Summary;
  /** source folder -> destination folder, as the engine chose (folder.begin events). */
  mapping: Map<string, string>;
  /** Per source folder: the destination's multiset equals the source's. */
  mismatches: Array<{ folder: string; destinationFolder: string; missing: string[]; extra: string[] }>;
  sourceMessages: number;
  destinationMessages: number;
  /** The engine's message.error and error events: "folder: reason: error". */
  errors: string[];
  /** The engine's warning lines without an event (msg only), e.g. copies changed by the server. */
  warnings: string[];
  /** Capabilities each side announced after login (the engine's `connected` events). */
  capabilities: { source: string[]; destination: string[] };
}

/** Runs the engine from `source` to `destination` and compares both mailboxes folder by folder. */
export async function syncAndCompare(
  source: Side,
  sourceUser: string,
  destination: Side,
  destinationUser: string,
  spec: Omit<MailSyncSpec, 'source' | 'destination'> = {},
): Promise<InteropRun> {
  const capture = captureLogger();
  const summary = await runSync(
    {
      ...spec,
      source: await source.endpoint(sourceUser),
      destination: await destination.endpoint(destinationUser),
    },
    { logger: capture.logger, progressIntervalMs: 0 },
  );
  // Whatever the server answered (including its refusals), no password reaches the log.
  const log = capture.lines.join('\n');
  for (const password of [source.password(sourceUser), destination.password(destinationUser)]) {
    expect(log).not.toContain(password);
  }
  const mapping = new Map(capture.of('folder.begin').map((e) => [e.folder, e.destinationFolder]));
  const [src, dst] = await Promise.all([listMailbox(source, sourceUser), listMailbox(destination, destinationUser)]);
  const dstByPath = new Map(dst.map((f) => [f.path, f]));
  const mismatches: InteropRun['mismatches'] = [];
  for (const folder of src) {
    if (folder.messages.length === 0) continue;
    const destinationFolder = mapping.get(folder.path) ?? '(not synced)';
    const want = messageMultiset(folder);
    const got = messageMultiset(dstByPath.get(destinationFolder));
    const missing = difference(want, got);
    const extra = difference(got, want);
    if (missing.length || extra.length) mismatches.push({ folder: folder.path, destinationFolder, missing, extra });
  }
  const count = (listing: typeof src) => listing.reduce((n, f) => n + f.messages.length, 0);
  const errors = [
    ...capture.of('message.error').map((e) => `${e.folder}: ${e.reason}: ${e.error}`),
    ...capture.of('error').map((e) => `${e.side ?? ''}: ${e.reason}: ${e.error}`),
  ];
  const warnings = capture.lines
    .map((text) => JSON.parse(text) as { level: number; event?: string; msg: string })
    .filter((line) => line.level === 40 && line.event === undefined)
    .map((line) => line.msg);
  const announced = (side: 'source' | 'destination') =>
    capture.of('connected').find((e) => e.side === side)?.capabilities ?? [];
  return {
    summary,
    mapping,
    mismatches,
    sourceMessages: count(src),
    destinationMessages: count(dst),
    errors,
    warnings,
    capabilities: { source: announced('source'), destination: announced('destination') },
  };
}

/** Multiset difference a - b. */
function difference(a: string[], b: string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const result: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else result.push(x);
  }
  return result;
}

/**
 * The destination folder of each corpus folder is its natural translation (separator, prefix),
 * except those named in `specialUse`: a source folder the engine recognises by name (Sent, Trash
 * on servers without SPECIAL-USE folders) goes to the destination's folder with that use.
 */
export function expectNaturalMapping(
  run: InteropRun,
  source: Side,
  destination: Side,
  folders: string[],
  specialUse: Record<string, string> = {},
): void {
  for (const folder of folders) {
    const parts = folder === 'INBOX' ? ['INBOX'] : folder.split('/');
    expect(run.mapping.get(source.folder(...parts)), folder).toBe(specialUse[folder] ?? destination.folder(...parts));
  }
}

/** What Cyrus stores for a message with 8-bit bytes in its header (imapd.conf `munge8bit`, on by default). */
export function munge8bitHeaders(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const out = Buffer.from(raw);
  for (let i = 0; i < (end < 0 ? out.length : end); i++) if (out[i]! >= 0x80) out[i] = 0x58; // 'X'
  return out;
}

export const CORPUS_FOLDER_NAMES = (corpus: CorpusEntry[]) => [...new Set(corpus.map((m) => m.folder))].sort();

/**
 * Server limits: `Many` holds 11 messages with 10 keywords each, 110 distinct keywords in one
 * folder (Cyrus keeps at most 100 per folder); `Reports/v1.2` has the destination's separator in
 * a name; `Odd/a%b*c` has the IMAP LIST wildcards in a name.
 */
export const LIMITS_FOLDERS = { many: 'Many', dotted: 'Reports/v1.2', wildcards: 'Odd/a%b*c' } as const;
export const LIMITS_KEYWORDS_PER_MESSAGE = 10;

export function limitsCorpus(): CorpusEntry[] {
  const date = new Date('2022-02-02T02:02:02Z');
  const many = Array.from({ length: 11 }, (_, i) => ({
    folder: LIMITS_FOLDERS.many,
    raw: makeMessage({ subject: `keywords ${i * LIMITS_KEYWORDS_PER_MESSAGE}+` }),
    flags: Array.from({ length: LIMITS_KEYWORDS_PER_MESSAGE }, (_, j) => `Tag${i * LIMITS_KEYWORDS_PER_MESSAGE + j}`),
    internalDate: new Date(date.getTime() + i * 1000),
  }));
  return [
    ...many,
    {
      folder: LIMITS_FOLDERS.dotted,
      raw: makeMessage({ subject: 'dot in a folder name' }),
      flags: [],
      internalDate: date,
    },
    {
      folder: LIMITS_FOLDERS.wildcards,
      raw: makeMessage({ subject: '% and * in a name' }),
      flags: [],
      internalDate: date,
    },
  ];
}
