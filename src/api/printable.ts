/**
 * Text that came from somewhere we do not control (an IMAP server's greeting,
 * NO text or folder name) made safe to print: to a terminal, a log line, a
 * condition message, an Event, a status field. Control characters (C0, DEL,
 * C1) and the bidirectional overrides are shown as escapes, so an ANSI
 * sequence or a CR cannot move the cursor, recolour a terminal, hide text or
 * forge a log line. Nothing else changes (HTML stays text: nothing here
 * renders it).
 */

// C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F), the bidi embeddings/overrides/isolates
// (U+202A-U+202E, U+2066-U+2069), line/paragraph separators (U+2028, U+2029).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEPING_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One printable line: every control character escaped (`\x1b`, `\r`, `\n`, `\x9b`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** Like printable(), but LF and TAB stay (a multi-line message such as a condition's list of problems). */
export function printableKeepingLines(text: string): string {
  return text.replace(UNSAFE_KEEPING_LINES, escapeOne);
}

/**
 * Cut `text` to at most `maxChars` UTF-16 code units (what a CRD `maxLength`
 * counts is characters; code units are never fewer), marking the cut with
 * "...", without splitting a surrogate pair.
 */
export function truncateChars(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  if (maxChars <= 3) return text.slice(0, Math.max(0, maxChars));
  let end = maxChars - 3;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}...`;
}

/**
 * A short printable excerpt of bytes that are not what was expected (a
 * non-IMAP banner such as `SSH-2.0-...` or `220 smtp...`): at most
 * `maxChars` characters, escaped, marked when cut.
 */
export function excerpt(text: string, maxChars = 40): string {
  return printable(truncateChars(text, maxChars));
}

// What JSON.stringify leaves raw inside strings and a terminal may still act on: DEL, C1, separators, bidi.
const JSON_RAW_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A JSON text with the control characters JSON leaves raw written as `\uXXXX` escapes: the same JSON value
 * (a parser reads the same string), but no C1 control or bidi override in the bytes a terminal shows.
 */
export function jsonPrintable(json: string): string {
  return json.replace(JSON_RAW_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
