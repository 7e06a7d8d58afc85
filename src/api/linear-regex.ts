/**
 * Regular expressions that run on message contents (messages.rewrite,
 * imapsync --regexmess) and flag lists (messages.flagRewrite, --regexflag)
 * must take linear time whatever the input: a message is megabytes a hostile
 * sender chose, so a backtracking pattern could stall a run for hours.
 *
 * They are compiled with V8's linear-time engine only (the `l` flag), never
 * with the backtracking one. That engine refuses backreferences, lookahead,
 * counted repeats above 16 (`.{10239}`: use messages.wrapLinesLongerThan), and
 * the `i` and `u` flags. For `i`, the pattern is rewritten so that every
 * ASCII letter matches both cases (`a` becomes `[aA]`, `[a-c]` becomes
 * `[a-cA-C]`), which is what Perl's /i does on bytes: message text is read as
 * latin1 (one character per byte), and bytes above 127 are compared exactly.
 */
import v8 from 'node:v8';

let engineEnabled = false;

function enableLinearEngine(): void {
  if (engineEnabled) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  engineEnabled = true;
}

/** The flags a linear pattern may have (as given by a user; `i` is rewritten away). */
export const LINEAR_FLAGS = /^[gimsy]*$/;

const isLetter = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const swapCase = (code: number) => String.fromCharCode(code ^ 0x20);
const escapeInClass = (ch: string) => (/[\\\]^-]/.test(ch) ? `\\${ch}` : ch);

/** The character an escape at `pattern[i]` (a backslash) stands for when it is a literal \xHH or \uHHHH, with its length. */
function literalEscape(pattern: string, i: number): { char: string; length: number } | undefined {
  const hex = /^\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))/.exec(pattern.slice(i, i + 6));
  if (!hex) return undefined;
  return { char: String.fromCharCode(Number.parseInt(hex[1] ?? hex[2]!, 16)), length: hex[0].length };
}

/** The other-case range(s) of the ASCII letters inside [lo, hi]. */
function otherCaseRanges(lo: number, hi: number): string {
  let extra = '';
  for (const [from, to] of [
    [65, 90],
    [97, 122],
  ] as const) {
    const a = Math.max(lo, from);
    const b = Math.min(hi, to);
    if (a <= b) extra += a === b ? escapeInClass(swapCase(a)) : `${swapCase(a)}-${swapCase(b)}`;
  }
  return extra;
}

/** One character class starting at `pattern[start]` ('['), made case-insensitive for ASCII; returns it and its end. */
function foldClass(pattern: string, start: number): { text: string; end: number } {
  let i = start + 1;
  let text = '[';
  if (pattern[i] === '^') {
    text += '^';
    i++;
  }
  let extra = '';
  // Each member: a single character (literal or \xHH), another escape (\d, \w...), or a range.
  const member = (at: number): { code?: number; raw: string; length: number } => {
    if (pattern[at] === '\\') {
      const literal = literalEscape(pattern, at);
      if (literal)
        return {
          code: literal.char.charCodeAt(0),
          raw: pattern.slice(at, at + literal.length),
          length: literal.length,
        };
      return { raw: pattern.slice(at, at + 2), length: 2 };
    }
    return { code: pattern.charCodeAt(at), raw: pattern[at]!, length: 1 };
  };
  while (i < pattern.length && pattern[i] !== ']') {
    const first = member(i);
    i += first.length;
    if (pattern[i] === '-' && pattern[i + 1] !== ']' && i + 1 < pattern.length && first.code !== undefined) {
      const second = member(i + 1);
      if (second.code !== undefined) {
        text += `${first.raw}-${second.raw}`;
        extra += otherCaseRanges(first.code, second.code);
        i += 1 + second.length;
        continue;
      }
    }
    text += first.raw;
    if (first.code !== undefined && isLetter(first.code)) extra += escapeInClass(swapCase(first.code));
  }
  return { text: `${text}${extra}]`, end: i + 1 };
}

/** The pattern with every ASCII letter matching both cases (Perl's /i on bytes). */
export function foldAsciiCase(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const literal = literalEscape(pattern, i);
      const code = literal?.char.charCodeAt(0);
      if (literal && code !== undefined && isLetter(code)) {
        out += `[${literal.char}${swapCase(code)}]`;
        i += literal.length;
        continue;
      }
      // \cX takes its letter with it; every other escape is two characters.
      const length = pattern[i + 1] === 'c' ? 3 : 2;
      out += pattern.slice(i, i + length);
      i += length;
      continue;
    }
    if (ch === '[') {
      const folded = foldClass(pattern, i);
      out += folded.text;
      i = folded.end;
      continue;
    }
    if (pattern.startsWith('(?<', i) && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') {
      // A named group: its name is not text to match.
      const close = pattern.indexOf('>', i);
      const end = close < 0 ? pattern.length : close + 1;
      out += pattern.slice(i, end);
      i = end;
      continue;
    }
    const code = pattern.charCodeAt(i);
    out += isLetter(code) ? `[${ch}${swapCase(code)}]` : ch;
    i++;
  }
  return out;
}

/**
 * Compile a user's pattern for the linear-time engine; throws an Error whose
 * message says why it cannot run in linear time (or is not a valid pattern).
 */
export function linearRegex(pattern: string, flags = ''): RegExp {
  if (!LINEAR_FLAGS.test(flags)) {
    throw new Error(`flags "${flags}": only g, i, m, s and y are allowed (u cannot run in linear time)`);
  }
  enableLinearEngine();
  const source = flags.includes('i') ? foldAsciiCase(pattern) : pattern;
  try {
    return new RegExp(source, `${flags.replace('i', '')}l`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/linear time/.test(message)) {
      throw new Error(
        'cannot run in linear time: backreferences (\\1), lookahead ((?=...), (?!...)), lookbehind with the g ' +
          'or y flag, and counted repeats above 16 (such as .{10239}: use messages.wrapLinesLongerThan) are not allowed',
      );
    }
    throw new Error(message.replace(/^Invalid regular expression: /, ''));
  }
}

/** Why a pattern cannot be compiled with linearRegex, or undefined when it can. */
export function linearRegexReason(pattern: string, flags?: string): string | undefined {
  try {
    linearRegex(pattern, flags);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
