/**
 * Where a message's header ends: the offset just after the first empty line
 * (CRLF CRLF or LF LF), or the message's length when it has no body.
 */
export function headerEnd(raw: Buffer): number {
  let start = 0;
  while (start < raw.length) {
    const lf = raw.indexOf(0x0a, start);
    if (lf < 0) return raw.length;
    const lineLength = lf - start;
    if (lineLength === 0 || (lineLength === 1 && raw[start] === 0x0d)) return lf + 1;
    start = lf + 1;
  }
  return raw.length;
}
