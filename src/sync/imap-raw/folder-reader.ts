/**
 * Reading a folder over a raw IMAP connection: SELECT/EXAMINE, the listing
 * FETCH (UID, flags, INTERNALDATE, size, identity header fields), the UIDs
 * present, and message bodies.
 *
 * Why not imapflow: its parser builds a token tree for every response and
 * copies every literal several times. Here a listing line is parsed once, and
 * a body literal goes from the socket chunks straight into the buffer the
 * caller provides (one copy, whatever the size): less CPU, and memory bounded
 * by the caller's buffers.
 *
 * One command at a time per reader (calls are queued). A connection shared
 * with an Appender is fine as long as the caller does not overlap the two.
 */
import { ConnectError, type Side } from '../errors.js';
import { encodeMailboxUtf7 } from '../folders/mutf7.js';
import type { TaggedResult } from './command-channel.js';
import { commandFailure, expectOk } from './command-errors.js';
import type { RawImapConnection } from './connection.js';
import { type FetchValue, numberValue, parseFetchItems, parseImapDateTime, stringList } from './fetch-items.js';
import { isQuotable, quoteString, uidSet } from './imap-syntax.js';
import { bodyBytesCap, LimitExceeded, MAX_HEADER_FIELDS_BYTES, responsesFor } from './limits.js';
import type { Response } from './response-parser.js';

export interface OpenedFolder {
  exists: number;
  uidValidity: string;
  uidNext: number;
  /** CONDSTORE HIGHESTMODSEQ; undefined without CONDSTORE or with NOMODSEQ. */
  highestModseq?: string;
  /** PERMANENTFLAGS, when the server sent them. */
  permanentFlags?: string[];
  /** APPENDLIMIT of this mailbox, when the server sent one in the SELECT response. */
  appendLimit?: number;
  readOnly: boolean;
}

export interface ListedMessage {
  uid: number;
  size: number;
  /** undefined when the server sent no (or a malformed) INTERNALDATE. */
  internalDate?: Date;
  flags: string[];
  /** The requested header fields, as the server sent them. */
  headers: Buffer;
}

/** Gives the buffer a body of `size` bytes is read into. */
export type BodyAllocator = (size: number) => Buffer;

const EMPTY = Buffer.alloc(0);

export class FolderReader {
  private queue: Promise<unknown> = Promise.resolve();
  /** The folder the last successful SELECT/EXAMINE opened (STORE and EXPUNGE act on it). */
  private opened?: { path: string; readOnly: boolean };
  /** EXISTS of the open folder: how many FETCH responses a listing of it may bring (limits.ts). */
  private openedExists = 0;

  constructor(private readonly connection: RawImapConnection) {}

  /** The folder open on this connection now, if any. */
  get current(): { path: string; readOnly: boolean } | undefined {
    return this.opened;
  }

  /** False once the connection is gone. */
  get usable(): boolean {
    return !this.connection.isClosed;
  }

  get side(): Side {
    return this.connection.endpoint.side;
  }

