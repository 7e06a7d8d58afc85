/**
 * Modified UTF-7 (RFC 3501 5.1.3) encoding of mailbox names. Kept local to
 * the raw client so it does not wait on src/sync/folders/mutf7.ts (written in
 * parallel); same encoding.
 */
export function encodeMailboxUtf7(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const utf16be = Buffer.from(pending, 'utf16le').swap16();
    out += `&${utf16be.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = '';
  };
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += char === '&' ? '&-' : char;
    } else {
      pending += char;
    }
  }
  flush();
  return out;
}
