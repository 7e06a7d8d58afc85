/**
 * imapsync's `--regextrans2` rules (Perl substitutions such as
 * `s/^INBOX\.(.+)/$1/` or `s{^INBOX$}{Inbox_Migrated}`) turned into the
 * spec's RenameRule (a JavaScript regex, a replacement and flags), and the
 * compiled form the folder mapper applies.
 *
 * Accepted Perl syntax:
 * - `s<d>pattern<d>replacement<d>flags` with any punctuation delimiter `<d>`,
 *   or bracketing pairs `s{...}{...}`, `s(...)[...]`, `s<...>/.../`; a
 *   backslash before the delimiter is removed, as Perl does;
 * - flags g, i, m, s, x (x is expanded: unescaped whitespace and `#` comments
 *   outside character classes are removed), o and r (meaningless here, ignored);
 * - in the pattern, `\A` `\z` `\Z` become `^` `$` `$`, and `\Q...\E` quotes;
 * - in the replacement, `$1`, `${1}` and `\1` refer to groups, `$&` to the match;
 * - `tr/chars/X/` (and `y///`) that replaces every listed character by one
 *   character, as in the imapsync FAQ (`tr,*%.#,_,`).
 * Perl-only features (the e flag, variables such as `${h2_prefix}`, case
 * changes `\L` `\U` `\u` `\l`) give a ConfigError naming the rule.
 */
import type { RenameRule } from '../api/spec.js';
import { invalidRegexReason } from '../api/spec-problems.js';
import { ConfigError } from './errors.js';
import { userRegex } from './user-regex.js';

const BRACKETS: Record<string, string> = { '{': '}', '(': ')', '[': ']', '<': '>' };
const ALLOWED_FLAGS = new Set(['g', 'i', 'm', 's', 'x', 'o', 'r']);

class Cursor {
  constructor(
    readonly text: string,
    public pos: number,
  ) {}
  skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  get done(): boolean {
    return this.pos >= this.text.length;
  }
}

function invalid(text: string, why: string): ConfigError {
  return new ConfigError(`--regextrans2 ${JSON.stringify(text)}: ${why}`);
}

/**
 * Read one delimited part starting at the opening delimiter. Backslash +
 * delimiter loses its backslash; every other escape is kept as written.
 */
function readPart(cursor: Cursor, original: string): string {
  const open = cursor.text[cursor.pos];
  if (open === undefined || /[\w\s\\]/.test(open)) throw invalid(original, 'expected a delimiter such as / or {');
  const close = BRACKETS[open] ?? open;
  const nests = close !== open;
  let depth = 0;
  let body = '';
  cursor.pos++;
  while (!cursor.done) {
    const ch = cursor.text[cursor.pos]!;
    if (ch === '\\' && cursor.pos + 1 < cursor.text.length) {
      const next = cursor.text[cursor.pos + 1]!;
      body += next === open || next === close ? next : ch + next;
      cursor.pos += 2;
      continue;
    }
    if (nests && ch === open) depth++;
    if (ch === close) {
      if (depth === 0) {
        cursor.pos++;
        return body;
      }
      depth--;
    }
    body += ch;
    cursor.pos++;
  }
  throw invalid(original, `missing closing ${close}`);
}

/** Read pattern and replacement: `/a/b/` shares the middle delimiter, `{a}{b}` has two bracketed parts. */
function readTwoParts(cursor: Cursor, original: string): [string, string] {
  cursor.skipSpaces();
  const open = cursor.text[cursor.pos];
  const first = readPart(cursor, original);
  if (open !== undefined && open in BRACKETS) {
    cursor.skipSpaces();
    return [first, readPart(cursor, original)];
  }
  cursor.pos--; // the closing delimiter of the first part opens the second
  return [first, readPart(cursor, original)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Perl /x: drop unescaped whitespace and # comments outside character classes. */
function expandExtended(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      out += ch + pattern[i + 1];
      i++;
    } else if (inClass) {
      out += ch;
      if (ch === ']') inClass = false;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
    } else if (ch === '#') {
      while (i < pattern.length && pattern[i] !== '\n') i++;
    } else if (!/\s/.test(ch)) {
      out += ch;
    }
  }
  return out;
}

function perlPatternToJs(pattern: string, original: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      const next = pattern[i + 1]!;
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        out += escapeRegExp(pattern.slice(i + 2, end === -1 ? undefined : end));
        i = end === -1 ? pattern.length : end + 1;
        continue;
      }
      if (next === 'A') out += '^';
      else if (next === 'z' || next === 'Z') out += '$';
      else out += ch + next;
      i++;
      continue;
    }
    if (ch === '$' && /[A-Za-z_{]/.test(pattern[i + 1] ?? '')) {
      throw invalid(original, 'Perl variables in the pattern are not supported: write the folder name itself');
    }
    out += ch;
  }
  return out;
}

/** A group reference in JS replacement syntax; two digits so that `${1}0` stays group 1 followed by 0. */
function groupRef(group: number): string {
  return `$${String(group).padStart(2, '0')}`;
}