  /** SELECT (read-write) or EXAMINE (read-only) `path` (UTF-8, server delimiter); with CONDSTORE when offered. */
  async open(path: string, readOnly: boolean): Promise<OpenedFolder> {
    // Dovecot creates its `auto = create` folders (INBOX, special-use) on first access; two sessions
    // racing there make the loser's SELECT fail with "[ALREADYEXISTS] Mailbox already exists".
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openOnce(path, readOnly);
      } catch (error) {
        if (!(error instanceof AutocreateRace) || attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  }

  private openOnce(path: string, readOnly: boolean): Promise<OpenedFolder> {
    return this.serialized(async () => {
      const folder: Partial<OpenedFolder> & { exists: number } = { exists: 0 };
      let noModseq = false;
      const condstore = this.connection.capabilities.has('CONDSTORE') ? ' (CONDSTORE)' : '';
      const command = `${readOnly ? 'EXAMINE' : 'SELECT'} ${mailboxArgument(path)}${condstore}`;
      // A refused SELECT leaves no folder selected (RFC 3501 6.3.1).
      this.opened = undefined;
      const result = await this.run(command, (response) => {
        if (response.kind === 'data' && response.name === 'EXISTS' && response.number !== undefined) {
          folder.exists = response.number;
        } else if (response.kind === 'untagged' && response.status === 'OK' && response.code) {
          const { name, args } = response.code;
          if (name === 'UIDVALIDITY' && /^\d+$/.test(args)) folder.uidValidity = BigInt(args).toString();
          else if (name === 'UIDNEXT' && /^\d+$/.test(args)) folder.uidNext = Number(args);
          else if (name === 'HIGHESTMODSEQ' && /^\d+$/.test(args)) folder.highestModseq = BigInt(args).toString();
          else if (name === 'NOMODSEQ') noModseq = true;
          else if (name === 'APPENDLIMIT' && /^\d+$/.test(args)) folder.appendLimit = Number(args);
          else if (name === 'PERMANENTFLAGS') folder.permanentFlags = flagList(args);
        }
      });
      if (result.status !== 'OK') {
        const race = result.code?.name === 'ALREADYEXISTS' || /already exists/i.test(result.text);
        if (race) throw new AutocreateRace(`${readOnly ? 'EXAMINE' : 'SELECT'} ${path}: ${result.text}`);
        throw commandFailure(this.connection, 'SelectFailed', `${readOnly ? 'EXAMINE' : 'SELECT'} ${path}`, result);
      }
      if (folder.uidValidity === undefined) throw new Error(`${path}: the server sent no UIDVALIDITY`);
      const code = result.code?.name;
      const openedReadOnly = code === 'READ-ONLY' ? true : code === 'READ-WRITE' ? false : readOnly;
      this.opened = { path, readOnly: openedReadOnly };
      this.openedExists = folder.exists;
      return {
        exists: folder.exists,
        uidValidity: folder.uidValidity,
        // Without UIDNEXT (allowed by RFC 3501 for some servers), 0 never matches a recorded state.
        uidNext: folder.uidNext ?? 0,
        ...(folder.highestModseq !== undefined && !noModseq ? { highestModseq: folder.highestModseq } : {}),
        ...(folder.permanentFlags ? { permanentFlags: folder.permanentFlags } : {}),
        ...(folder.appendLimit !== undefined ? { appendLimit: folder.appendLimit } : {}),
        readOnly: openedReadOnly,
      };
    });
  }

  /**
   * UID, FLAGS, INTERNALDATE, RFC822.SIZE and the header fields `headerFields`
   * of the messages `uids` (all of them by default) of the open folder, each
   * handed to `onMessage` as it arrives.
   */
  list(
    headerFields: readonly string[],
    onMessage: (message: ListedMessage) => void,
    uids?: ArrayLike<number>,
  ): Promise<void> {
    return this.serialized(async () => {
      if (uids !== undefined && uids.length === 0) return;
      const set = uids ? uidSet(uids) : '1:*';
      const fields = headerFields.map((name) => (/^[A-Za-z0-9-]+$/.test(name) ? name : astring(name))).join(' ');
      const command = `UID FETCH ${set} (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (${fields})])`;
      const result = await this.run(
        command,
        (response) => {
          if (response.kind !== 'data' || response.name !== 'FETCH') return;
          const items = parseFetchItems(response.text, response.literals);
          const uid = numberValue(items.get('UID') ?? null);
          const size = numberValue(items.get('RFC822.SIZE') ?? null);
          // Unsolicited FETCH (a flag change by another session) carries no size: not a listing line.
          if (uid === undefined || size === undefined) return;
          const internalDate = items.get('INTERNALDATE');
          onMessage({
            uid,
            size,
            internalDate: typeof internalDate === 'string' ? parseImapDateTime(internalDate) : undefined,
            flags: stringList(items.get('FLAGS') ?? null),
            headers: headerFieldsValue(items),
          });
        },
        // Only the header fields are kept, each within its cap; anything else (unexpected) is skipped.
        (prefix, size) => {
          if (!/BODY\[HEADER\.FIELDS [^\]]*\] $/i.test(prefix)) return undefined;
          if (size > MAX_HEADER_FIELDS_BYTES) {
            throw new LimitExceeded(`header fields of ${size} bytes (at most ${MAX_HEADER_FIELDS_BYTES})`);
          }
          return Buffer.allocUnsafe(size);
        },
        responsesFor(uids?.length ?? this.openedExists),
      );
      expectOk(this.connection, 'FetchFailed', 'UID FETCH (listing)', result);
    });
  }

  /** The UIDs of the open folder, ascending, each once (4 bytes a message). */
  uids(): Promise<Uint32Array> {
    return this.serialized(async () => {
      let uids = new Uint32Array(1024);
      let count = 0;
      const result = await this.run(
        'UID FETCH 1:* (UID)',
        (response) => {
          if (response.kind !== 'data' || response.name !== 'FETCH') return;
          const uid = numberValue(parseFetchItems(response.text, response.literals).get('UID') ?? null);
          if (uid === undefined) return;
          if (count === uids.length) {
            const bigger = new Uint32Array(uids.length * 2);
            bigger.set(uids);
            uids = bigger;
          }
          uids[count++] = uid;
        },
        undefined,
        responsesFor(this.openedExists),
      );
      expectOk(this.connection, 'FetchFailed', 'UID FETCH (UID)', result);
      const sorted = uids.subarray(0, count).sort();
      // Duplicates come from unsolicited FETCH responses.
      let unique = 0;
      for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[unique++] = sorted[i]!;
      return sorted.slice(0, unique);
    });
  }

