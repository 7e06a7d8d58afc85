/**
 * The raw APPEND writer (src/sync/imap-raw) against real Dovecot over real
 * TLS. Every check lists the mailbox back with an independent client
 * (imapflow, test/harness/mailbox.ts) and compares sha256 of the bytes,
 * flags and INTERNALDATE: nothing here trusts the writer's own answers.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ConnectError, TlsError } from '../../src/sync/errors.js';
import { Appender, type AppenderOptions, type AppendMessage } from '../../src/sync/imap-raw/appender.js';
import type { ResolvedEndpoint } from '../../src/sync/types.js';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../harness/dovecot.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { createFolder, type ListedFolder, listMailbox, messageMultiset } from '../harness/mailbox.js';

const logger = pino({ level: process.env.MAILSYNC_TEST_LOG ?? 'silent' });
const APPEND_LIMIT = 1024 * 1024;

let pair: DovecotPair;
let server: DovecotServer; // no APPENDLIMIT, '.' separator, INBOX. prefix
let limited: DovecotServer; // APPENDLIMIT=1 MiB, '/' separator, no prefix
let userCounter = 0;
const USERS = 16;

beforeAll(async () => {
  pair = await startDovecotPair({ b: { appendLimit: APPEND_LIMIT } });
  server = pair.a;
  limited = pair.b;
  // All users up front: Dovecot's passwd-file is re-read at most once per second
  // (passwd_file_sync), so a user added just after a login may not exist yet.
  for (let i = 1; i <= USERS; i++) {
    await server.addUser(`append${i}`, `pw-${i}-"quoted"\\back`);
    await limited.addUser(`append${i}`, `pw-${i}-"quoted"\\back`);
  }
});

afterAll(async () => {
  await pair?.stop();
});

/** A user of its own for each test, so listings show only that test's mail. */
async function newUser(_on: DovecotServer): Promise<string> {
  userCounter += 1;
  if (userCounter > USERS) throw new Error('raise USERS');
  return `append${userCounter}`;
}

function endpoint(on: DovecotServer, user: string, overrides: Partial<ResolvedEndpoint> = {}): ResolvedEndpoint {
  return {
    side: 'destination',
    host: on.host,
    port: on.implicitTlsPort,
    security: 'implicit',
    tls: { ca: [on.caPem] },
    user,
    mechanism: 'PLAIN',
    secret: async () => on.password(user),
    connectTimeoutMs: 10_000,
    commandTimeoutMs: 60_000,
    ...overrides,
  };
}

async function withAppender<T>(
  resolved: ResolvedEndpoint,
  options: Partial<AppenderOptions>,
  fn: (appender: Appender) => Promise<T>,
): Promise<T> {
  const appender = await Appender.open(resolved, { logger, ...options });
  try {
    return await fn(appender);
  } finally {
    await appender.close();
  }
}

const KEYWORDS = ['$Forwarded', '$Label1', 'Project_X', 'NonJunk', '$MDNSent'];
const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Draft', '\\Deleted'];

/** A deterministic CRLF message of about `size` bytes with 8-bit UTF-8 text. */
function makeMessage(index: number, size = 2_000, tag = 'm'): Buffer {
  const header = [
    `From: "Zoë Sender" <sender${index}@example.org>`,
    'To: rcpt@example.org',
    `Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= ${tag} ${index}`,
    `Message-ID: <${tag}-${index}@example.org>`,
    'Date: Tue, 05 Mar 2024 07:08:09 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    '',
  ].join('\r\n');
  const line = `Grüße aus Köln, ${tag} #${index}: 日本語 ---- 0123456789 abcdefghijklmnopqrstuvwxyz\r\n`;
  const head = Buffer.from(header, 'utf8');
  const bodySize = Math.max(0, size - head.length);
  const body = Buffer.alloc(bodySize - (bodySize % Buffer.byteLength(line)), line, 'utf8');
  return Buffer.concat([head, body, Buffer.from('-- \r\nend\r\n')]);
}

function flagsFor(index: number): string[] {
  const flags: string[] = [];
  for (const [bit, flag] of SYSTEM_FLAGS.entries()) if (index & (1 << bit)) flags.push(flag);
  flags.push(KEYWORDS[index % KEYWORDS.length]!);
  if (index % 7 === 0) flags.push('\\Recent'); // must be left out, not break the command
  return flags;
}

