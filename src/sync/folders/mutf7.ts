/**
 * IMAP modified UTF-7 (RFC 3501 section 5.1.3), the wire encoding of mailbox
 * names on servers without UTF8=ACCEPT.
 *
 * FolderInfo paths are plain (UTF-8) strings; the raw client encodes them in
 * every command that names a mailbox and decodes them in LIST/STATUS answers.
 *
 * Encoding: printable US-ASCII (0x20-0x7e) except `&` stands for itself, `&`
 * becomes `&-`, and every run of other characters becomes `&` + base64 of its
 * UTF-16BE code units (`,` instead of `/`, no `=` padding) + `-`.
 */

const PRINTABLE_MIN = 0x20;
const PRINTABLE_MAX = 0x7e;
const AMPERSAND = 0x26;

function isDirect(code: number): boolean {
  return code >= PRINTABLE_MIN && code <= PRINTABLE_MAX && code !== AMPERSAND;
}

function encodeRun(run: string): string {
  const bytes = Buffer.alloc(run.length * 2);
  for (let i = 0; i < run.length; i++) bytes.writeUInt16BE(run.charCodeAt(i), i * 2);
  return `&${bytes.toString('base64').replace(/=+$/, '').replaceAll('/', ',')}-`;
}

export function encodeMailboxUtf7(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const code = name.charCodeAt(i);
    if (code === AMPERSAND) {
      out += '&-';
      i++;
    } else if (isDirect(code)) {
      out += name[i];
      i++;
    } else {
      let end = i;
      while (end < name.length && !isDirect(name.charCodeAt(end)) && name.charCodeAt(end) !== AMPERSAND) end++;
      out += encodeRun(name.slice(i, end));
      i = end;
    }
  }
  return out;
}

const MODIFIED_BASE64 = /^[A-Za-z0-9+,]+$/;

/** The UTF-16 text of one `&...-` section, or undefined when it is not valid modified base64. */
function decodeRun(encoded: string): string | undefined {
  if (!MODIFIED_BASE64.test(encoded) || encoded.length % 4 === 1) return undefined;
  const bytes = Buffer.from(encoded.replaceAll(',', '/'), 'base64');
  if (bytes.length % 2 !== 0 || bytes.length === 0) return undefined;
  // Reject sections whose leftover bits are not zero: they cannot come from a correct encoder.
  if (bytes.toString('base64').replace(/=+$/, '') !== encoded.replaceAll(',', '/')) return undefined;
  let text = '';
  for (let i = 0; i < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
  return text;
}

/**
 * Decode a modified UTF-7 mailbox name. A name that is not valid modified
 * UTF-7 (some servers list such names) is returned unchanged rather than
 * rejected: syncing it under its raw name beats failing the whole run.
 * Non-ASCII characters in the input (servers with UTF8=ACCEPT send UTF-8)
 * are kept as they are.
 */
export function decodeMailboxUtf7(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const ch = name[i];
    if (ch !== '&') {
      out += ch;
      i++;
      continue;
    }
    const end = name.indexOf('-', i + 1);
    if (end === -1) return name;
    if (end === i + 1) {
      out += '&';
    } else {
      const decoded = decodeRun(name.slice(i + 1, end));
      if (decoded === undefined) return name;
      out += decoded;
    }
    i = end + 1;
  }
  return out;
}
