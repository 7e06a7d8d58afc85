/**
 * The longest line of a message, counted as imapsync's max_line_length
 * counts it: in bytes, with its line end (CRLF or LF). imapsync
 * --maxlinelength N skips a message whose longest line is over N.
 */
const LF = 0x0a;

export function longestLine(raw: Buffer): number {
  let longest = 0;
  let start = 0;
  while (start < raw.length) {
    const lf = raw.indexOf(LF, start);
    const end = lf < 0 ? raw.length : lf + 1;
    if (end - start > longest) longest = end - start;
    start = end;
  }
  return longest;
}
