/**
 * What a folder holds, without bodies: `UID FETCH 1:* (UID FLAGS INTERNALDATE
 * RFC822.SIZE BODY.PEEK[HEADER.FIELDS (...)])` on a raw connection, each
 * message reduced to a MessageMeta with its identity as it arrives. The source
 * is opened with EXAMINE (read-only, nothing can change there), the
 * destination with SELECT (its PERMANENTFLAGS tell which flags it keeps).
 */
import { identityFetchHeaders, messageIdentity } from './identity.js';
import type { FolderReader, ListedMessage, OpenedFolder } from './imap-raw/folder-reader.js';
import type { SideState } from './state.js';
import type { MessageMeta } from './types.js';

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

export async function listFolder(reader: FolderReader, path: string, options: ListOptions): Promise<FolderListing> {
  const opened = await reader.open(path, options.readOnly);
  const messages: MessageMeta[] = [];
  if (opened.exists > 0) {
    await reader.list(identityFetchHeaders(options.identityHeaders), (message) =>
      messages.push(toMeta(message, options.identityHeaders)),
    );
  }
  return listing(uniqueByUid(messages), opened, options);
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
  const uids = opened.exists > 0 ? await reader.uids() : [];
  const present = new Set(uids);
  const byUid = new Map<number, MessageMeta>();
  for (const m of earlier.messages) if (present.has(m.uid)) byUid.set(m.uid, m);
  const fresh = uids.filter((uid) => !byUid.has(uid));
  await reader.list(
    identityFetchHeaders(options.identityHeaders),
    (message) => byUid.set(message.uid, toMeta(message, options.identityHeaders)),
    fresh,
  );
  const messages = [...byUid.values()].sort((a, b) => a.uid - b.uid);
  const refreshed = listing(messages, opened, options);
  refreshed.permanentFlags ??= earlier.permanentFlags;
  refreshed.appendLimit ??= earlier.appendLimit;
  return refreshed;
}

function listing(messages: MessageMeta[], opened: OpenedFolder, options: ListOptions): FolderListing {
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

/** Sorted by UID, each UID once (an unsolicited FETCH never adds a second entry). */
function uniqueByUid(messages: MessageMeta[]): MessageMeta[] {
  messages.sort((a, b) => a.uid - b.uid);
  return messages.filter((m, i) => i === 0 || messages[i - 1]!.uid !== m.uid);
}

function toMeta(message: ListedMessage, identityHeaders: string[]): MessageMeta {
  const { size, uid } = message;
  const internalDate = message.internalDate ?? new Date(0);
  const flags = message.flags.filter((flag) => flag.toLowerCase() !== '\\recent');
  const identity = messageIdentity(message.headers, { size, internalDate }, identityHeaders);
  return { uid, size, internalDate, flags, identity };
}