  /**
   * BODY.PEEK[] (never sets \Seen) of `uids` in the open folder, each read
   * into a buffer from `allocate`. UIDs missing from the result are gone
   * from the folder (expunged meanwhile). `listedBytes` (their RFC822.SIZEs
   * added up), when given, caps what the server may send (bodyBytesCap):
   * a body announced far larger than listed ends the connection
   * (ServerMisbehavedError) before anything is allocated for it.
   */
  bodies(uids: readonly number[], allocate: BodyAllocator, listedBytes?: number): Promise<Map<number, Buffer>> {
    return this.serialized(async () => {
      const bodies = new Map<number, Buffer>();
      if (uids.length === 0) return bodies;
      const cap = listedBytes === undefined ? undefined : bodyBytesCap(listedBytes);
      let taken = 0;
      const bounded: BodyAllocator = (size) => {
        taken += size;
        if (cap !== undefined && taken > cap) {
          throw new LimitExceeded(
            `message bodies of ${taken} bytes for ${uids.length} messages listed at ${listedBytes} bytes (RFC822.SIZE; at most ${cap} are taken)`,
          );
        }
        return allocate(size);
      };
      const result = await this.run(
        `UID FETCH ${uidSet(uids)} (UID BODY.PEEK[])`,
        (response) => {
          if (response.kind !== 'data' || response.name !== 'FETCH') return;
          const items = parseFetchItems(response.text, response.literals);
          const uid = numberValue(items.get('UID') ?? null);
          const body = items.get('BODY[]');
          if (uid === undefined || body === undefined || body === null) return;
          if (Buffer.isBuffer(body)) bodies.set(uid, body);
          else if (typeof body === 'string') bodies.set(uid, Buffer.from(body, 'latin1'));
        },
        // Only the body literal is kept; anything else (unexpected) is skipped.
        (prefix, size) => (/[ (]BODY\[\] $/i.test(prefix) ? (size === 0 ? EMPTY : bounded(size)) : undefined),
        responsesFor(uids.length),
      );
      // NO: some messages could not be read (expunged by another session): they are simply missing.
      if (result.status === 'BAD')
        throw commandFailure(this.connection, 'FetchFailed', 'UID FETCH (BODY.PEEK[])', result);
      return bodies;
    });
  }

  /** One tagged command with an untagged listener for its duration. */
  private async run(
    command: string,
    onResponse: (response: Response) => void,
    literal?: (prefix: string, size: number) => Buffer | undefined,
    maxResponses?: number,
  ): Promise<TaggedResult> {
    if (this.connection.isClosed) {
      throw new ConnectError(`connection to ${this.connection.where} is closed`, { side: this.side });
    }
    let failure: unknown;
    this.connection.listen({
      response: (response) => {
        if (failure) return;
        try {
          onResponse(response);
        } catch (error) {
          // A bound broken: the connection cuts itself (ServerMisbehavedError for every waiter).
          if (error instanceof LimitExceeded) throw error;
          failure = error;
        }
      },
      literal,
      ...(maxResponses === undefined ? {} : { maxResponses }),
    });
    try {
      const result = await this.connection.command(command);
      if (failure) throw failure;
      return result;
    } finally {
      this.connection.listen(undefined);
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => {});
    return run;
  }
}

class AutocreateRace extends Error {}

function mailboxArgument(path: string): string {
  return quoteString(encodeMailboxUtf7(path));
}

function astring(value: string): string {
  if (!isQuotable(value)) throw new RangeError(`header field name cannot be sent: ${JSON.stringify(value)}`);
  return quoteString(value);
}

/** `(\Seen \Answered $Label1 \*)` -> its flags. */
function flagList(args: string): string[] {
  const inner = /^\((.*)\)/.exec(args.trim())?.[1] ?? '';
  return inner.split(' ').filter((flag) => flag.length > 0);
}

function headerFieldsValue(items: Map<string, FetchValue>): Buffer {
  for (const [name, value] of items) {
    if (!name.startsWith('BODY[HEADER.FIELDS')) continue;
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === 'string') return Buffer.from(value, 'latin1');
    return EMPTY;
  }
  return EMPTY;
}
