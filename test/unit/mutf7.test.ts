import { describe, expect, it } from 'vitest';
import { decodeMailboxUtf7, encodeMailboxUtf7 } from '../../src/sync/folders/mutf7.js';

describe('modified UTF-7 mailbox names (RFC 3501 5.1.3)', () => {
  const cases: [string, string][] = [
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['日本語', '&ZeVnLIqe-'],
    ['&', '&-'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['Ünïcödé/Sub', '&ANw-n&AO8-c&APY-d&AOk-/Sub'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
  ];

  it.each(cases)('encodes %j as %j and back', (decoded, encoded) => {
    expect(encodeMailboxUtf7(decoded)).toBe(encoded);
    expect(decodeMailboxUtf7(encoded)).toBe(decoded);
  });

  it('round-trips characters outside the BMP (surrogate pairs) and control characters', () => {
    for (const name of ['Mail 📬', 'a\tb', 'x~y', 'Ĳssel&Co', '&&', 'é&é']) {
      const encoded = encodeMailboxUtf7(name);
      expect(encoded).toMatch(/^[\x20-\x7e]*$/);
      expect(decodeMailboxUtf7(encoded)).toBe(name);
    }
  });

  it('uses "," instead of "/" in the base64 part', () => {
    // U+FFFF encodes to "//8" in standard base64.
    expect(encodeMailboxUtf7('\uffff')).toBe('&,,8-');
    expect(decodeMailboxUtf7('&,,8-')).toBe('\uffff');
  });

  it('returns names that are not valid modified UTF-7 unchanged', () => {
    for (const raw of ['a&b', '&ZeVnLIqe', '&Ze!-', '&A-', '&AB-', '&AAB-']) {
      expect(decodeMailboxUtf7(raw)).toBe(raw);
    }
  });

  it('keeps UTF-8 characters that a UTF8=ACCEPT server sent as they are', () => {
    expect(decodeMailboxUtf7('Entwürfe')).toBe('Entwürfe');
  });
});
