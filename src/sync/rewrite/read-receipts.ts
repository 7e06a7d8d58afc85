/**
 * imapsync --disarmreadreceipts (on in its office2 and exchange2 presets):
 * every `Disposition-Notification-To:` header field becomes
 * `X-Disposition-Notification-To:`, so that the destination's clients do not
 * send read receipts again for old mail (FAQ.Exchange.txt, "read receipts are
 * all resent again after a sync"). Only the header is looked at; the body is
 * never changed. imapsync's regex renames the first such field; a message
 * with two would still ask for a receipt, so here each one is renamed.
 */
import { headerEnd } from './header-block.js';

const FIELD = 'disposition-notification-to:';
const PREFIX = Buffer.from('X-');

export function disarmReadReceipts(raw: Buffer): Buffer {
  const end = headerEnd(raw);
  const header = raw.subarray(0, end).toString('latin1').toLowerCase();
  const parts: Buffer[] = [];
  let copiedUpTo = 0;
  let at = header.startsWith(FIELD) ? 0 : -1;
  for (let from = 0; ; ) {
    if (at < 0) {
      const next = header.indexOf(`\n${FIELD}`, from);
      if (next < 0) break;
      at = next + 1;
    }
    parts.push(raw.subarray(copiedUpTo, at), PREFIX);
    copiedUpTo = at;
    from = at + FIELD.length;
    at = -1;
  }
  if (parts.length === 0) return raw;
  parts.push(raw.subarray(copiedUpTo));
  return Buffer.concat(parts);
}
