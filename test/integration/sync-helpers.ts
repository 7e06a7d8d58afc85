/**
 * Shared pieces of the sync-*.test.ts files: specs for a user pair, a logger
 * that captures the engine's JSON events, message builders, and the
 * "destination == source" check that lists both servers independently
 * (test/harness/mailbox.ts), never trusting the engine's counters.
 */
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { expect } from 'vitest';
import type { Summary, SyncEvent } from '../../src/api/events.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import type { DovecotServer } from '../harness/dovecot.js';
import { type ListedFolder, listMailbox, messageMultiset, withClient } from '../harness/mailbox.js';

let userCounter = 0;
/** A fresh user name (each test gets empty mailboxes on shared servers). */
export function uniqueUser(prefix: string): string {
  userCounter += 1;
  return `${prefix}${userCounter}x${randomBytes(3).toString('hex')}`;
}

export interface UserPair {
  source: DovecotServer;
  sourceUser: string;
  destination: DovecotServer;
  destinationUser: string;
}

export async function newUsers(source: DovecotServer, destination: DovecotServer): Promise<UserPair> {
  const sourceUser = uniqueUser('src');
  const destinationUser = uniqueUser('dst');
  await source.addUser(sourceUser, `pw-${randomBytes(6).toString('hex')}`);
  await destination.addUser(destinationUser, `pw-${randomBytes(6).toString('hex')}`);
  await Promise.all([untilLoginWorks(source, sourceUser), untilLoginWorks(destination, destinationUser)]);
  return { source, sourceUser, destination, destinationUser };
}

/**
 * Dovecot reloads its passwd-file when the mtime (seconds) or the size changes: a user added
 * in the same second as the previous one, with a same-length line, is not seen at once.
 */
async function untilLoginWorks(server: DovecotServer, user: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await withClient(server, user, async () => {});
      return;
    } catch (err) {
      if (attempt >= 30) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function specFor(users: UserPair, overrides: Partial<MailSyncSpec> = {}): Promise<MailSyncSpec> {
  return {
    source: await users.source.endpoint(users.sourceUser),
    destination: await users.destination.endpoint(users.destinationUser),
    ...overrides,
  };
}

export type CapturedEvent = SyncEvent & { level: number; msg: string };

export interface Capture {
  logger: Logger;
  events: CapturedEvent[];
  /** Every raw line, to check that secrets never appear. */
  lines: string[];
  of<E extends SyncEvent['event']>(event: E): Extract<CapturedEvent, { event: E }>[];
}

/** A logger that keeps the engine's events; `onEvent` sees each one as it is emitted (to abort mid-run...). */
export function captureLogger(onEvent?: (event: CapturedEvent) => void): Capture {
  const events: CapturedEvent[] = [];
  const lines: string[] = [];
  const handle = (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      const parsed = JSON.parse(line) as CapturedEvent;
      if ('event' in parsed) {
        events.push(parsed);
        onEvent?.(parsed);
      }
    }
  };
  // pino writes each line synchronously to any object with a write(string) method.
  const logger = pino({ level: 'info' }, { write: handle });
  return {
    logger,
    events,
    lines,
    of: <E extends SyncEvent['event']>(event: E) =>
      events.filter((e) => e.event === event) as Extract<CapturedEvent, { event: E }>[],
  };
}

export interface MessageSpec {
  messageId?: string | null;
  subject?: string;
  from?: string;
  date?: string;
  body?: string;
  /** Extra header lines, without CRLF. */
  headers?: string[];
}

let messageCounter = 0;
/** An RFC 5322 message with CRLF line ends (what IMAP servers store). */
export function makeMessage(spec: MessageSpec = {}): Buffer {
  messageCounter += 1;
  const lines = [
    `From: ${spec.from ?? 'Alice <alice@example.org>'}`,
    'To: Bob <bob@example.net>',
    `Subject: ${spec.subject ?? `message ${messageCounter}`}`,
    `Date: ${spec.date ?? 'Tue, 04 Mar 2025 10:00:00 +0000'}`,
  ];
  if (spec.messageId !== null) {
    lines.push(`Message-ID: ${spec.messageId ?? `<m${messageCounter}.${randomBytes(4).toString('hex')}@example.org>`}`);
  }
  lines.push(...(spec.headers ?? []), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '');
  lines.push(spec.body ?? `Body of message ${messageCounter}.`, '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** The folders of a listing by path. */
export function byPath(listing: ListedFolder[]): Map<string, ListedFolder> {
  return new Map(listing.map((f) => [f.path, f]));
}

/**
 * Lists both servers and checks, for each [sourcePath, destinationPath], that
 * the destination folder holds exactly the source folder's messages (bytes,
 * flags, INTERNALDATE, duplicate copies). Returns both listings.
 */
export async function expectMirrored(
  users: UserPair,
  folders: ReadonlyArray<readonly [string, string]>,
): Promise<{ source: Map<string, ListedFolder>; destination: Map<string, ListedFolder> }> {
  const [source, destination] = await Promise.all([
    listMailbox(users.source, users.sourceUser).then(byPath),
    listMailbox(users.destination, users.destinationUser).then(byPath),
  ]);
  for (const [sourcePath, destinationPath] of folders) {
    expect(source.has(sourcePath), `source folder ${sourcePath} exists`).toBe(true);
    expect(destination.has(destinationPath), `destination folder ${destinationPath} exists`).toBe(true);
    expect(messageMultiset(destination.get(destinationPath)), `${sourcePath} -> ${destinationPath}`).toEqual(
      messageMultiset(source.get(sourcePath)),
    );
  }
  return { source, destination };
}

export function expectSuccess(summary: Summary): void {
  expect(summary, summary.message).toMatchObject({ verdict: 'success', reason: 'Succeeded', exitCode: 0 });
}
