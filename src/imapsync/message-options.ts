/**
 * imapsync's options that change messages and flags on their way, and the
 * folder mapping --f1f2 (spec.messages, filters.maxLineLength, folders.map):
 * --regexmess, --disarmreadreceipts, --maxlinelength, --regexflag, --f1f2,
 * and the --no* options that turn a preset's part off (preset-options.ts;
 * --noexclude is in global-options.ts).
 */
import { linearRegexReason } from '../api/linear-regex.js';
import type { RewriteRule } from '../api/spec.js';
import { ConfigError } from '../sync/errors.js';
import { parsePerlSubstitution } from '../sync/regextrans.js';
import { appendsTo, numberField, type OptionDef, setsField } from './option-def.js';
import type { OptOut, ParseState } from './parse-state.js';

/** imapsync's own line-wrap rule, as its FAQs write it: `s,(.{10239}),$1\r\n,g`. */
const FAQ_WRAP = /^\s*s,\(\.\{(\d+)\}\),\$1\\r\\n,g\s*$/;

/** A Perl substitution for message contents or flags: it must run on the linear-time engine. */
function linearRule(value: string, option: string): RewriteRule {
  const rule = parsePerlSubstitution(value, option);
  const why = linearRegexReason(rule.from, rule.flags);
  if (why !== undefined) throw new ConfigError(`--${option} ${JSON.stringify(value)}: ${why}`);
  return rule;
}

function regexmess(s: ParseState, value: string): void {
  const wrap = FAQ_WRAP.exec(value);
  if (wrap) {
    // The linear-time engine cannot run .{10239}; the same rule is built in.
    s.overrides.messages.wrapLinesLongerThan = Number(wrap[1]);
    s.notices.push(
      `--regexmess ${JSON.stringify(value)} is imapsync's line-wrap rule: messages.wrapLinesLongerThan ${wrap[1]}`,
    );
    return;
  }
  const rule = linearRule(value, 'regexmess');
  if (rule.flags?.includes('m') && /\\[AzZ]/.test(value)) {
    throw new ConfigError(
      `--regexmess ${JSON.stringify(value)}: \\A, \\z and \\Z with the m flag are not supported (drop m, or use ^ and $)`,
    );
  }
  const rules = s.overrides.messages.rewrite ?? [];
  rules.push(rule);
  s.overrides.messages.rewrite = rules;
}

function f1f2(value: string): { source: string; destination: string } {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) {
    throw new ConfigError(`--f1f2 ${JSON.stringify(value)}: expected source=destination, e.g. "Files=Files_old"`);
  }
  return { source: value.slice(0, at), destination: value.slice(at + 1) };
}

function optOut(part: OptOut): OptionDef {
  return { value: 'none', apply: (s) => void s.optOuts.add(part) };
}

export const MESSAGE_OPTIONS: Readonly<Record<string, OptionDef>> = {
  regexmess: { value: 'string', apply: regexmess },
  noregexmess: optOut('regexmess'),
  maxlinelength: numberField('int', 'filters', 'maxLineLength'),
  disarmreadreceipts: setsField('messages', 'disarmReadReceipts', true),
  nodisarmreadreceipts: setsField('messages', 'disarmReadReceipts', false),
  regexflag: appendsTo('messages', 'flagRewrite', (v) => linearRule(v, 'regexflag')),
  noregexflag: optOut('regexflag'),
  f1f2: appendsTo('folders', 'map', f1f2),
  nof1f2: optOut('f1f2'),
};
