/**
 * Message identity: which source and destination messages are "the same".
 *
 * Like imapsync's default, the identity is a hash of the chosen header lines,
 * by default Message-ID and every Received line. The header block is read as
 * bytes (latin1, one char per byte), so 8-bit or broken header bytes give a
 * stable result instead of an encoding error; the same bytes passed as a
 * Buffer or as a UTF-8 string give the same identity.
 *
 * Normalisation, and nothing else (no MIME decoding): continuation lines are
 * unfolded, header names compared case-insensitively, runs of whitespace in
 * values collapsed to one space, values trimmed. Lines keep their order in the
 * message, grouped by the order of `headerNames`. Headers with an empty value
 * count as absent.
 *
 * A message with none of the chosen headers (drafts, some sent messages) is
 * still identified, never skipped: the identity then comes from its Date,
 * From, Subject and To lines and its size, plus its INTERNALDATE when it has
 * none of those either (otherwise every header-less message of one size would
 * look the same). Identical identities are harmless for copying: the planner
 * compares copies as a multiset, so k source copies still lead to k
 * destination copies.
 *
 * When the spec rewrites messages (spec.messages: imapsync --regexmess, the
 * office2/exchange2 line wrap, --disarmreadreceipts), a copy's size is not the
 * source's, so the fallback identity leaves the size out and always takes the
 * INTERNALDATE instead (APPEND carries it over unchanged): `sizeFree`. The
 * identity headers themselves must survive the rewrite; the copy checks that
 * for each message (rewrite/prepare-message.ts), so the destination copy has
 * the source's identity and a re-run finds it.
 */
import { hash as cryptoHash } from 'node:crypto';
import { DEFAULT_IDENTITY_HEADERS } from '../api/spec.js';

export { DEFAULT_IDENTITY_HEADERS };

/** The headers the fallback identity uses when none of the chosen headers are present. */
export const FALLBACK_IDENTITY_HEADERS: readonly string[] = ['Date', 'From', 'Subject', 'To'];

export interface IdentityFallback {
  size: number;
  internalDate?: Date;
  /** Leave the size out (messages are rewritten on their way): see above. */
  sizeFree?: boolean;
}

/**
 * The header names to fetch with `BODY.PEEK[HEADER.FIELDS (...)]` so that
 * messageIdentity can compute both the normal and the fallback identity.
 */
export function identityFetchHeaders(headerNames: readonly string[] = DEFAULT_IDENTITY_HEADERS): string[] {
  const names = [...headerNames, ...FALLBACK_IDENTITY_HEADERS].map((name) => name.toUpperCase());
  return [...new Set(names)];
}

interface HeaderLine {
  name: string;
  value: string;
}

/** Unfolded header lines (name lower-cased, value whitespace-collapsed) up to the first empty line. */
export function parseHeaderLines(headerBlock: Buffer | string): HeaderLine[] {
  const bytes = typeof headerBlock === 'string' ? Buffer.from(headerBlock, 'utf8') : headerBlock;
  const text = bytes.toString('latin1');
  const unfolded: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line === '\r') break;
    if (/^[ \t]/.test(line)) {
      // A continuation line without a header before it is garbage: ignore it.
      if (unfolded.length > 0) unfolded[unfolded.length - 1] += ` ${line}`;
      continue;
    }
    unfolded.push(line);
  }
  const lines: HeaderLine[] = [];
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .replace(/[ \t\r\n]+/g, ' ')
      .trim();
    if (name !== '' && value !== '') lines.push({ name, value });
  }
  return lines;
}

function pick(lines: readonly HeaderLine[], names: readonly string[]): string[] {
  const picked: string[] = [];
  for (const wanted of names.map((name) => name.toLowerCase())) {
    for (const line of lines) if (line.name === wanted) picked.push(`${line.name}: ${line.value}`);
  }
  return picked;
}

/** Each 8-bit byte (read as latin1: U+0080..U+00FF) as 'X', what Cyrus's munge8bit stores. */
function asMunged(text: string): string {
  return text.replace(/[\u0080-\u00ff]/g, 'X');
}

function hash(parts: readonly string[]): Buffer {
  // latin1 gives back exactly the bytes read; \n cannot occur inside a part (whitespace is collapsed).
  // One-shot hash(): no Hash object (and its native context) per message of a big folder.
  return cryptoHash('sha256', Buffer.from(parts.join('\n'), 'latin1'), 'buffer').subarray(0, 16);
}

/** The identity as its 16 bytes (what a MessageList keeps); messageIdentity gives the same as hex. */
export function messageDigest(
  headerBlock: Buffer | string,
  fallback: IdentityFallback,
  headerNames: readonly string[] = DEFAULT_IDENTITY_HEADERS,
): Buffer {
  const lines = parseHeaderLines(headerBlock).map((line) => ({ name: line.name, value: asMunged(line.value) }));
  const chosen = pick(lines, headerNames);
  if (chosen.length > 0) return hash(['h', ...chosen]);
  const described = pick(lines, FALLBACK_IDENTITY_HEADERS);
  const internalDate = `internaldate: ${fallback.internalDate?.getTime() ?? 0}`;
  if (fallback.sizeFree) return hash(['r', ...described, internalDate]);
  const parts = ['f', ...described, `size: ${fallback.size}`];
  if (described.length === 0 && fallback.internalDate) parts.push(internalDate);
  return hash(parts);
}

/** The identity as 32 hex digits (the first 128 bits of a SHA-256). */
export function messageIdentity(
  headerBlock: Buffer | string,
  fallback: IdentityFallback,
  headerNames: readonly string[] = DEFAULT_IDENTITY_HEADERS,
): string {
  return messageDigest(headerBlock, fallback, headerNames).toString('hex');
}

/**
 * For a header block with 8-bit bytes: a digest of its header lines as they are
 * (sorted, so servers that answer HEADER.FIELDS in another order agree);
 * undefined for an ASCII header block (nearly every message: the identity then
 * says it all). Two twins (same identity) whose eightBitDigest differ (one of them
 * may be undefined) have different header bytes: a server rewrote one of them.
 */
export function eightBitDigest(headerBlock: Buffer | string): Buffer | undefined {
  const bytes = typeof headerBlock === 'string' ? Buffer.from(headerBlock, 'utf8') : headerBlock;
  if (!hasEightBit(bytes)) return undefined;
  const lines = parseHeaderLines(bytes).map((line) => `${line.name}: ${line.value}`);
  return hash(['8', ...lines.sort()]);
}

function hasEightBit(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return true;
  return false;
}
