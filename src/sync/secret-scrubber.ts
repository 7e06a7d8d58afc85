/**
 * The one scrubber of a password or token in text that goes into an error,
 * a log line or status (server text: a server may echo what it was sent).
 * It replaces the secret as written, and in base64 at any alignment: a SASL
 * initial response (PLAIN, XOAUTH2, OAUTHBEARER) carries the secret base64
 * encoded inside a longer blob, so a server echoing that blob would otherwise
 * leak it. Every IMAP connection of the engine scrubs with this.
 */

/** Secrets shorter than this are not scrubbed: replacing "ab" everywhere would garble any text and hide nothing. */
const MIN_SECRET_CHARS = 3;
export const SCRUBBED = '***';

/**
 * The base64 characters that depend only on `secret`'s bytes when it sits at
 * byte offset 0, 1 or 2 (mod 3) of a longer encoded blob: whatever surrounds
 * it, one of these three is inside the blob's base64.
 */
export function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const start = Math.ceil((4 * shift) / 3);
    const end = Math.floor((4 * (shift + bytes.length)) / 3);
    const core = encoded.slice(start, end);
    // Shorter cores (secrets under 6 bytes at some offsets) would match ordinary words.
    if (core.length >= 4) cores.push(core, toBase64Url(core));
  }
  return [...new Set(cores)];
}

function toBase64Url(text: string): string {
  return text.replaceAll('+', '-').replaceAll('/', '_');
}

export class SecretScrubber {
  private forms: string[] = [];

  /** Scrub `secret` (and its encodings) from now on; `undefined` forgets it. */
  set(secret: string | undefined): void {
    if (secret === undefined || secret.length < MIN_SECRET_CHARS) {
      this.forms = [];
      return;
    }
    // Longest first: a form that contains another is replaced whole.
    this.forms = [secret, ...base64Cores(secret)].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text;
    for (const form of this.forms) if (out.includes(form)) out = out.split(form).join(SCRUBBED);
    return out;
  }
}