function dateFor(index: number): Date {
  return new Date(Date.UTC(2015 + (index % 9), index % 12, 1 + (index % 28), index % 24, index % 60, (index * 7) % 60));
}

function messages(count: number, size = 2_000, tag = 'm'): AppendMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    raw: makeMessage(i, size, tag),
    flags: flagsFor(i),
    internalDate: dateFor(i),
  }));
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** What the listing must show for these messages (same shape as messageMultiset). */
function expectedMultiset(list: AppendMessage[]): string[] {
  return list
    .map((m) => {
      const flags = m.flags.filter((f) => f !== '\\Recent').sort();
      return `${sha256(m.raw)} ${flags.join(',')} ${m.internalDate.toISOString()}`;
    })
    .sort();
}

function folder(listing: ListedFolder[], path: string): ListedFolder {
  const found = listing.find((f) => f.path === path);
  if (!found) throw new Error(`folder ${path} not in listing: ${listing.map((f) => f.path).join(', ')}`);
  return found;
}

/** Files left in any maildir tmp/ of the user: where Dovecot writes a message before committing it. */
async function maildirTmpFiles(on: DovecotServer, user: string): Promise<string[]> {
  const entries = await readdir(path.join(on.dir, 'mail', user), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && path.basename(e.parentPath) === 'tmp').map((e) => e.name);
}

/**
 * Wait until Dovecot logged that the user's session died inside APPEND (the
 * transaction is rolled back by then), and return that line as evidence.
 */
