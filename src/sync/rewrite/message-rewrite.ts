/**
 * What the destination gets instead of the source's bytes, when the spec asks
 * for it (`messages`, imapsync --regexmess, --disarmreadreceipts and the
 * office2/exchange2 line-wrap rule). The steps run in this order: the rewrite
 * rules in their order (as imapsync applies its --regexmess list), then the
 * read-receipt disarming, then the line wrap last, so that no later step can
 * bring back a line the destination refuses.
 *
 * Rewrite rules see the message as bytes (latin1: one character per byte);
 * non-ASCII characters in a pattern or replacement stand for their UTF-8
 * bytes. They run on V8's linear-time engine (api/linear-regex.ts).
 */
import { linearRegex } from '../../api/linear-regex.js';
import type { RewriteRule } from '../../api/spec.js';
import { ConfigError } from '../errors.js';
import { wrapLongLines } from './line-wrap.js';
import { disarmReadReceipts } from './read-receipts.js';

export interface MessageRewriteOptions {
  rewrite: readonly RewriteRule[];
  /** 0: off. */
  wrapLinesLongerThan: number;
  disarmReadReceipts: boolean;
}

/** Whether the options change message bytes at all (then identities leave the size out: identity.ts). */
export function rewritesMessages(options: MessageRewriteOptions): boolean {
  return options.rewrite.length > 0 || options.wrapLinesLongerThan > 0 || options.disarmReadReceipts;
}

export interface RewriteOutcome {
  raw: Buffer;
  /** The steps that changed the bytes, e.g. ['rewrite[0]', 'wrapLinesLongerThan']; empty: `raw` is the input. */
  changedBy: string[];
}

export type MessageRewriter = (raw: Buffer) => RewriteOutcome;

/** Text as the bytes it stands for in a latin1 view of a message: non-ASCII characters as their UTF-8 bytes. */
const asBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** The rewriter of the options; undefined when they change nothing. Bad patterns throw ConfigError. */
export function compileMessageRewriter(options: MessageRewriteOptions): MessageRewriter | undefined {
  if (!rewritesMessages(options)) return undefined;
  const rules = options.rewrite.map((rule, index) => {
    try {
      return { regex: linearRegex(asBytes(rule.from), rule.flags), to: asBytes(rule.to), name: `rewrite[${index}]` };
    } catch (err) {
      throw new ConfigError(`spec.messages.rewrite[${index}].from: ${(err as Error).message}`);
    }
  });
  return (input) => {
    const changedBy: string[] = [];
    let raw = input;
    if (rules.length > 0) {
      const before = raw.toString('latin1');
      let text = before;
      for (const rule of rules) {
        rule.regex.lastIndex = 0;
        const next = text.replace(rule.regex, rule.to);
        if (next !== text) changedBy.push(rule.name);
        text = next;
      }
      if (text !== before) raw = Buffer.from(text, 'latin1');
    }
    if (options.disarmReadReceipts) {
      const next = disarmReadReceipts(raw);
      if (next !== raw) changedBy.push('disarmReadReceipts');
      raw = next;
    }
    if (options.wrapLinesLongerThan > 0) {
      const next = wrapLongLines(raw, options.wrapLinesLongerThan);
      if (next !== raw) changedBy.push('wrapLinesLongerThan');
      raw = next;
    }
    // A rule that changed the text and a later one that changed it back: the bytes are the source's.
    if (changedBy.length > 0 && raw.equals(input)) return { raw: input, changedBy: [] };
    return { raw, changedBy };
  };
}
