/**
 * Proves the Dovecot harness (test/harness) is what other tests rely on:
 * two real servers with the designed listeners, TLS, namespaces, special-use
 * folders, capabilities, logins (password, master user, OAuth2), faithful
 * listings, crash/restart and a connection-dropping proxy.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type DovecotPair,
  type DovecotServer,
  reapOrphans,
  startDovecot,
  startDovecotPair,
} from '../harness/dovecot.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { appendMessage, connectClient, createFolder, listMailbox, withClient } from '../harness/mailbox.js';

/** Reads the greeting line of a plaintext or TLS connection. */
function greeting(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
  });
}

function tlsError(options: tls.ConnectionOptions): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options, () => {
      socket.destroy();
      reject(new Error('TLS handshake unexpectedly succeeded'));
    });
    socket.on('error', resolve);
  });
}

let pair: DovecotPair;
beforeAll(async () => {
  pair = await startDovecotPair();
  await pair.a.addUser('alice', 'alice-pw');
  await pair.b.addUser('bob', 'bob-pw');
});
afterAll(async () => {
  await pair?.stop();
});

describe.each(['a', 'b'] as const)('instance %s', (which) => {
  const server = (): DovecotServer => pair[which];
  const user = () => (which === 'a' ? 'alice' : 'bob');

  test('implicit TLS port: verified handshake with the test CA, capabilities in the greeting', async () => {
    const line = await greeting(
      tls.connect({ host: server().host, port: server().implicitTlsPort, ca: [server().caPem] }),
    );
    expect(line).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN/);
    expect(line).not.toContain('STARTTLS');
  });

  test('STARTTLS port announces STARTTLS; the plaintext port does not', async () => {
    const starttls = await greeting(net.connect({ host: server().host, port: server().starttlsPort }));
    expect(starttls).toContain(' STARTTLS ');
    const plain = await greeting(net.connect({ host: server().plainHost, port: server().plainPort }));
    expect(plain).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 /);
    expect(plain).not.toContain('STARTTLS');
  });

  test('post-login capabilities include what the engine uses', async () => {
    const caps = await withClient(server(), user(), async (c) => [...c.capabilities.keys()]);
    for (const cap of [
      'IMAP4rev1',
      'LITERAL+',
      'MULTIAPPEND',
      'CONDSTORE',
      'QRESYNC',
      'SPECIAL-USE',
      'NAMESPACE',
      'COMPRESS=DEFLATE',
      'ID',
      'UIDPLUS',
      'LIST-EXTENDED',
    ]) {
      expect(caps).toContain(cap);
    }
  });

  test('namespace, separator and special-use folders are as designed', async () => {
    const { namespace, folders } = await withClient(server(), user(), async (c) => ({
      namespace: c.namespace,
      folders: await c.list(),
    }));
    expect(namespace).toMatchObject({ prefix: server().prefix, delimiter: server().separator });
    const specialUse = Object.fromEntries(
      folders.filter((f) => f.specialUseSource === 'extension').map((f) => [f.specialUse, f.path]),
    );
    expect(specialUse).toMatchObject({
      '\\Sent': server().specialUse.Sent,
      '\\Drafts': server().specialUse.Drafts,
      '\\Trash': server().specialUse.Trash,
      '\\Junk': server().specialUse.Junk,
      '\\Archive': server().specialUse.Archive,
    });
    expect(server().folder('Work', 'Sub')).toBe(which === 'a' ? 'INBOX.Work.Sub' : 'Work/Sub');
  });

  test('append then list: bytes, flags, keywords and INTERNALDATE come back identical', async () => {
    const folder = server().folder('Listing', 'Entwürfe');
    await createFolder(server(), user(), folder);
    const raw = 'From: a@example.test\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n\r\nbody \xe9\r\n';
    const date = new Date('2021-03-04T05:06:07Z');
    await appendMessage(server(), user(), folder, Buffer.from(raw, 'latin1'), ['\\Seen', '$Label1', 'custom'], date);
    const listing = await listMailbox(server(), user());
    const f = listing.find((x) => x.path === folder);
    expect(f).toBeDefined();
    expect(f!.subscribed).toBe(true);
    expect(f!.messages).toHaveLength(1);
    const m = f!.messages[0]!;
    const { createHash } = await import('node:crypto');
    expect(m.sha256).toBe(createHash('sha256').update(Buffer.from(raw, 'latin1')).digest('hex'));
    expect(m.size).toBe(Buffer.byteLength(raw, 'latin1'));
    expect(m.flags).toEqual(['$Label1', '\\Seen', 'custom']);
    expect(m.internalDate).toBe(date.toISOString());
    expect(listing.find((x) => x.path === 'INBOX')).toBeDefined();
  });

  test('master user logs in on behalf of the user (SASL PLAIN authzid)', async () => {
    const folder = server().folder('MasterCheck');
    await createFolder(server(), user(), folder);
    const seen = await withClient(server(), user(), async (c) => (await c.list()).map((f) => f.path), {
      asMaster: true,
    });
    expect(seen).toContain(folder);
  });

  test('OAuth2: an issued token logs in with XOAUTH2, a revoked one is refused', async () => {
    const token = pair.oauth.issue(user());
    const login = (accessToken: string) =>
      new ImapFlow({
        host: server().host,
        port: server().implicitTlsPort,
        secure: true,
        tls: { ca: [server().caPem] },
        auth: { user: user(), accessToken },
        logger: false,
      });
    const ok = login(token);
    await ok.connect();
    expect(ok.authenticated).toBeTruthy();
    await ok.logout();
    // The server's own record of the mechanism used.
    expect(await server().log()).toMatch(new RegExp(`Login: user=<${user()}>, method=XOAUTH2`));
    pair.oauth.revoke(token);
    const refused = login(token);
    refused.on('error', () => {});
    await expect(refused.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  test('certificate failure modes are reachable: mismatch host, expired host, unknown CA', async () => {
    const s = server();
    const mismatch = await tlsError({ host: s.mismatchHost, port: s.implicitTlsPort, ca: [s.caPem] });
    expect(mismatch.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    const expired = await tlsError({ host: s.expiredHost, port: s.implicitTlsPort, ca: [s.caPem] });
    expect(expired.code).toBe('CERT_HAS_EXPIRED');
    const unknown = await tlsError({ host: s.host, port: s.implicitTlsPort });
    expect(unknown.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

test('wrong password is refused', async () => {
  const client = new ImapFlow({
    host: pair.a.host,
    port: pair.a.implicitTlsPort,
    secure: true,
    tls: { ca: [pair.a.caPem] },
    auth: { user: 'alice', pass: 'wrong' },
    logger: false,
  });
  client.on('error', () => {});
  await expect(client.connect()).rejects.toMatchObject({ authenticationFailed: true });
});

test('kill() cuts connections and refuses new ones; start() brings the same server back with its mail', async () => {
  const server = await startDovecot({ name: 'crash', flavour: 'slash' });
  try {
    await server.addUser('carol', 'carol-pw');
    await appendMessage(server, 'carol', 'INBOX', 'Subject: keep me\r\n\r\nx\r\n');
    const client = await connectClient(server, 'carol');
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await server.kill();
    await closed;
    expect(server.running).toBe(false);
    const refused = new ImapFlow({
      host: server.host,
      port: server.implicitTlsPort,
      secure: true,
      tls: { ca: [server.caPem] },
      auth: { user: 'carol', pass: 'carol-pw' },
      logger: false,
    });
    refused.on('error', () => {});
    await expect(refused.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await server.start();
    const listing = await listMailbox(server, 'carol');
    expect(listing.find((f) => f.path === 'INBOX')?.messages).toHaveLength(1);
    await server.restart();
    expect((await listMailbox(server, 'carol')).find((f) => f.path === 'INBOX')?.messages).toHaveLength(1);
  } finally {
    await server.dispose();
  }
});

test('APPENDLIMIT is announced when appendLimit is set', async () => {
  const server = await startDovecot({ name: 'limit', appendLimit: 100_000 });
  try {
    await server.addUser('dave', 'dave-pw');
    // imapflow keeps APPENDLIMIT=n as the key 'APPENDLIMIT' with the value n.
    const limit = await withClient(server, 'dave', async (c) => c.capabilities.get('APPENDLIMIT'));
    expect(limit).toBe(100_000);
    await expect(
      appendMessage(server, 'dave', 'INBOX', `Subject: big\r\n\r\n${'x'.repeat(200_000)}\r\n`),
    ).rejects.toThrow();
  } finally {
    await server.dispose();
  }
});

test('TCP proxy forwards a TLS session and dropAll() cuts it', async () => {
  const proxy = await startFaultProxy({ host: pair.a.host, port: pair.a.implicitTlsPort });
  try {
    const client = new ImapFlow({
      host: proxy.host,
      port: proxy.port,
      secure: true,
      tls: { ca: [pair.a.caPem] },
      auth: { user: 'alice', pass: 'alice-pw' },
      logger: false,
    });
    client.on('error', () => {});
    await client.connect();
    expect(proxy.open).toBe(1);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    proxy.dropAll();
    await closed;
    expect(proxy.connections).toBe(1);
  } finally {
    await proxy.close();
  }
});

test('TCP proxy dropAfterClientBytes() cuts mid-APPEND; the server keeps no partial message', async () => {
  const proxy = await startFaultProxy({ host: pair.a.host, port: pair.a.implicitTlsPort });
  try {
    const client = new ImapFlow({
      host: proxy.host,
      port: proxy.port,
      secure: true,
      tls: { ca: [pair.a.caPem] },
      auth: { user: 'alice', pass: 'alice-pw' },
      logger: false,
      disableCompression: true,
    });
    client.on('error', () => {});
    await client.connect();
    const folder = pair.a.folder('Cut');
    await client.mailboxCreate(folder);
    const cut = proxy.dropAfterClientBytes(200_000);
    const big = `Subject: big\r\n\r\n${'y'.repeat(1_000_000)}\r\n`;
    await expect(client.append(folder, big)).rejects.toThrow();
    await cut;
    const listing = await listMailbox(pair.a, 'alice');
    expect(listing.find((f) => f.path === folder)?.messages).toEqual([]);
  } finally {
    await proxy.close();
  }
});

test('master user with LOGIN as "user*admin"', async () => {
  const client = new ImapFlow({
    host: pair.b.host,
    port: pair.b.implicitTlsPort,
    secure: true,
    tls: { ca: [pair.b.caPem] },
    auth: { user: `bob*${pair.b.masterUser}`, pass: pair.b.masterPassword, loginMethod: 'LOGIN' },
    logger: false,
  });
  await client.connect();
  await client.logout();
  expect(await pair.b.log()).toMatch(/Login: user=<bob>, method=PLAIN/);
});

test('reapOrphans() kills the servers of a test process that died, and only those', async () => {
  const orphan = await startDovecot({ name: 'orphan' });
  const runDir = path.dirname(orphan.dir);
  // A pid that certainly exited: the one of a finished child process.
  const deadPid = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).trim());
  writeFileSync(path.join(runDir, 'owner'), String(deadPid));
  await reapOrphans();
  expect(existsSync(runDir)).toBe(false);
  await expect(
    new Promise((resolve, reject) => {
      const s = net.connect({ host: orphan.host, port: orphan.implicitTlsPort });
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', reject);
    }),
  ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  // This process's own pair is untouched.
  expect(pair.a.running && pair.b.running).toBe(true);
  await withClient(pair.a, 'alice', async () => undefined);
});
