/** Test mail for the end-to-end syncs, and the source == destination check. */

import pino from 'pino';
import { resolveEndpoint } from '../../../src/sync/endpoint.js';
import { Appender } from '../../../src/sync/imap-raw/appender.js';
import type { DovecotPair, DovecotServer } from '../../harness/dovecot.js';
import { appendMessages, createFolder, listMailbox, messageMultiset } from '../../harness/mailbox.js';

export function testMessage(user: string, i: number, size = 2000): string {
  const body = `${'Lorem ipsum dolor sit amet, message '.repeat(Math.ceil(size / 36)).slice(0, size)}\r\n`;
  return [
    `From: Sender ${i} <sender${i}@example.org>`,
    `To: ${user}@example.com`,
    `Subject: e2e message ${i}`,
    `Date: Mon, 1 Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `Message-ID: <e2e-${user}-${i}@example.org>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\r\n');
}

/** `count` messages in INBOX and `count/2` in a subfolder "Projects". */
export async function seedMailbox(server: DovecotServer, user: string, count: number): Promise<number> {
  try {
    return await seed(server, user, count);
  } catch (error) {
    // imapflow's "Command failed" says little: add the server's answer.
    const e = error as { responseText?: string; response?: unknown; message: string };
    throw new Error(`seeding ${user}: ${e.message}: ${e.responseText ?? JSON.stringify(e.response ?? '')}`);
  }
}

/**
 * The same mailbox as seedMailbox, in MULTIAPPEND batches of 200 (the project's
 * raw APPEND writer): a 10,000-message mailbox in seconds rather than minutes
 * of one round trip per message on a busy machine. Seeding only.
 */
export async function seedMailboxBatched(server: DovecotServer, user: string, count: number): Promise<number> {
  const logger = pino({ level: 'silent' });
  const projects = server.folder('Projects');
  await createFolder(server, user, projects);
  const appender = await Appender.open(await resolveEndpoint(await server.endpoint(user), 'destination', { logger }), {
    logger,
  });
  const folders: [string, { raw: Buffer; flags: string[]; internalDate: Date }[]][] = [
    [
      'INBOX',
      Array.from({ length: count }, (_, i) => ({
        raw: Buffer.from(testMessage(user, i)),
        flags: i % 3 === 0 ? ['\\Seen'] : [],
        internalDate: new Date(Date.UTC(2024, 0, 1, 10, i % 60)),
      })),
    ],
    [
      projects,
      Array.from({ length: Math.floor(count / 2) }, (_, i) => ({
        raw: Buffer.from(testMessage(user, 10_000 + i)),
        flags: ['$Work'],
        internalDate: new Date(Date.UTC(2024, 1, 1, 9, i % 60)),
      })),
    ],
  ];
  let total = 0;
  try {
    for (const [folder, messages] of folders) {
      for (let start = 0; start < messages.length; start += 200) {
        const results = await appender.appendBatch(folder, messages.slice(start, start + 200));
        const failed = results.filter((r) => !r.ok);
        if (failed.length > 0) throw new Error(`seeding ${user}/${folder}: ${JSON.stringify(failed[0])}`);
        total += results.length;
      }
    }
  } finally {
    await appender.close();
  }
  return total;
}

async function seed(server: DovecotServer, user: string, count: number): Promise<number> {
  const inbox = Array.from({ length: count }, (_, i) => ({
    raw: testMessage(user, i),
    flags: i % 3 === 0 ? ['\\Seen'] : [],
    date: new Date(Date.UTC(2024, 0, 1, 10, i % 60)),
  }));
  await appendMessages(server, user, 'INBOX', inbox);
  const sub = Array.from({ length: Math.floor(count / 2) }, (_, i) => ({
    raw: testMessage(user, 10_000 + i),
    flags: ['$Work'],
    date: new Date(Date.UTC(2024, 1, 1, 9, i % 60)),
  }));
  await appendMessages(server, user, server.folder('Projects'), sub);
  return inbox.length + sub.length;
}

/**
 * Add the user on both servers. Dovecot's passwd-file is re-read at most once
 * per second (on a login), so a login in the same second as the previous one
 * would not know the new user yet: wait that second out.
 */
export async function addUserOnBoth(pair: DovecotPair, user: string, passwords: { a: string; b: string }) {
  await pair.a.addUser(user, passwords.a);
  await pair.b.addUser(user, passwords.b);
  await new Promise((r) => setTimeout(r, 1100));
}

/** Per-folder multisets of one mailbox, keyed by the folder name without prefix/separator. */
export async function mailboxView(server: DovecotServer, user: string): Promise<Record<string, string[]>> {
  const normalise = (path: string) =>
    (server.prefix && path.startsWith(server.prefix) ? path.slice(server.prefix.length) : path)
      .split(server.separator)
      .join('/');
  return Object.fromEntries(
    (await listMailbox(server, user))
      .filter((f) => f.messages.length > 0)
      .map((f) => [normalise(f.path), messageMultiset(f)]),
  );
}

/** Per-folder multisets of source and destination (the same user on both servers). */
export async function mailboxes(pair: DovecotPair, user: string) {
  return { source: await mailboxView(pair.a, user), destination: await mailboxView(pair.b, user) };
}
