/**
 * Test-side IMAP helpers, independent of the engine: a plain imapflow client
 * on the implicit TLS port, used to seed mailboxes and to list them back so
 * tests compare source and destination without trusting the engine.
 */
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import type { DovecotServer } from './dovecot.js';

/** What these helpers need of a server: a Dovecot instance, or Cyrus/Courier (test/harness/interop). */
export type MailboxServer = Pick<DovecotServer, 'host' | 'implicitTlsPort' | 'caPem' | 'password'> &
  Partial<Pick<DovecotServer, 'masterUser' | 'masterPassword'>>;

export interface ListedMessage {
  uid: number;
  /** sha256 (hex) of the raw message as returned by BODY.PEEK[]. */
  sha256: string;
  size: number;
  /** Sorted, without \Recent. */
  flags: string[];
  /** ISO 8601, UTC. */
  internalDate: string;
}

export interface ListedFolder {
  path: string;
  delimiter: string;
  /** Only what the server announced (SPECIAL-USE), never guessed from the name. */
  specialUse?: string;
  subscribed: boolean;
  /** LIST attributes, sorted. */
  attributes: string[];
  /** Empty for \Noselect folders. */
  messages: ListedMessage[];
}

export interface ClientOptions {
  /** Log in as the master user on behalf of `user` (SASL PLAIN authzid). */
  asMaster?: boolean;
}

export async function connectClient(
  server: MailboxServer,
  user: string,
  options: ClientOptions = {},
): Promise<ImapFlow> {
  const { masterUser, masterPassword } = server;
  if (options.asMaster && (masterUser === undefined || masterPassword === undefined)) {
    throw new Error('this server has no master user');
  }
  const auth =
    options.asMaster && masterUser !== undefined && masterPassword !== undefined
      ? { user: masterUser, pass: masterPassword, authzid: user, loginMethod: 'AUTH=PLAIN' }
      : { user, pass: server.password(user) };
  const client = new ImapFlow({
    host: server.host,
    port: server.implicitTlsPort,
    secure: true,
    tls: { ca: [server.caPem] },
    auth,
    logger: false,
    disableAutoIdle: true,
    // Listings must show the server's bytes, not a decompressed or re-encoded view.
    disableCompression: true,
  });
  // imapflow emits 'error' on a dropped connection; a test client must not crash the runner.
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function withClient<T>(
  server: MailboxServer,
  user: string,
  fn: (client: ImapFlow) => Promise<T>,
  options?: ClientOptions,
): Promise<T> {
  const client = await connectClient(server, user, options).catch(
    (error: { responseText?: string; authenticationFailed?: boolean; message: string }) => {
      throw new Error(
        `connect/login as ${user} to port ${server.implicitTlsPort ?? '?'}: ${error.authenticationFailed ? 'authentication failed: ' : ''}${error.responseText ?? error.message}`,
      );
    },
  );
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export async function createFolder(
  server: MailboxServer,
  user: string,
  path: string,
  options: { subscribe?: boolean } = {},
): Promise<void> {
  await withClient(server, user, async (client) => {
    await client.mailboxCreate(path);
    if (options.subscribe ?? true) await client.mailboxSubscribe(path);
  });
}

/** Appends one message; returns its UID (UIDPLUS). */
export async function appendMessage(
  server: MailboxServer,
  user: string,
  folder: string,
  raw: string | Buffer,
  flags: string[] = [],
  date?: Date,
): Promise<number | undefined> {
  return withClient(server, user, async (client) => {
    const result = await client.append(folder, raw, flags, date);
    return result ? result.uid : undefined;
  });
}

/** Appends many messages over one connection (creating the folder if missing). */
export async function appendMessages(
  server: MailboxServer,
  user: string,
  folder: string,
  messages: Array<{ raw: string | Buffer; flags?: string[]; date?: Date }>,
): Promise<void> {
  await withClient(server, user, async (client) => {
    const exists = (await client.list()).some((f) => f.path === folder);
    const why = (what: string) => (error: { responseText?: string; serverResponseCode?: string; message: string }) => {
      throw new Error(
        `${what} ${folder} for ${user}: ${error.serverResponseCode ?? ''} ${error.responseText ?? error.message}`,
      );
    };
    if (!exists) await client.mailboxCreate(folder).catch(why('CREATE'));
    for (const m of messages) await client.append(folder, m.raw, m.flags ?? [], m.date).catch(why('APPEND'));
  });
}

function sorted(set: Iterable<string> | undefined): string[] {
  return [...(set ?? [])].sort();
}

/** Every folder of the user with every message, folders sorted by path, messages by UID. */
export async function listMailbox(server: MailboxServer, user: string): Promise<ListedFolder[]> {
  return withClient(server, user, async (client) => {
    const folders = await client.list();
    const result: ListedFolder[] = [];
    for (const f of folders.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))) {
      const attributes = sorted(f.flags);
      const messages: ListedMessage[] = [];
      if (!f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent')) {
        const lock = await client.getMailboxLock(f.path, { readOnly: true });
        try {
          if (client.mailbox && client.mailbox.exists > 0) {
            // One FETCH; imapflow yields one message at a time (memory bounded by the biggest message).
            for await (const msg of client.fetch(
              '1:*',
              { uid: true, flags: true, internalDate: true, size: true, source: true },
              { uid: false },
            )) {
              messages.push({
                uid: msg.uid,
                sha256: createHash('sha256')
                  .update(msg.source ?? Buffer.alloc(0))
                  .digest('hex'),
                size: msg.size ?? 0,
                flags: sorted(msg.flags).filter((flag) => flag !== '\\Recent'),
                internalDate: new Date(msg.internalDate ?? 0).toISOString(),
              });
            }
          }
        } finally {
          lock.release();
        }
      }
      messages.sort((x, y) => x.uid - y.uid);
      result.push({
        path: f.path,
        delimiter: f.delimiter,
        specialUse: f.specialUseSource === 'extension' ? f.specialUse : undefined,
        subscribed: f.subscribed,
        attributes,
        messages,
      });
    }
    return result;
  });
}

/**
 * A folder's messages as a comparable multiset: one "sha256 flags internalDate"
 * line per message, sorted. Two folders hold the same mail (bytes, flags,
 * dates, duplicate copies) exactly when these arrays are equal.
 */
export function messageMultiset(folder: Pick<ListedFolder, 'messages'> | undefined): string[] {
  return (folder?.messages ?? []).map((m) => `${m.sha256} ${m.flags.join(',')} ${m.internalDate}`).sort();
}
