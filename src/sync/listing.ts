/**
 * What a folder holds, without bodies: `UID FETCH 1:* (UID FLAGS INTERNALDATE
 * RFC822.SIZE BODY.PEEK[HEADER.FIELDS (...)])` on a raw connection, each
 * message reduced to its identity digest as it arrives and kept in a compact
 * MessageList (about 40 bytes a message; no header is kept). The source is
 * opened with EXAMINE (read-only, nothing can change there), the destination
 * with SELECT (its PERMANENTFLAGS tell which flags it keeps).
 */
import { eightBitDigest, identityFetchHeaders, messageDigest } from './identity.js';
import type { FolderReader, ListedMessage, OpenedFolder } from './imap-raw/folder-reader.js';
import { MessageList } from './message-list.js';
import type { FlagRewriter } from './rewrite/flag-rewrite.js';
import type { SideState } from './state.js';

/** UIDs per listing FETCH when they are named (a command line stays well under servers' limits, 64 KB for Dovecot). */
export const LISTING_UID_CHUNK = 4000;

export interface FolderListing {
  /** Sorted by UID, each UID once. */
  messages: MessageList;
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
  /** Messages are rewritten on their way: fallback identities leave the size out (identity.ts). */
  sizeFreeIdentity?: boolean;
  /** The source's flags as the destination should have them (rewrite/flag-rewrite.ts). */
  flagRewriter?: FlagRewriter;
}

export async function listFolder(reader: FolderReader, path: string, options: ListOptions): Promise<FolderListing> {
  const opened = await reader.open(path, options.readOnly);
  const messages = new MessageList(opened.exists);
  if (opened.exists > 0) {
    const add = adder(messages, options);
    await reader.list(identityFetchHeaders(options.identityHeaders), add);
  }
  return listing(messages.byUid().trim(), opened, options);
}

/**
 * The folder as it is now, reusing an earlier listing of it (the verification
 * after a copy): the UIDs present tell which known messages are still there,
 * and only the UIDs not known yet (those just appended, among others) are
 * fetched, so what is verified is what the server holds. A new UIDVALIDITY
 * means a full listing.
 */
export async function refreshListing(
  reader: FolderReader,
  path: string,
  earlier: FolderListing,
  options: ListOptions,
): Promise<FolderListing> {
  const opened = await reader.open(path, options.readOnly);
  if (opened.uidValidity !== earlier.state.uidValidity) return listFolder(reader, path, options);
  const uids = opened.exists > 0 ? await reader.uids() : new Uint32Array(0);
  // Both ascending: one merge walk splits the UIDs present into known ones and fresh ones.
  const known = earlier.messages;
  const messages = new MessageList(uids.length);
  // The fresh UIDs are gathered at the front of `uids` itself (never ahead of the walk).
  const fresh = uids;
  let freshCount = 0;
  let k = 0;
  for (const uid of uids) {
    while (k < known.length && known.uid(k) < uid) k++;
    if (k < known.length && known.uid(k) === uid) messages.pushFrom(known, k);
    else fresh[freshCount++] = uid;
  }
  const add = adder(messages, options);
  const headers = identityFetchHeaders(options.identityHeaders);
  for (let at = 0; at < freshCount; at += LISTING_UID_CHUNK) {
    await reader.list(headers, add, fresh.subarray(at, Math.min(freshCount, at + LISTING_UID_CHUNK)));
  }
  const refreshed = listing(messages.byUid().trim(), opened, options);
  refreshed.permanentFlags ??= earlier.permanentFlags;
  refreshed.appendLimit ??= earlier.appendLimit;
  return refreshed;
}

function listing(messages: MessageList, opened: OpenedFolder, options: ListOptions): FolderListing {
  return {
    messages,
    state: {
      uidValidity: opened.uidValidity,
      uidNext: opened.uidNext,
      messages: opened.exists,
      ...(opened.highestModseq !== undefined ? { highestModseq: opened.highestModseq } : {}),
    },
    permanentFlags: opened.permanentFlags,
    appendLimit: opened.appendLimit,
    readOnly: opened.readOnly ?? options.readOnly,
  };
}

/** Adds each listed message to `messages`: its identity digest (and 8-bit digest), flags without \Recent; the headers are dropped. */
function adder(messages: MessageList, options: ListOptions): (message: ListedMessage) => void {
  const { identityHeaders, sizeFreeIdentity: sizeFree, flagRewriter } = options;
  return (message) => {
    const { size, uid } = message;
    const internalDate = message.internalDate ?? new Date(0);
    const listed = message.flags.filter((flag) => flag.toLowerCase() !== '\\recent');
    const flags = flagRewriter ? flagRewriter(listed) : listed;
    const digest = messageDigest(message.headers, { size, internalDate, sizeFree }, identityHeaders);
    messages.push(uid, size, internalDate.getTime(), flags, digest, eightBitDigest(message.headers));
  };
}
