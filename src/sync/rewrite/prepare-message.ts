/**
 * One fetched source message on its way to the destination: rewritten when
 * the spec says so (message-rewrite.ts), checked against the line-length
 * limit (imapsync --maxlinelength, after the rewrites as in imapsync's
 * copy_message), and checked to keep its identity.
 *
 * The identity check is what makes a rewrite safe to re-run: the planner
 * finds a destination copy by the identity of its header lines
 * (identity.ts). A rewrite that changes them (a rule on Message-ID, a wrap
 * inside a Received line) would make every later run copy the message again;
 * such a message is not sent and fails with reason RewriteChangesIdentity.
 */
import { messageDigest } from '../identity.js';
import { headerEnd } from './header-block.js';
import { longestLine } from './longest-line.js';
import type { MessageRewriter } from './message-rewrite.js';

export interface PrepareOptions {
  rewriter?: MessageRewriter;
  /** filters.maxLineLength. */
  maxLineLength?: number;
  identityHeaders: readonly string[];
}

export type Prepared =
  /** Send `raw`; `changedBy` names the steps that changed it (empty: the source's bytes). */
  | { kind: 'send'; raw: Buffer; changedBy: string[] }
  /** Left out like a filtered message (not an error). */
  | { kind: 'skip'; reason: 'LineTooLong'; text: string }
  | { kind: 'fail'; reason: 'RewriteChangesIdentity'; text: string };

function identityOf(raw: Buffer, internalDate: Date, headers: readonly string[]): Buffer {
  return messageDigest(raw.subarray(0, headerEnd(raw)), { size: raw.length, internalDate, sizeFree: true }, headers);
}

export function prepareMessage(source: Buffer, internalDate: Date, options: PrepareOptions): Prepared {
  let raw = source;
  let changedBy: string[] = [];
  if (options.rewriter) {
    ({ raw, changedBy } = options.rewriter(source));
    if (changedBy.length > 0) {
      const before = identityOf(source, internalDate, options.identityHeaders);
      if (!before.equals(identityOf(raw, internalDate, options.identityHeaders))) {
        return {
          kind: 'fail',
          reason: 'RewriteChangesIdentity',
          text:
            `not copied: ${changedBy.join(', ')} would change its identity headers ` +
            `(${options.identityHeaders.join(', ')}, or Date/From/Subject/To without them), ` +
            'so a re-run could not recognise the copy; change the rule so that it leaves them alone',
        };
      }
    }
  }
  if (options.maxLineLength !== undefined) {
    const longest = longestLine(raw);
    if (longest > options.maxLineLength) {
      return {
        kind: 'skip',
        reason: 'LineTooLong',
        text: `skipped: a line of ${longest} bytes is longer than filters.maxLineLength ${options.maxLineLength}`,
      };
    }
  }
  return { kind: 'send', raw, changedBy };
}
