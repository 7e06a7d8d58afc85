/**
 * The spec's message and flag rules, compiled once per run: what the folder
 * sync hands to the listing (flag rewrite, identity without the size) and to
 * the copy (the per-message preparation).
 */
import type { EffectiveSpec } from '../../api/spec-defaults.js';
import type { MessageMeta } from '../types.js';
import { compileFlagRewriter, type FlagRewriter } from './flag-rewrite.js';
import { compileMessageRewriter, rewritesMessages } from './message-rewrite.js';
import { type Prepared, prepareMessage } from './prepare-message.js';

export interface MessageRules {
  /** Source flags as the destination should have them; absent: as they are. */
  flagRewriter?: FlagRewriter;
  /** Messages may be rewritten: fallback identities leave the size out (identity.ts). */
  sizeFreeIdentity: boolean;
  /** What to send for a fetched message; absent: its bytes as they are. */
  prepare?: (raw: Buffer, message: MessageMeta) => Prepared;
}

/** Throws ConfigError for a rule that cannot run (checked before by spec-problems.ts, in the same words). */
export function compileMessageRules(spec: EffectiveSpec): MessageRules {
  const rewriter = compileMessageRewriter(spec.messages);
  const maxLineLength = spec.filters.maxLineLength;
  const options = { rewriter, maxLineLength, identityHeaders: spec.identityHeaders };
  return {
    flagRewriter: compileFlagRewriter(spec.messages.flagRewrite),
    sizeFreeIdentity: rewritesMessages(spec.messages),
    prepare:
      rewriter || maxLineLength !== undefined
        ? (raw, message) => prepareMessage(raw, message.internalDate, options)
        : undefined,
  };
}
