/**
 * The attribute list of a FETCH response, `(UID 7 FLAGS (\Seen) BODY[] {literal} )`,
 * as name -> value. Literals were captured by the ResponseReader and stand in
 * the text as `{literal}`, in order. Names are upper-cased; a section keeps its
 * brackets (`BODY[]`, `BODY[HEADER.FIELDS (MESSAGE-ID)]`).
 *
 * Values: atoms and numbers as strings, NIL as null, quoted strings unquoted,
 * literals as the captured Buffer (undefined when skipped), lists as arrays.
 */

export type FetchValue = string | null | Buffer | undefined | FetchValue[];

const LITERAL_PLACEHOLDER = '{literal}';

export function parseFetchItems(text: string, literals: readonly (Buffer | undefined)[] = []): Map<string, FetchValue> {
  const items = new Map<string, FetchValue>();
  const cursor = { text, at: 0, literal: 0, literals };
  skipSpaces(cursor);
  if (text[cursor.at] !== '(') throw new SyntaxError(`FETCH data without a list: ${short(text)}`);
  cursor.at += 1;
  for (;;) {
    skipSpaces(cursor);
    if (cursor.at >= text.length) throw new SyntaxError(`unterminated FETCH data: ${short(text)}`);
    if (text[cursor.at] === ')') return items;
    const name = readName(cursor);
    skipSpaces(cursor);
    items.set(name, readValue(cursor));
  }
}

/**
 * A sequence of IMAP values separated by spaces, as in the text of LIST
 * (`(\\HasNoChildren) "." "INBOX.Sent"`), NAMESPACE or STATUS data; literals
 * as in parseFetchItems.
 */
export function parseValues(text: string, literals: readonly (Buffer | undefined)[] = []): FetchValue[] {
  const cursor = { text, at: 0, literal: 0, literals };
  const values: FetchValue[] = [];
  for (;;) {
    skipSpaces(cursor);
    if (cursor.at >= text.length) return values;
    values.push(readValue(cursor));
  }
}

/** A string value (quoted, atom or literal) as text; literals are read as latin1. */
export function stringValue(value: FetchValue): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return undefined;
}

/** An attribute name: an atom, with a `[section]` (which may hold spaces and parentheses) and `<origin>`. */
function readName(cursor: Cursor): string {
  const { text } = cursor;
  const start = cursor.at;
  while (cursor.at < text.length) {
    const c = text[cursor.at]!;
    if (c === '[') {
      const end = text.indexOf(']', cursor.at);
      if (end < 0) throw new SyntaxError(`unterminated section: ${short(text)}`);
      cursor.at = end + 1;
      continue;
    }
    if (c === ' ' || c === '(' || c === ')') break;
    cursor.at += 1;
  }
  if (cursor.at === start) throw new SyntaxError(`FETCH attribute expected: ${short(text)}`);
  return text.slice(start, cursor.at).toUpperCase();
}

function readValue(cursor: Cursor): FetchValue {
  const { text } = cursor;
  const c = text[cursor.at];
  if (c === '(') {
    cursor.at += 1;
    const list: FetchValue[] = [];
    for (;;) {
      skipSpaces(cursor);
      if (cursor.at >= text.length) throw new SyntaxError(`unterminated list: ${short(text)}`);
      if (text[cursor.at] === ')') {
        cursor.at += 1;
        return list;
      }
      list.push(readValue(cursor));
    }
  }
  if (c === '"') return readQuoted(cursor);
  if (text.startsWith(LITERAL_PLACEHOLDER, cursor.at)) {
    cursor.at += LITERAL_PLACEHOLDER.length;
    if (cursor.literal >= cursor.literals.length) {
      throw new SyntaxError(`more literal placeholders than literals: ${short(text)}`);
    }
    return cursor.literals[cursor.literal++];
  }
  const start = cursor.at;
  while (cursor.at < text.length) {
    const ch = text[cursor.at]!;
    if (ch === ' ' || ch === ')' || ch === '(') break;
    if (ch === '[') {
      // e.g. a BODY[...] name inside a list: keep the section whole
      const end = text.indexOf(']', cursor.at);
      cursor.at = end < 0 ? text.length : end + 1;
      continue;
    }
    cursor.at += 1;
  }
  if (cursor.at === start) throw new SyntaxError(`FETCH value expected: ${short(text)}`);
  const atom = text.slice(start, cursor.at);
  return atom.toUpperCase() === 'NIL' ? null : atom;
}

function readQuoted(cursor: Cursor): string {
  const { text } = cursor;
  let out = '';
  let at = cursor.at + 1;
  for (;;) {
    if (at >= text.length) throw new SyntaxError(`unterminated quoted string: ${short(text)}`);
    const c = text[at]!;
    if (c === '"') break;
    if (c === '\\' && at + 1 < text.length) {
      out += text[at + 1];
      at += 2;
      continue;
    }
    out += c;
    at += 1;
  }
  cursor.at = at + 1;
  return out;
}

interface Cursor {
  text: string;
  at: number;
  literal: number;
  literals: readonly (Buffer | undefined)[];
}

function skipSpaces(cursor: Cursor): void {
  while (cursor.text[cursor.at] === ' ') cursor.at += 1;
}

function short(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};
const DATE_TIME = /^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** An IMAP date-time (`" 1-Jan-2024 10:00:00 +0200"`) as a Date; undefined when malformed. */
export function parseImapDateTime(value: string): Date | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const month = MONTHS[m[2]!.toLowerCase()];
  if (month === undefined) return undefined;
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  return new Date(utc - offsetMinutes * 60_000);
}

/** Strings of a list value (flags); anything else in it is left out. */
export function stringList(value: FetchValue): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A positive integer value, or undefined. */
export function numberValue(value: FetchValue): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
