/**
 * imapsync --regexflag (spec messages.flagRewrite): rules applied in order to
 * a source message's flags written as one space-separated list, as imapsync's
 * flags_for_host2 does, wherever the source's flags go to the destination:
 * the APPEND and the flag comparison of later runs (imapsync sync_flags). So
 * exchange2's `s/\\Flagged//g` keeps \Flagged off the destination for as long
 * as the rule is on; a run without it then sets \Flagged with STORE, which is
 * the two-run recipe of FAQ.Exchange.txt ("the flag Flagged does not seem to
 * be well synced").
 */
import { linearRegex } from '../../api/linear-regex.js';
import type { RewriteRule } from '../../api/spec.js';
import { ConfigError } from '../errors.js';

export type FlagRewriter = (flags: readonly string[]) => string[];

/** The rewriter of the rules; undefined when there are none. Bad patterns throw ConfigError. */
export function compileFlagRewriter(rules: readonly RewriteRule[]): FlagRewriter | undefined {
  if (rules.length === 0) return undefined;
  const compiled = rules.map((rule, index) => {
    try {
      return { regex: linearRegex(rule.from, rule.flags), to: rule.to };
    } catch (err) {
      throw new ConfigError(`spec.messages.flagRewrite[${index}].from: ${(err as Error).message}`);
    }
  });
  return (flags) => {
    let text = flags.join(' ');
    for (const { regex, to } of compiled) {
      regex.lastIndex = 0;
      text = text.replace(regex, to);
    }
    return [...new Set(text.split(/\s+/).filter((flag) => flag !== ''))];
  };
}
