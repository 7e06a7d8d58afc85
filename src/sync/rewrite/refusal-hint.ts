/**
 * Why the destination refused an APPEND, when the message itself says it:
 * Exchange and Office 365 refuse a message with a line longer than about
 * 10,000 bytes, with a bare "BAD Command Argument Error. 11" (imapsync
 * FAQ.Exchange.txt and FAQ.Office365.txt: Exchange takes about 9,900,
 * Office 365 about 10,500). RFC 5322 allows 998 bytes a line, so a refused
 * message with a longer line gets reason LineTooLong and the remedy, with the
 * server's own words kept.
 */
import { longestLine } from './longest-line.js';

/** RFC 5322 2.1.1: a line must be at most 998 characters (without its CRLF). */
export const RFC5322_LINE_LIMIT = 998;

export interface Refusal {
  reason: string;
  text: string;
}

/** The refusal as reported: LineTooLong when the sent message has a line over the RFC limit, else unchanged. */
export function explainRefusal(sent: Buffer, refusal: Refusal): Refusal {
  if (refusal.reason !== 'BadCommand' && refusal.reason !== 'Rejected') return refusal;
  const longest = longestLine(sent);
  if (longest <= RFC5322_LINE_LIMIT + 2) return refusal;
  return {
    reason: 'LineTooLong',
    text:
      `${refusal.text} (the message has a line of ${longest} bytes; Exchange and Office 365 refuse lines ` +
      'over about 10,000: use the destination preset office365 or exchange, or set ' +
      'messages.wrapLinesLongerThan, or filters.maxLineLength to skip such messages)',
  };
}
