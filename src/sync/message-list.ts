/**
 * A folder's messages in compact form: one typed-array column per field
 * instead of one object and a handful of strings per message, so that a
 * million-message folder costs 30 bytes a message (UID 4, size 4,
 * INTERNALDATE 4, flag set 2, identity digest 16) rather than a kilobyte.
 *
 * - The identity is kept as its 16-byte digest (identity.ts gives it as 32
 *   hex digits: the same 128 bits).
 * - INTERNALDATE has whole seconds (RFC 3501 date-time): seconds since 1970
 *   in 32 bits. Sizes take 32 bits. A value that does not fit (a date before
 *   1970 or after 2105, milliseconds, a size of 4 GiB) is kept exactly in a
 *   side table: rare values cost more, never precision.
 * - Flag sets are interned: a folder has few distinct combinations of flags,
 *   each stored once and referred to by number (16 bits, 32 once a folder
 *   has more than 65,535 combinations).
 * - The few messages with 8-bit bytes in their listed header fields also keep
 *   the digest of those bytes as they are (identity.ts, eightBitDigest) in a
 *   side table: comparing twins tells whether a server rewrote them.
 * - A MessageMeta object is made only when a message is looked at one by one
 *   (the copy of a batch, a test), never for the whole folder.
 *
 * The list grows like an array (capacity doubles), or is sized up front from
 * the folder's EXISTS. Lists are compared by identity through `identityOrder`:
 * message indexes sorted by (digest, UID), so equal identities form runs.
 */
import { createHash } from 'node:crypto';
import type { MessageMeta } from './types.js';

/** Bytes of an identity digest. */
export const DIGEST_BYTES = 16;
const WORDS = DIGEST_BYTES / 4;
const HEX_IDENTITY = /^[0-9a-f]{32}$/;
/** A 32-bit column's marker for "the exact value is in the side table". */
const OUTSIDE = 0xffffffff;

/** Messages read one at a time by index: a MessageList, or a selection of one. */
export interface MessageSeq {
  readonly length: number;
  uid(index: number): number;
  size(index: number): number;
  at(index: number): MessageMeta;
}

/** The 16-byte digest of an identity given as text: its hex digits, or (any other text) a hash of it. */
export function identityDigest(identity: string): Buffer {
  if (HEX_IDENTITY.test(identity)) return Buffer.from(identity, 'hex');
  return createHash('sha256').update(identity, 'utf8').digest().subarray(0, DIGEST_BYTES);
}

export class MessageList implements MessageSeq {
  private count = 0;
  private uids: Uint32Array;
  private sizes: Uint32Array;
  /** Seconds since 1970; OUTSIDE when the exact value is in `exceptions`. */
  private dates: Uint32Array;
  private flagIds: Uint16Array | Uint32Array;
  /** The digests, 4 words per message (compared word by word). */
  private digests: Uint32Array;
  private readonly flagSets: (readonly string[])[] = [];
  private readonly flagSetIds = new Map<string, number>();
  /** Values that do not fit their column, by message index. */
  private readonly bigSizes = new Map<number, number>();
  private readonly oddDates = new Map<number, number>();
  /** eightBitDigest of the messages with 8-bit header bytes, by message index. */
  private readonly eightBit = new Map<number, Uint8Array>();

  constructor(capacity = 16) {
    const n = Math.max(1, capacity);
    this.uids = new Uint32Array(n);
    this.sizes = new Uint32Array(n);
    this.dates = new Uint32Array(n);
    this.flagIds = new Uint16Array(n);
    this.digests = new Uint32Array(n * WORDS);
  }

  /** A list of the given messages (tests, small folders); identities as identity.ts gives them, or any text. */
  static of(messages: Iterable<MessageMeta>): MessageList {
    const list = new MessageList();
    for (const m of messages) list.push(m.uid, m.size, m.internalDate.getTime(), m.flags, identityDigest(m.identity));
    return list;
  }

  get length(): number {
    return this.count;
  }

  /** Bytes held by the columns (for tests and benchmarks). */
  get capacityBytes(): number {
    return (
      this.uids.byteLength +
      this.sizes.byteLength +
      this.dates.byteLength +
      this.flagIds.byteLength +
      this.digests.byteLength
    );
  }

