/**
 * A deterministic mail corpus for benchmarks: the same seed gives the same
 * folders, bytes, flags and dates on every machine, so runs compare.
 *
 * Shape (defaults, as the engine issue asks): 10,000 messages in 10 folders
 * (nested and non-ASCII names among them); most 2-20 KB, about 10% with a
 * 100 KB - 2 MB attachment, a few up to 5 MB; some without Message-ID, some
 * duplicated inside their folder; varied flags, keywords and dates.
 */
import { createHash } from 'node:crypto';

export interface CorpusMessage {
  folder: string;
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

export interface CorpusOptions {
  seed?: number;
  messages?: number;
  /** Scale message sizes (0.1 makes a quick corpus for smoke runs). */
  sizeScale?: number;
}

/** Folder paths use '/' as the separator; the loader translates them to the server's. */
export const CORPUS_FOLDERS = [
  'INBOX',
  'Archive',
  'Archive/2023',
  'Archive/2024',
  'Sent',
  'Projects',
  'Projects/Entwürfe',
  'Projects/日本語',
  'Lists/dev',
  'Trash',
] as const;

const FLAG_SETS: string[][] = [
  [],
  ['\\Seen'],
  ['\\Seen'],
  ['\\Seen', '\\Answered'],
  ['\\Flagged'],
  ['\\Seen', '$Forwarded'],
  ['\\Seen', 'ProjectX', '$label1'],
  ['\\Draft'],
];

/** mulberry32: tiny, fast and good enough for corpus generation. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'lorem ipsum dolor sit amet migration mailbox server folder sync imap message quota archive report'.split(
  ' ',
);

function text(random: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const words: string[] = [];
    for (let i = 0; i < 12; i++) words.push(WORDS[Math.floor(random() * WORDS.length)]!);
    const line = words.join(' ');
    lines.push(line);
    size += line.length + 2;
  }
  return lines.join('\r\n');
}

function attachment(random: () => number, bytes: number): string {
  // Deterministic pseudo-random binary, base64 in 76-column lines like a real MUA.
  const raw = Buffer.alloc(Math.floor((bytes * 3) / 4));
  let block = createHash('sha256').update(String(random())).digest();
  for (let i = 0; i < raw.length; i += block.length) {
    block.copy(raw, i);
    block = createHash('sha256').update(block).digest();
  }
  return (raw.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

function pickSize(random: () => number, scale: number): { body: number; attachment: number } {
  const r = random();
  const body = Math.floor((2048 + random() * 18 * 1024) * scale);
  if (r < 0.003) return { body, attachment: Math.floor((2 + random() * 3) * 1024 * 1024 * scale) }; // a few up to 5 MB
  if (r < 0.1) return { body, attachment: Math.floor((100 * 1024 + random() * 1.9 * 1024 * 1024) * scale) };
  return { body, attachment: 0 };
}

/** Yields the corpus lazily (it is about 1 GB at full scale). */
export function* generateCorpus(options: CorpusOptions = {}): Generator<CorpusMessage> {
  const random = prng(options.seed ?? 42);
  const total = options.messages ?? 10_000;
  const scale = options.sizeScale ?? 1;
  const start = Date.UTC(2019, 0, 1);
  let previous: CorpusMessage | undefined;
  for (let n = 0; n < total; n++) {
    // About 1% are exact duplicates of the previous message of the same folder.
    if (previous && random() < 0.01) {
      yield { ...previous };
      continue;
    }
    const folder = CORPUS_FOLDERS[Math.floor(random() * CORPUS_FOLDERS.length)]!;
    const date = new Date(start + Math.floor(random() * 6 * 365 * 86400) * 1000);
    const size = pickSize(random, scale);
    const withMessageId = random() >= 0.02;
    const boundary = `=_b${n}`;
    const headers = [
      `Received: from mx${n % 7}.example.org by mail.example.net; ${date.toUTCString()}`,
      `From: Sender ${n % 97} <sender${n % 97}@example.org>`,
      'To: user@example.net',
      `Subject: Corpus message ${n} ${WORDS[n % WORDS.length]}`,
      `Date: ${date.toUTCString()}`,
      ...(withMessageId ? [`Message-ID: <corpus-${n}@example.org>`] : []),
      'MIME-Version: 1.0',
    ];
    let body: string;
    if (size.attachment > 0) {
      headers.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
      body = [
        `--${boundary}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        text(random, size.body),
        `--${boundary}`,
        `Content-Type: application/octet-stream; name="file${n}.bin"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="file${n}.bin"`,
        '',
        attachment(random, size.attachment),
        `--${boundary}--`,
        '',
      ].join('\r\n');
    } else {
      headers.push('Content-Type: text/plain; charset=utf-8');
      body = text(random, size.body);
    }
    const flags = FLAG_SETS[Math.floor(random() * FLAG_SETS.length)]!;
    const message: CorpusMessage = {
      folder,
      raw: Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}\r\n`, 'utf8'),
      flags,
      internalDate: date,
    };
    previous = message;
    yield message;
  }
}