async function waitForCutAppendLog(on: DovecotServer, user: string): Promise<string> {
  const pattern = new RegExp(`imap\\(${user}\\).*Disconnected.*APPEND.*`);
  for (let i = 0; i < 300; i++) {
    const line = pattern.exec(await on.log())?.[0];
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no "Disconnected ... APPEND" of ${user} in the Dovecot log`);
}

describe('raw APPEND writer on Dovecot', () => {
  it('sends a batch of 50 as ONE MULTIAPPEND with LITERAL+ and keeps bytes, flags, keywords, dates; returns APPENDUIDs', async () => {
    const user = await newUser(server);
    const target = server.folder('Target');
    await createFolder(server, user, target);
    const batch = messages(50, 3_000);
    const { results, stats, features } = await withAppender(endpoint(server, user), {}, async (appender) => ({
      results: await appender.appendBatch(target, batch),
      stats: { ...appender.stats },
      features: appender.features,
    }));
    expect(features).toMatchObject({ multiappend: true, literalPlus: true, uidplus: true });
    expect(stats).toMatchObject({ commands: 1, messages: 50, synchronizingLiterals: 0, nonSynchronizingLiterals: 50 });
    expect(results.every((r) => r.ok)).toBe(true);
    const listed = folder(await listMailbox(server, user), target);
    expect(messageMultiset(listed)).toEqual(expectedMultiset(batch));
    // APPENDUID: the UIDs given back are the UIDs of those very messages.
    const uidToHash = new Map(listed.messages.map((m) => [m.uid, m.sha256]));
    results.forEach((result, i) => {
      expect(result.ok && result.uid !== undefined && uidToHash.get(result.uid)).toBe(sha256(batch[i]!.raw));
    });
  });

  it('synchronizing literals (forced) and pipelined single APPENDs give the same mail', async () => {
    const user = await newUser(server);
    const target = server.folder('Sync');
    await createFolder(server, user, target);
    const first = messages(12, 6_000, 'sync');
    const second = messages(12, 6_000, 'single');
    const syncStats = await withAppender(endpoint(server, user), { literals: 'synchronizing' }, async (appender) => {
      expect((await appender.appendBatch(target, first)).every((r) => r.ok)).toBe(true);
      return { ...appender.stats };
    });
    expect(syncStats).toMatchObject({ commands: 1, synchronizingLiterals: 12, nonSynchronizingLiterals: 0 });
    const singleStats = await withAppender(endpoint(server, user), { multiappend: false }, async (appender) => {
      const results = await appender.appendBatch(target, second);
      expect(results.every((r) => r.ok && typeof r.uid === 'number')).toBe(true);
      return { ...appender.stats };
    });
    expect(singleStats).toMatchObject({ commands: 12, synchronizingLiterals: 0, nonSynchronizingLiterals: 12 });
    const listed = folder(await listMailbox(server, user), target);
    expect(messageMultiset(listed)).toEqual(expectedMultiset([...first, ...second]));
  });

  it('APPENDLIMIT: an oversized message is refused without being sent, the rest of the batch goes in', async () => {
    const user = await newUser(limited);
    const target = limited.folder('Limited');
    await createFolder(limited, user, target);
    const batch = messages(5, 4_000, 'lim');
    batch[2] = { ...batch[2]!, raw: makeMessage(2, APPEND_LIMIT + 200_000, 'big') };
    const { results, stats, limit } = await withAppender(endpoint(limited, user), {}, async (appender) => ({
      results: await appender.appendBatch(target, batch),
      stats: { ...appender.stats },
      limit: appender.features.appendLimit,
    }));
    expect(limit).toBe(APPEND_LIMIT);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'ok', 'TooBig', 'ok', 'ok']);
    expect(stats).toMatchObject({ commands: 1, messages: 4 });
    const listed = folder(await listMailbox(limited, user), target);
    expect(messageMultiset(listed)).toEqual(expectedMultiset(batch.filter((_, i) => i !== 2)));
  });

  it('a MULTIAPPEND refused with NO is retried one by one: only the bad message fails', async () => {
    const user = await newUser(server);
    const target = server.folder('Isolate');
    await createFolder(server, user, target);
    const batch = messages(6, 2_500, 'iso');
    // Dovecot refuses to save a zero-byte message: the whole MULTIAPPEND fails (atomic), nothing is stored.
    batch[3] = { ...batch[3]!, raw: Buffer.alloc(0) };
    const { results, stats } = await withAppender(endpoint(server, user), {}, async (appender) => ({
      results: await appender.appendBatch(target, batch),
      stats: { ...appender.stats },
    }));
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'ok', 'ok', 'Rejected', 'ok', 'ok']);
    expect(stats.commands).toBe(1 + 6);
    const listed = folder(await listMailbox(server, user), target);
    expect(messageMultiset(listed)).toEqual(expectedMultiset(batch.filter((_, i) => i !== 3)));
  });

  it('a missing mailbox gives TryCreate for the batch and the connection stays in sync (LITERAL+ data swallowed)', async () => {
    const user = await newUser(server);
    const target = server.folder('Later');
    await withAppender(endpoint(server, user), {}, async (appender) => {
      const missing = await appender.appendBatch(server.folder('Missing'), messages(20, 5_000, 'miss'));
      expect(missing.every((r) => !r.ok && r.reason === 'TryCreate')).toBe(true);
      expect(appender.stats.commands).toBe(1); // no pointless one-by-one retry for a mailbox-level refusal
      await createFolder(server, user, target);
      const batch = messages(3, 5_000, 'after');
      expect((await appender.appendBatch(target, batch)).every((r) => r.ok)).toBe(true);
    });
    const listing = await listMailbox(server, user);
    expect(listing.some((f) => f.path === server.folder('Missing'))).toBe(false);
    expect(folder(listing, target).messages).toHaveLength(3);
  });

  it('8-bit bodies and IMAP-looking lines inside a literal arrive byte-identical; a UTF-8 mailbox name works', async () => {
    const user = await newUser(server);
    const target = server.folder('Entwürfe', '日本語');
    await createFolder(server, user, target);
    const tricky = Buffer.concat([
      Buffer.from('Subject: tricky\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'),
      Buffer.from([0xe9, 0xe8, 0xff, 0x80, 0x0d, 0x0a]), // raw 8-bit latin1
      Buffer.from('R99 OK [APPENDUID 1 1] fake\r\n* BYE fake\r\n{5}\r\n{10+}\r\n.\r\n+ \r\n'),
      Buffer.from('no final newline after this'),
    ]);
    const batch: AppendMessage[] = [
      { raw: tricky, flags: ['\\Seen'], internalDate: dateFor(1) },
      ...messages(3, 70_000, 'utf8'),
    ];
    await withAppender(endpoint(server, user), {}, async (appender) => {
      expect((await appender.appendBatch(target, batch)).every((r) => r.ok)).toBe(true);
    });
    const listed = folder(await listMailbox(server, user), target);
    expect(messageMultiset(listed)).toEqual(expectedMultiset(batch));
  });

  it('STARTTLS, implicit TLS with COMPRESS=DEFLATE, and admin login (authUser) all append correctly', async () => {
    const user = await newUser(server);
    const target = server.folder('Paths');
    await createFolder(server, user, target);
    const starttls = messages(5, 8_000, 'starttls');
    const compressed = messages(50, 8_000, 'deflate');
    const admin = messages(2, 8_000, 'admin');
    await withAppender(
      endpoint(server, user, { port: server.starttlsPort, security: 'starttls' }),
      {},
      async (appender) => {
        expect(appender.compressed).toBe(false);
        expect((await appender.appendBatch(target, starttls)).every((r) => r.ok)).toBe(true);
      },
    );
    await withAppender(endpoint(server, user), { compress: true }, async (appender) => {
      expect(appender.features.compressDeflate).toBe(true);
      expect(appender.compressed).toBe(true);
      expect((await appender.appendBatch(target, compressed)).every((r) => r.ok)).toBe(true);
      // The connection stays usable after a big compressed command.
      expect((await appender.appendBatch(target, compressed.slice(0, 1))).every((r) => r.ok)).toBe(true);
    });
    const asAdmin = endpoint(server, user, {
      authUser: server.masterUser,
      secret: async () => server.masterPassword,
    });
    await withAppender(asAdmin, {}, async (appender) => {
      expect((await appender.appendBatch(target, admin)).every((r) => r.ok)).toBe(true);
    });
    const listed = folder(await listMailbox(server, user), target);
    expect(messageMultiset(listed)).toEqual(expectedMultiset([...starttls, ...compressed, compressed[0]!, ...admin]));
  });

  it('LOGIN and XOAUTH2 authenticate; failures are typed and never carry the secret', async () => {
    const user = await newUser(server);
    const target = server.folder('Auth');
    await createFolder(server, user, target);
    await withAppender(endpoint(server, user, { mechanism: 'LOGIN' }), {}, async (appender) => {
      expect((await appender.appendBatch(target, messages(1, 1_000, 'login'))).every((r) => r.ok)).toBe(true);
    });
    const token = pair.oauth.issue(user);
    await withAppender(endpoint(server, user, { mechanism: 'XOAUTH2', secret: async () => token }), {}, async (a) => {
      expect((await a.appendBatch(target, messages(1, 1_000, 'oauth'))).every((r) => r.ok)).toBe(true);
    });

    const wrongSecret = 'Wr0ng-Secret-"ü"-value';
    for (const mechanism of ['LOGIN', 'PLAIN', 'XOAUTH2'] as const) {
      const failure = await Appender.open(endpoint(server, user, { mechanism, secret: async () => wrongSecret }), {
        logger,
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AuthError);
      expect((failure as AuthError).side).toBe('destination');
      expect(String((failure as Error).message)).not.toContain(wrongSecret);
      expect(JSON.stringify(failure)).not.toContain(wrongSecret);
    }
    const otherCa = await readFile(pair.certs.otherCaFile, 'utf8');
    const untrusted = await Appender.open(endpoint(server, user, { tls: { ca: [otherCa] } }), {
      logger,
    }).catch((error: unknown) => error);
    expect(untrusted).toBeInstanceOf(TlsError);
    expect(folder(await listMailbox(server, user), target).messages).toHaveLength(2);
  });
});

describe('abort: nothing partial on the server', () => {
  const BIG = 20 * 1024 * 1024;

  /** A throttle hook that aborts once `after` message bytes have been handed to the socket. */
  function abortAfter(after: number): { controller: AbortController; throttle: (bytes: number) => Promise<void> } {
    const controller = new AbortController();
    let sent = 0;
    return {
      controller,
      throttle: async (bytes) => {
        if (sent >= after) controller.abort();
        sent += bytes;
      },
    };
  }

  it('abort mid 20 MB literal of a MULTIAPPEND: the connection is cut and NONE of the batch is stored', async () => {
    const user = await newUser(server);
    const target = server.folder('AbortMulti');
    await createFolder(server, user, target);
    const small = messages(2, 50_000, 'before');
    const big: AppendMessage = { raw: makeMessage(99, BIG, 'big'), flags: [], internalDate: dateFor(99) };
    const { controller, throttle } = abortAfter(100_000 + 5 * 1024 * 1024);
    const appender = await Appender.open(endpoint(server, user), { logger, throttle });
    const results = await appender.appendBatch(target, [...small, big], controller.signal);
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['Aborted', 'Aborted', 'Aborted']);
    expect(appender.usable).toBe(false);
    await appender.close();
    // e.g. "Disconnected: Connection closed (While APPENDing: 3 msgs, 0 secs, 5308416/20971461 bytes)"
    const evidence = await waitForCutAppendLog(server, user);
    expect(evidence).toMatch(/While APPENDing: 3 msgs/);
    logger.info({ evidence }, 'dovecot saw the cut');
    // Complete literals of an unfinished MULTIAPPEND are not committed either (atomic).
    expect(folder(await listMailbox(server, user), target).messages).toEqual([]);
    // Nor is anything left half-written on disk.
    expect(await maildirTmpFiles(server, user)).toEqual([]);
  });

  it('abort mid 20 MB literal of a single APPEND: nothing stored; earlier whole messages are whole', async () => {
    const user = await newUser(server);
    const target = server.folder('AbortSingle');
    await createFolder(server, user, target);
    const small = messages(2, 50_000, 'before');
    const big: AppendMessage = { raw: makeMessage(98, BIG, 'big'), flags: [], internalDate: dateFor(98) };
    const { controller, throttle } = abortAfter(100_000 + 8 * 1024 * 1024);
    const appender = await Appender.open(endpoint(server, user), { logger, throttle, multiappend: false });
    const results = await appender.appendBatch(target, [...small, big], controller.signal);
    expect(results[2]).toMatchObject({ ok: false, reason: 'Aborted' });
    await appender.close();
    await waitForCutAppendLog(server, user);
    const listed = folder(await listMailbox(server, user), target);
    // Each small message is either reported ok (and present) or indeterminate (present or absent), always whole.
    const present = new Set(listed.messages.map((m) => m.sha256));
    expect(listed.messages.every((m) => small.some((s) => sha256(s.raw) === m.sha256))).toBe(true);
    results.slice(0, 2).forEach((r, i) => {
      if (r.ok) expect(present.has(sha256(small[i]!.raw))).toBe(true);
      else expect(r.reason).toBe('Indeterminate');
    });
    expect(present.has(sha256(big.raw))).toBe(false);
    expect(await maildirTmpFiles(server, user)).toEqual([]);
  });

  it('abort with a small remainder: the literal is finished, the MULTIAPPEND is ended there, the prefix is stored whole', async () => {
    const user = await newUser(server);
    const target = server.folder('AbortPrefix');
    await createFolder(server, user, target);
    const batch = messages(4, 100_000, 'prefix');
    batch[1] = { ...batch[1]!, raw: makeMessage(1, 1_500_000, 'prefix-mid') };
    const { controller, throttle } = abortAfter(batch[0]!.raw.length + 64 * 1024);
    await withAppender(endpoint(server, user), { throttle }, async (appender) => {
      const results = await appender.appendBatch(target, batch, controller.signal);
      expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'ok', 'Aborted', 'Aborted']);
      expect(results.slice(0, 2).every((r) => r.ok && typeof r.uid === 'number')).toBe(true);
      expect(appender.usable).toBe(true); // clean stop: LOGOUT follows
    });
    const listed = folder(await listMailbox(server, user), target);
    expect(messageMultiset(listed)).toEqual(expectedMultiset(batch.slice(0, 2)));
  });

  it('a network cut mid-MULTIAPPEND (no abort) rejects with ConnectError and stores none of the batch', async () => {
    const user = await newUser(server);
    const target = server.folder('Dropped');
    await createFolder(server, user, target);
    const proxy = await startFaultProxy({ host: server.host, port: server.implicitTlsPort });
    try {
      const appender = await Appender.open(endpoint(server, user, { host: proxy.host, port: proxy.port }), { logger });
      const cut = proxy.dropAfterClientBytes(3 * 1024 * 1024);
      const failure = await appender.appendBatch(target, messages(10, 1024 * 1024, 'drop')).catch((e: unknown) => e);
      await cut;
      expect(failure).toBeInstanceOf(ConnectError);
      expect((failure as ConnectError).side).toBe('destination');
      expect(appender.usable).toBe(false);
      await appender.close();
      await waitForCutAppendLog(server, user);
      expect(folder(await listMailbox(server, user), target).messages).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('an already aborted signal sends nothing', async () => {
    const user = await newUser(server);
    const target = server.folder('AbortBefore');
    await createFolder(server, user, target);
    await withAppender(endpoint(server, user), {}, async (appender) => {
      const results = await appender.appendBatch(target, messages(3), AbortSignal.abort());
      expect(results.every((r) => !r.ok && r.reason === 'Aborted')).toBe(true);
      expect(appender.stats.commands).toBe(0);
    });
    expect(folder(await listMailbox(server, user), target).messages).toEqual([]);
  });
});
