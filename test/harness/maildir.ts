/**
 * Big folders for benchmarks and slow tests: messages written straight into
 * a test Dovecot's maildir (INBOX), then indexed by Dovecot. A million
 * messages take minutes this way; APPENDing them would take hours.
 *
 * INBOX is the root maildir (`~/Maildir/cur`) in both harness flavours. The
 * file names carry S= and W= (size, size with CRLF line ends) so that Dovecot
 * need not read a file for its RFC822.SIZE, and the maildir flags (`:2,FS`).
 * Every file has the same mtime (INTERNALDATE), so identical messages written
 * into two servers have identical identities, flags and dates.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DovecotServer } from './dovecot.js';

const execFileP = promisify(execFile);

export interface MaildirMessage {
  /** LF line ends, as maildir stores messages. */
  raw: Buffer;
  /** Maildir flag letters in ASCII order: D draft, F flagged, R replied, S seen, T trashed. */
  flags: string;
}

/** The n-th message of a big folder: small, real headers; one in 500 has neither Message-ID nor Received. */
export function bigFolderMessage(n: number): MaildirMessage {
  const date = new Date(Date.UTC(2015, 0, 1) + n * 60_000).toUTCString();
  const headerless = n % 500 === 499;
  const lines = [
    ...(headerless ? [] : [`Received: from mx${n % 7}.example.org by mail.example.net; ${date}`]),
    `From: Sender ${n % 97} <sender${n % 97}@example.org>`,
    'To: user@example.net',
    `Subject: Big folder message ${n}`,
    `Date: ${date}`,
    ...(headerless ? [] : [`Message-ID: <big-${n}@example.org>`]),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Message ${n} of a big folder: a short line of text so that the message is small but real.`,
    'A second line, and a third one below it.',
    '-- ',
    'The bench',
    '',
  ];
  return { raw: Buffer.from(lines.join('\n')), flags: `${n % 11 === 0 ? 'F' : ''}${n % 3 === 0 ? 'S' : ''}` };
}

export interface WriteOptions {
  /** Messages 0..count-1 of bigFolderMessage (default), or another generator. */
  message?: (n: number) => MaildirMessage;
  /** Which of them to write (default: all): e.g. leave some out of a destination. */
  include?: (n: number) => boolean;
  /** About one in `duplicateEvery` is an exact copy of the one before it (default 1000; 0: none). */
  duplicateEvery?: number;
}

/**
 * Writes `count` messages into `user`'s INBOX on `server`, owned by the mail
 * user, and has Dovecot index them. Returns how many were written and their
 * bytes as IMAP counts them (CRLF line ends).
 */
export async function writeMaildirInbox(
  server: DovecotServer,
  user: string,
  count: number,
  options: WriteOptions = {},
): Promise<{ messages: number; bytes: number }> {
  const make = options.message ?? bigFolderMessage;
  const include = options.include ?? (() => true);
  const duplicateEvery = options.duplicateEvery ?? 1000;
  const home = path.join(server.dir, 'mail', user);
  const maildir = path.join(home, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(maildir, sub), { recursive: true });
  // One mtime for every file, the same on every server: 2024-01-01.
  const mtime = new Date(Date.UTC(2024, 0, 1));
  let written = 0;
  let bytes = 0;
  let next = 0;
  const writer = async () => {
    while (next < count) {
      const n = next++;
      const isCopy = duplicateEvery > 0 && n % duplicateEvery === duplicateEvery - 1 && n > 0;
      const m = make(isCopy ? n - 1 : n);
      if (!include(n)) continue;
      const lineCount = m.raw.toString('latin1').split('\n').length - 1;
      const vsize = m.raw.length + lineCount;
      const name = `${mtime.getTime() / 1000}.M${n}P1.harness,S=${m.raw.length},W=${vsize}:2,${m.flags}`;
      await writeFile(path.join(maildir, 'cur', name), m.raw);
      written += 1;
      bytes += vsize;
    }
  };
  await Promise.all(Array.from({ length: 32 }, writer));
  // Same mtime everywhere (INTERNALDATE); then the mail user owns it all.
  await execFileP('find', [
    path.join(maildir, 'cur'),
    '-type',
    'f',
    '-exec',
    'touch',
    '-d',
    mtime.toISOString(),
    '{}',
    '+',
  ]);
  await execFileP('chown', ['-R', 'vmail:vmail', home]);
  await server.doveadm('mailbox', 'status', '-u', user, 'messages', 'INBOX');
  return { messages: written, bytes };
}

/** STATUS MESSAGES of `user`'s INBOX, asked of Dovecot directly (doveadm), not over IMAP. */
export async function inboxMessageCount(server: DovecotServer, user: string): Promise<number> {
  const out = await server.doveadm('mailbox', 'status', '-u', user, 'messages', 'INBOX');
  return Number(/messages=(\d+)/.exec(out)?.[1] ?? -1);
}
