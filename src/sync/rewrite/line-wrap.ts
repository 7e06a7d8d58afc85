/**
 * The "wrap lines longer than 10,239 characters" rule of imapsync's office2
 * and exchange2 presets (imapsync `sub office2`/`sub exchange2`:
 * `--regexmess 's,(.{10239}),$1\r\n,g'`; FAQ.Exchange.txt: Exchange refuses
 * APPENDs with longer lines, "BAD Command Argument Error. 11").
 *
 * A line whose content (without its CRLF or LF) is longer than `limit` bytes
 * is cut into pieces of `limit` bytes joined by CRLF, so that no line is
 * longer than `limit` afterwards. Two differences from imapsync's regex, both
 * on purpose:
 * - the regex's `.` also matches the CR of CRLF, so a line of exactly `limit`
 *   bytes gets an empty line after it (in a header, that ends the header);
 *   here only lines over the limit change;
 * - in the header, a long line is folded (CRLF + space, RFC 5322 2.2.3)
 *   instead of cut, so it stays one header field.
 * Lines within the limit, and messages without long lines, are left as they
 * are (the same Buffer is returned).
 */
import { headerEnd } from './header-block.js';

const CRLF = Buffer.from('\r\n');
const FOLD = Buffer.from('\r\n ');

export function wrapLongLines(raw: Buffer, limit: number): Buffer {
  if (limit < 1) throw new RangeError(`line limit ${limit} is below 1`);
  const bodyStart = headerEnd(raw);
  const parts: Buffer[] = [];
  let copiedUpTo = 0;
  let start = 0;
  while (start < raw.length) {
    const lf = raw.indexOf(0x0a, start);
    const lineEnd = lf < 0 ? raw.length : lf + 1;
    let contentEnd = lf < 0 ? raw.length : lf;
    if (contentEnd > start && raw[contentEnd - 1] === 0x0d) contentEnd--;
    if (contentEnd - start > limit) {
      parts.push(raw.subarray(copiedUpTo, start));
      const inHeader = start < bodyStart;
      // A folded piece starts with a space: it carries one byte less so that it stays within the limit.
      let piece = start;
      let first = true;
      while (piece < contentEnd) {
        const room = first || !inHeader ? limit : Math.max(1, limit - 1);
        const pieceEnd = Math.min(contentEnd, piece + room);
        if (!first) parts.push(inHeader ? FOLD : CRLF);
        parts.push(raw.subarray(piece, pieceEnd));
        piece = pieceEnd;
        first = false;
      }
      parts.push(raw.subarray(contentEnd, lineEnd));
      copiedUpTo = lineEnd;
    }
    start = lineEnd;
  }
  if (copiedUpTo === 0) return raw;
  parts.push(raw.subarray(copiedUpTo));
  return Buffer.concat(parts);
}