  push(
    uid: number,
    size: number,
    internalDateMs: number,
    flags: readonly string[],
    digest: Uint8Array,
    eightBitDigest?: Uint8Array,
  ): void {
    if (digest.length !== DIGEST_BYTES) throw new RangeError(`an identity digest has ${DIGEST_BYTES} bytes`);
    if (this.count === this.uids.length) this.grow(this.count * 2);
    const i = this.count++;
    if (eightBitDigest) this.eightBit.set(i, eightBitDigest);
    this.uids[i] = uid;
    this.setSize(i, size);
    this.setDate(i, internalDateMs);
    this.setFlagId(i, this.flagSetId(flags));
    for (let w = 0; w < WORDS; w++) this.digests[i * WORDS + w] = readWord(digest, w * 4);
  }

  /** Appends message `index` of `other` (same columns, flag set re-interned). */
  pushFrom(other: MessageList, index: number): void {
    if (this.count === this.uids.length) this.grow(this.count * 2);
    const i = this.count++;
    this.uids[i] = other.uids[index]!;
    this.setSize(i, other.size(index));
    this.setDate(i, other.internalDateMs(index));
    this.setFlagId(i, this.flagSetId(other.flags(index)));
    this.digests.set(other.digests.subarray(index * WORDS, (index + 1) * WORDS), i * WORDS);
    const eightBit = other.eightBit.get(index);
    if (eightBit) this.eightBit.set(i, eightBit);
  }

  /** Whether any message has 8-bit header bytes (else every sameEightBitBytes with a list without any is true). */
  get hasEightBitHeaders(): boolean {
    return this.eightBit.size > 0;
  }

  /**
   * Whether message `a` of this list and its twin `b` of `other` (same identity) have the same
   * 8-bit header bytes: false when only one has 8-bit bytes, or they differ (a server rewrote one).
   */
  sameEightBitBytes(a: number, other: MessageList, b: number): boolean {
    const x = this.eightBit.get(a);
    const y = other.eightBit.get(b);
    if (!x || !y) return x === y;
    return Buffer.compare(x, y) === 0;
  }

  uid(index: number): number {
    return this.uids[index]!;
  }

  size(index: number): number {
    const size = this.sizes[index]!;
    return size === OUTSIDE ? this.bigSizes.get(index)! : size;
  }

  internalDateMs(index: number): number {
    const seconds = this.dates[index]!;
    return seconds === OUTSIDE ? this.oddDates.get(index)! : seconds * 1000;
  }

  /** The message's flags (shared with the other messages of the same set: do not modify). */
  flags(index: number): readonly string[] {
    return this.flagSets[this.flagIds[index]!]!;
  }

  /** The identity as 32 hex digits (as identity.ts gives it). */
  identity(index: number): string {
    const digest = Buffer.allocUnsafe(DIGEST_BYTES);
    for (let w = 0; w < WORDS; w++) digest.writeUInt32BE(this.digests[index * WORDS + w]!, w * 4);
    return digest.toString('hex');
  }

  /**
   * The identity as a compact Map key: its 16 digest bytes as 8 UTF-16 code
   * units (run-wide maps such as cross-duplicates.ts keep one per message).
   */
  identityKey(index: number): string {
    let key = '';
    for (let w = 0; w < WORDS; w++) {
      const word = this.digests[index * WORDS + w]!;
      key += String.fromCharCode(word >>> 16, word & 0xffff);
    }
    return key;
  }

  at(index: number): MessageMeta {
    return {
      uid: this.uid(index),
      size: this.size(index),
      internalDate: new Date(this.internalDateMs(index)),
      flags: [...this.flags(index)],
      identity: this.identity(index),
    };
  }

