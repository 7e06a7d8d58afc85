/**
 * What a folder holds, without bodies: `UID FETCH (UID FLAGS INTERNALDATE
 * RFC822.SIZE BODY.PEEK[HEADER.FIELDS (...)])` in chunks of sequence numbers,
 * each message reduced to a MessageMeta with its identity. The source is
 * opened with EXAMINE (read-only, nothing can change there), the destination
 * with SELECT (its PERMANENTFLAGS tell which flags it keeps).
 */
import type { FetchMessageObject, ImapFlow, MailboxObject } from 'imapflow';
import { identityFetchHeaders, messageIdentity } from './identity.js';
import type { SideState } from './state.js';
import type { MessageMeta } from './types.js';

/** Messages per FETCH command: bounds the size of one response, keeps the pipeline busy. */
const LIST_CHUNK = 2000;

export interface FolderListing {
  messages: MessageMeta[];
  /** The folder's state when it was opened (for the delta state file). */
  state: SideState;
  /** PERMANENTFLAGS of the folder, when the server sent them. */
  permanentFlags?: string[];
  /** APPENDLIMIT of the folder (RFC 7889), when announced. */
  appendLimit?: number;
  readOnly: boolean;
}

export interface ListOptions {
  readOnly: boolean;
  identityHeaders: string[];
}

export async function listFolder(client: ImapFlow, path: string, options: ListOptions): Promise<FolderListing> {
  const mailbox = await client.mailboxOpen(path, { readOnly: options.readOnly });
  const headers = identityFetchHeaders(options.identityHeaders);
  const messages: MessageMeta[] = [];
  const seen = new Set<number>();
  for (let start = 1; start <= mailbox.exists; start += LIST_CHUNK) {
    const end = Math.min(mailbox.exists, start + LIST_CHUNK - 1);
    const query = { uid: true, flags: true, internalDate: true, size: true, headers };
    for await (const message of client.fetch(`${start}:${end}`, query)) {
      // A concurrent expunge can shift sequence numbers between chunks: never list a UID twice.
      if (seen.has(message.uid)) continue;
      seen.add(message.uid);
      messages.push(toMeta(message, options.identityHeaders));
    }
  }
  messages.sort((a, b) => a.uid - b.uid);
  return {
    messages,
    state: mailboxState(mailbox),
    permanentFlags: mailbox.permanentFlags ? [...mailbox.permanentFlags] : undefined,
    appendLimit: mailbox.appendlimit,
    readOnly: mailbox.readOnly ?? options.readOnly,
  };
}

/**
 * The folder as it is now, reusing an earlier listing of it (the verification
 * after a copy): UID SEARCH ALL tells which known messages are still there,
 * and only the UIDs the earlier listing did not have are fetched. A new
 * UIDVALIDITY means a full listing.
 */
export async function refreshListing(
  client: ImapFlow,
  path: string,
  earlier: FolderListing,
  options: ListOptions,
): Promise<FolderListing> {
  const mailbox = await client.mailboxOpen(path, { readOnly: options.readOnly });
  const state = mailboxState(mailbox);
  if (state.uidValidity !== earlier.state.uidValidity) return listFolder(client, path, options);
  const uids = mailbox.exists > 0 ? await client.search({ all: true }, { uid: true }) : [];
  if (!Array.isArray(uids)) return listFolder(client, path, options);
  const present = new Set(uids);
  const known = new Set(earlier.messages.map((m) => m.uid));
  const messages = earlier.messages.filter((m) => present.has(m.uid));
  const fresh = uids.filter((uid) => !known.has(uid)).sort((a, b) => a - b);
  const headers = identityFetchHeaders(options.identityHeaders);
  for (let start = 0; start < fresh.length; start += LIST_CHUNK) {
    const range = fresh.slice(start, start + LIST_CHUNK).join(',');
    const query = { uid: true, flags: true, internalDate: true, size: true, headers };
    for await (const message of client.fetch(range, query, { uid: true })) {
      if (known.has(message.uid)) continue;
      known.add(message.uid);
      messages.push(toMeta(message, options.identityHeaders));
    }
  }
  messages.sort((a, b) => a.uid - b.uid);
  return {
    messages,
    state,
    permanentFlags: mailbox.permanentFlags ? [...mailbox.permanentFlags] : earlier.permanentFlags,
    appendLimit: mailbox.appendlimit ?? earlier.appendLimit,
    readOnly: mailbox.readOnly ?? options.readOnly,
  };
}

/** Message count and total size of a folder (folderSizesOnly): only UID and RFC822.SIZE are fetched. */
export async function folderSize(client: ImapFlow, path: string): Promise<{ messages: number; bytes: number }> {
  const mailbox = await client.mailboxOpen(path, { readOnly: true });
  let bytes = 0;
  let messages = 0;
  if (mailbox.exists > 0) {
    for await (const message of client.fetch('1:*', { uid: true, size: true })) {
      messages += 1;
      bytes += message.size ?? 0;
    }
  }
  return { messages, bytes };
}

export function mailboxState(mailbox: MailboxObject): SideState {
  return {
    uidValidity: mailbox.uidValidity.toString(),
    uidNext: mailbox.uidNext,
    messages: mailbox.exists,
    ...(mailbox.highestModseq !== undefined && !mailbox.noModseq
      ? { highestModseq: mailbox.highestModseq.toString() }
      : {}),
  };
}

function toMeta(message: FetchMessageObject, identityHeaders: string[]): MessageMeta {
  const size = message.size ?? 0;
  const internalDate = toDate(message.internalDate);
  const flags = [...(message.flags ?? [])].filter((flag) => flag.toLowerCase() !== '\\recent');
  const identity = messageIdentity(message.headers ?? Buffer.alloc(0), { size, internalDate }, identityHeaders);
  return { uid: message.uid, size, internalDate, flags, identity };
}

function toDate(value: Date | string | undefined): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return new Date(0);
}
