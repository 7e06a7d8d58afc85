/**
 * Encoders for the few pieces of IMAP syntax (RFC 3501 / 9051) the raw
 * client writes: strings, flag lists, INTERNALDATE, uid-sets, and the uid-set
 * of an APPENDUID response code (RFC 4315).
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** INTERNALDATE as `dd-Mon-yyyy hh:mm:ss +0000` (UTC; the instant is what matters, not the zone). */
export function formatInternalDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid INTERNALDATE');
  const two = (n: number) => String(n).padStart(2, '0');
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  return (
    `${two(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${year} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** Whether `value` may be sent as a quoted string: 7-bit, no NUL, CR or LF. */
export function isQuotable(value: string): boolean {
  return /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value);
}

/** A quoted string; callers check isQuotable first (others go as literals). */
export function quoteString(value: string): string {
  if (!isQuotable(value)) throw new RangeError('string cannot be quoted; send it as a literal');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// atom-char: any CHAR except atom-specials ( ) { SP CTL % * " \ ]
const ATOM = /^[^(){ \x00-\x1f\x7f%*"\\\]\x80-\uffff]+$/;

/**
 * A flag that APPEND may carry: a system flag (`\Seen`...) or a keyword atom.
 * `\Recent` can never be set by a client and `\*` is not a flag.
 */
export function isAppendableFlag(flag: string): boolean {
  if (flag.startsWith('\\')) {
    const name = flag.slice(1);
    return ATOM.test(name) && name.toLowerCase() !== 'recent';
  }
  return ATOM.test(flag);
}

/** Split flags into what APPEND can carry and what it cannot (reported, never sent: a bad atom would fail the whole command). */
export function appendableFlags(flags: readonly string[]): { flags: string[]; dropped: string[] } {
  const keep: string[] = [];
  const dropped: string[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    const key = flag.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (isAppendableFlag(flag)) keep.push(flag);
    else if (key !== '\\recent') dropped.push(flag);
  }
  return { flags: keep, dropped };
}

/**
 * Expand a uid-set such as `101:103,110` into UIDs in message order. RFC 4315
 * lists them in the order the messages were appended; a range `b:a` with b > a
 * still means the ascending run a..b.
 */
export function parseUidSet(text: string): number[] {
  const uids: number[] = [];
  for (const part of text.split(',')) {
    const [first, second] = part.split(':');
    const a = Number(first);
    if (!Number.isSafeInteger(a) || a <= 0) throw new SyntaxError(`bad uid-set: ${text}`);
    if (second === undefined) {
      uids.push(a);
      continue;
    }
    const b = Number(second);
    if (!Number.isSafeInteger(b) || b <= 0) throw new SyntaxError(`bad uid-set: ${text}`);
    const [low, high] = a <= b ? [a, b] : [b, a];
    if (high - low > 1_000_000) throw new SyntaxError(`uid-set range too large: ${text}`);
    for (let uid = low; uid <= high; uid++) uids.push(uid);
  }
  return uids;
}

/** `1:3,5,7:9` from UIDs (any order, duplicates allowed). */
export function uidSet(uids: ArrayLike<number>): string {
  // A typed copy: sorting a million UIDs this way costs 4 bytes each, a Set of them forty.
  const sorted = Uint32Array.from(uids).sort();
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j += 1;
    parts.push(sorted[i] === sorted[j] ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