  *[Symbol.iterator](): IterableIterator<MessageMeta> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  /** Negative, 0 or positive as message `a` of this list has a smaller, the same or a bigger digest than `b` of `other`. */
  compareIdentity(a: number, other: MessageList, b: number): number {
    for (let w = 0; w < WORDS; w++) {
      const x = this.digests[a * WORDS + w]!;
      const y = other.digests[b * WORDS + w]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }

  /** Message indexes sorted by (identity digest, UID): equal identities are runs, in UID order. */
  identityOrder(): Uint32Array {
    const n = this.count;
    // A native numeric sort of (first digest word, index) pairs, then the rare runs that share a first
    // word sorted by the whole comparison: a comparator sort of a million indexes takes seconds.
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (BigInt(this.digests[i * WORDS]!) << 32n) | BigInt(i);
    keys.sort();
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = Number(keys[i]! & 0xffffffffn);
    const compare = (a: number, b: number) => this.compareIdentity(a, this, b) || this.uids[a]! - this.uids[b]!;
    for (let start = 0; start < n; ) {
      let end = start + 1;
      const word = this.digests[order[start]! * WORDS]!;
      while (end < n && this.digests[order[end]! * WORDS] === word) end++;
      if (end - start > 1) order.subarray(start, end).sort(compare);
      start = end;
    }
    return order;
  }

  /** Whether UIDs ascend strictly (each UID once). */
  isUidOrdered(): boolean {
    for (let i = 1; i < this.count; i++) if (this.uids[i - 1]! >= this.uids[i]!) return false;
    return true;
  }

  /** The same messages sorted by UID, each UID once (the first one seen wins); `this` when already so. */
  byUid(): MessageList {
    if (this.isUidOrdered()) return this;
    const order = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    order.sort((a, b) => this.uids[a]! - this.uids[b]! || a - b);
    const sorted = new MessageList(this.count);
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (k > 0 && this.uids[order[k - 1]!] === this.uids[i]) continue;
      sorted.pushFrom(this, i);
    }
    return sorted;
  }

  /** A view of the messages at `indexes` (in that order), without copying them. */
  select(indexes: Uint32Array): MessageSelection {
    return new MessageSelection(this, indexes);
  }

  /** Capacity down to the length (a finished listing). */
  trim(): this {
    if (this.uids.length > this.count + 16) this.grow(this.count);
    return this;
  }

  private setSize(index: number, size: number): void {
    if (Number.isInteger(size) && size >= 0 && size < OUTSIDE) {
      this.sizes[index] = size;
    } else {
      this.sizes[index] = OUTSIDE;
      this.bigSizes.set(index, size);
    }
  }

  private setDate(index: number, ms: number): void {
    const seconds = ms / 1000;
    if (Number.isInteger(seconds) && seconds >= 0 && seconds < OUTSIDE) {
      this.dates[index] = seconds;
    } else {
      this.dates[index] = OUTSIDE;
      this.oddDates.set(index, ms);
    }
  }

  private setFlagId(index: number, id: number): void {
    if (id > 0xffff && this.flagIds instanceof Uint16Array) this.flagIds = Uint32Array.from(this.flagIds);
    this.flagIds[index] = id;
  }

  private grow(capacity: number): void {
    const n = Math.max(1, capacity);
    const resize = <T extends Uint16Array | Uint32Array>(old: T, make: (size: number) => T, per = 1): T => {
      const next = make(n * per);
      next.set(old.subarray(0, Math.min(old.length, n * per)));
      return next;
    };
    this.uids = resize(this.uids, (s) => new Uint32Array(s));
    this.sizes = resize(this.sizes, (s) => new Uint32Array(s));
    this.dates = resize(this.dates, (s) => new Uint32Array(s));
    const wide = this.flagIds instanceof Uint32Array;
    this.flagIds = wide
      ? resize(this.flagIds as Uint32Array, (s) => new Uint32Array(s))
      : resize(this.flagIds as Uint16Array, (s) => new Uint16Array(s));
    this.digests = resize(this.digests, (s) => new Uint32Array(s), WORDS);
  }

  private flagSetId(flags: readonly string[]): number {
    const key = flags.join('\u0000');
    let id = this.flagSetIds.get(key);
    if (id === undefined) {
      id = this.flagSets.length;
      this.flagSets.push(Object.freeze([...flags]));
      this.flagSetIds.set(key, id);
    }
    return id;
  }
}

/** Some messages of a list, by index (a plan's copies: 4 bytes a message). */
export class MessageSelection implements MessageSeq {
  constructor(
    readonly list: MessageList,
    readonly indexes: Uint32Array,
  ) {}

  get length(): number {
    return this.indexes.length;
  }

  uid(index: number): number {
    return this.list.uid(this.indexes[index]!);
  }

  size(index: number): number {
    return this.list.size(this.indexes[index]!);
  }

  at(index: number): MessageMeta {
    return this.list.at(this.indexes[index]!);
  }

  *[Symbol.iterator](): IterableIterator<MessageMeta> {
    for (let i = 0; i < this.indexes.length; i++) yield this.at(i);
  }
}

function readWord(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}