function perlReplacementToJs(replacement: string, original: string): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const ch = replacement[i]!;
    const next = replacement[i + 1];
    if (ch === '\\' && next !== undefined) {
      i++;
      if (/[1-9]/.test(next)) out += groupRef(Number(next));
      else if ('LUluEQ'.includes(next)) throw invalid(original, `\\${next} (case change) is not supported`);
      else if (next === 'n') out += '\n';
      else if (next === 'r') out += '\r';
      else if (next === 't') out += '\t';
      else if (next === '$') out += '$$';
      else out += next;
      continue;
    }
    if (ch === '$') {
      const rest = replacement.slice(i + 1);
      const numbered = /^(\d{1,2})/.exec(rest) ?? /^\{(\d{1,2})\}/.exec(rest);
      if (numbered) {
        out += groupRef(Number(numbered[1]));
        i += numbered[0].length;
      } else if (rest.startsWith('&')) {
        out += '$&';
        i++;
      } else if (/^[A-Za-z_{]/.test(rest)) {
        throw invalid(original, 'Perl variables such as $h2_prefix are not supported: write the folder name itself');
      } else {
        out += '$$';
      }
      continue;
    }
    out += ch;
  }
  return out;
}

/** The characters of a tr/// list, with escapes resolved (ranges such as a-z are kept). */
function trList(list: string): string[] {
  const chars: string[] = [];
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '\\' && i + 1 < list.length) {
      chars.push(`\\${list[i + 1]}`);
      i++;
    } else {
      chars.push(list[i]!);
    }
  }
  return chars;
}

function parseTransliteration(cursor: Cursor, original: string): RenameRule {
  const [search, replace] = readTwoParts(cursor, original);
  const flags = cursor.text.slice(cursor.pos).trim();
  if (flags !== '') throw invalid(original, `tr flags "${flags}" are not supported`);
  if (search === '') throw invalid(original, 'tr needs a list of characters to replace');
  const replacement = trList(replace).map((c) => (c.startsWith('\\') ? c.slice(1) : c));
  const unique = new Set(replacement);
  if (unique.size !== 1) {
    throw invalid(original, 'only tr with a single replacement character is supported (e.g. tr,*%.#,_,)');
  }
  const members = trList(search)
    .map((c) => (c.startsWith('\\') ? escapeRegExp(c.slice(1)) : c === ']' || c === '^' || c === '[' ? `\\${c}` : c))
    .join('');
  const to = replacement[0]! === '$' ? '$$' : replacement[0]!;
  return { from: `[${members}]`, to, flags: 'g' };
}

/** Parse one imapsync `--regextrans2` value into a RenameRule. Invalid input throws ConfigError. */
export function parseRegextrans2(text: string): RenameRule {
  const cursor = new Cursor(text, 0);
  cursor.skipSpaces();
  if (text.startsWith('tr', cursor.pos) && !/\w/.test(text[cursor.pos + 2] ?? '')) {
    cursor.pos += 2;
    return validated(parseTransliteration(cursor, text), text);
  }
  if (text.startsWith('y', cursor.pos) && !/\w/.test(text[cursor.pos + 1] ?? '')) {
    cursor.pos += 1;
    return validated(parseTransliteration(cursor, text), text);
  }
  if (text[cursor.pos] !== 's') throw invalid(text, 'expected a substitution such as s/from/to/');
  cursor.pos++;
  const [pattern, replacement] = readTwoParts(cursor, text);
  const perlFlags = text.slice(cursor.pos).trim();
  for (const flag of perlFlags) {
    if (flag === 'e') throw invalid(text, 'the e flag (evaluate Perl code) is not supported');
    if (!ALLOWED_FLAGS.has(flag)) throw invalid(text, `unknown flag "${flag}"`);
  }
  if (pattern === '') throw invalid(text, 'the pattern is empty');
  const source = perlFlags.includes('x') ? expandExtended(pattern) : pattern;
  const flags = ['g', 'i', 'm', 's'].filter((flag) => perlFlags.includes(flag)).join('');
  const rule: RenameRule = { from: perlPatternToJs(source, text), to: perlReplacementToJs(replacement, text) };
  if (flags) rule.flags = flags;
  return validated(rule, text);
}

function validated(rule: RenameRule, text: string): RenameRule {
  try {
    new RegExp(rule.from, rule.flags);
  } catch (err) {
    throw invalid(text, `invalid regular expression: ${(err as Error).message}`);
  }
  return rule;
}

export interface CompiledRenameRule {
  rule: RenameRule;
  regex: RegExp;
}

/**
 * Compile the spec's rename rules (checked by src/api/spec-problems.ts already; a rule that still does not compile
 * is a ConfigError in the same words).
 */
export function compileRenameRules(rules: readonly RenameRule[] | undefined): CompiledRenameRule[] {
  return (rules ?? []).map((rule, index) => {
    const why = invalidRegexReason(rule.from, rule.flags);
    if (why !== undefined) {
      throw new ConfigError(`spec.folders.rename[${index}].from: invalid regular expression: ${why}`);
    }
    return { rule, regex: userRegex(rule.from, rule.flags) };
  });
}

/** Apply the rules in order, each on the result of the previous one (imapsync semantics). */
export function applyRenameRules(name: string, rules: readonly CompiledRenameRule[]): string {
  let result = name;
  for (const { rule, regex } of rules) {
    regex.lastIndex = 0; // sticky and global regexes carry state between uses
    result = result.replace(regex, rule.to);
  }
  return result;
}

/**
 * An imapsync Perl substitution given to another option (--regexmess,
 * --regexflag): the same syntax as --regextrans2, that option's name in the
 * errors.
 */
export function parsePerlSubstitution(text: string, option: string): RenameRule {
  try {
    return parseRegextrans2(text);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.message.replace(/^--regextrans2 /, `--${option} `));
    throw err;
  }
}
