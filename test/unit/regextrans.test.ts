import { describe, expect, it } from 'vitest';
import type { RenameRule } from '../../src/api/spec.js';
import { ConfigError } from '../../src/sync/errors.js';
import { applyRenameRules, compileRenameRules, parseRegextrans2 } from '../../src/sync/regextrans.js';

/** Parse the imapsync rules and apply them to a name, as the folder mapper does. */
function rename(name: string, ...perl: string[]): string {
  return applyRenameRules(name, compileRenameRules(perl.map(parseRegextrans2)));
}

function rejects(perl: string): string {
  try {
    parseRegextrans2(perl);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(JSON.stringify(perl));
    return (err as Error).message;
  }
  throw new Error(`expected ${perl} to be rejected`);
}

describe('parseRegextrans2: the imapsync FAQ examples', () => {
  it('s/^INBOX\\.(.+)/$1/ removes the INBOX. prefix', () => {
    expect(parseRegextrans2('s/^INBOX\\.(.+)/$1/')).toEqual({ from: '^INBOX\\.(.+)', to: '$01' });
    expect(rename('INBOX.Sent', 's/^INBOX\\.(.+)/$1/')).toBe('Sent');
  });

  it('s{^INBOX$}{Inbox_Migrated} (bracket delimiters)', () => {
    expect(parseRegextrans2('s{^INBOX$}{Inbox_Migrated}')).toEqual({ from: '^INBOX$', to: 'Inbox_Migrated' });
    expect(rename('INBOX', 's{^INBOX$}{Inbox_Migrated}')).toBe('Inbox_Migrated');
    expect(rename('INBOX.x', 's{^INBOX$}{Inbox_Migrated}')).toBe('INBOX.x');
  });

  it('s/.*/INBOX/ and s,\\.,_,g', () => {
    expect(rename('a/b', 's/.*/INBOX/')).toBe('INBOX');
    expect(rename('a.b.c', 's,\\.,_,g')).toBe('a_b_c');
    expect(rename('a.b.c', 's,\\.,_,')).toBe('a_b.c');
  });

  it('s,\\",_,g replaces double quotes', () => {
    expect(rename('say "hi"', 's,\\",_,g')).toBe('say _hi_');
  });

  it('tr,*%.#,_, replaces every listed character', () => {
    expect(parseRegextrans2('tr,*%.#,_,')).toEqual({ from: '[*%.#]', to: '_', flags: 'g' });
    expect(rename('a*b%c.d#e', 'tr,*%.#,_,')).toBe('a_b_c_d_e');
    expect(rename('x-y/z', 'y/-\\//_/')).toBe('x_y_z');
  });

  it('several rules apply in order, each on the previous result', () => {
    expect(rename('mail/Sent Items', 's,^mail/Sent Items$,Sent,', 's,^mail/,INBOX/,')).toBe('Sent');
    expect(rename('mail/Test', 's,^mail/Sent Items$,Sent,', 's,^mail/,INBOX/,')).toBe('INBOX/Test');
  });

  it('the subfolder recipe s,(.*),FOO/$1,', () => {
    expect(rename('a/b', 's,(.*),FOO/$1,')).toBe('FOO/a/b');
  });
});

describe('parseRegextrans2: Perl syntax', () => {
  it('accepts any punctuation delimiter and escaped delimiters', () => {
    expect(parseRegextrans2('s#a#b#')).toEqual({ from: 'a', to: 'b' });
    expect(parseRegextrans2('s|a\\|b|c|')).toEqual({ from: 'a|b', to: 'c' });
    expect(rename('x/y', 's/x\\/y/z/')).toBe('z');
    expect(rename('a\\b', 's/a\\\\b/c/')).toBe('c');
  });

  it('accepts mixed bracket pairs, nesting and spaces between the parts', () => {
    expect(parseRegextrans2('s{a{2}} {b}')).toEqual({ from: 'a{2}', to: 'b' });
    expect(parseRegextrans2('s(x(y)z)[w]')).toEqual({ from: 'x(y)z', to: 'w' });
    expect(parseRegextrans2('s<a>/b/')).toEqual({ from: 'a', to: 'b' });
    expect(parseRegextrans2('  s/a/b/  ')).toEqual({ from: 'a', to: 'b' });
  });

  it('maps flags; x removes whitespace and comments', () => {
    expect(parseRegextrans2('s/a/b/gi')).toEqual({ from: 'a', to: 'b', flags: 'gi' });
    expect(parseRegextrans2('s/a/b/msig')).toEqual({ from: 'a', to: 'b', flags: 'gims' });
    expect(parseRegextrans2('s/a/b/or')).toEqual({ from: 'a', to: 'b' });
    expect(parseRegextrans2('s/ ^ a [ ] b  # comment\n c /x/x')).toEqual({ from: '^a[ ]bc', to: 'x' });
    expect(rename('Sent', 's/sent/Gesendet/i')).toBe('Gesendet');
  });

  it('maps group references ($1, $1 in braces, backslash-1, $&); a braced group before a digit stays that group', () => {
    expect(rename('ab', 's/(a)(b)/$2$1/')).toBe('ba');
    expect(rename('ab', 's/(a)(b)/\\2\\1/')).toBe('ba');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Perl syntax, not a template
    expect(rename('ab', 's/(a)b/${1}0/')).toBe('a0');
    expect(rename('ab', 's/b/[$&]/')).toBe('a[b]');
  });

  it('keeps literal dollars and backslash escapes in the replacement literal', () => {
    expect(rename('a', 's/a/\\$1/')).toBe('$1');
    expect(rename('a', 's/a/5$/')).toBe('5$');
    expect(rename('a', 's/a/x\\.y/')).toBe('x.y');
  });

  it('converts \\A, \\z and \\Q...\\E', () => {
    expect(parseRegextrans2('s/\\AINBOX\\z/X/')).toEqual({ from: '^INBOX$', to: 'X' });
    expect(rename('a.b*c', 's/\\Qa.b*\\E/x/')).toBe('xc');
    expect(rename('aXb*c', 's/\\Qa.b*\\E/x/')).toBe('aXb*c');
  });

  it('rejects what cannot be expressed, with a ConfigError that quotes the rule', () => {
    expect(rejects('s/a/b/e')).toContain('e flag');
    expect(rejects('s/a/b/q')).toContain('unknown flag');
    expect(rejects('s/(.*)/\\L$1/')).toContain('case change');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Perl syntax, not a template
    expect(rejects('s,^(.*),${h2_prefix}$1,')).toContain('Perl variables');
    expect(rejects('s/$h1_prefix//')).toContain('Perl variables');
    expect(rejects('tr/ab/xy/')).toContain('single replacement character');
    expect(rejects('s/a/b')).toContain('missing closing /');
    expect(rejects('s{a}')).toContain('expected a delimiter');
    expect(rejects('m/a/')).toContain('expected a substitution');
    expect(rejects('s/(/x/')).toContain('invalid regular expression');
    expect(rejects('s//x/')).toContain('empty');
  });
});

describe('compileRenameRules', () => {
  it('compiles spec rules and applies them in order', () => {
    const rules: RenameRule[] = [
      { from: '^INBOX\\.', to: '' },
      { from: 'a', to: 'A', flags: 'g' },
    ];
    expect(applyRenameRules('INBOX.banana', compileRenameRules(rules))).toBe('bAnAnA');
  });

  it('gives the same result on every call, even with sticky or global regexes', () => {
    const compiled = compileRenameRules([{ from: 'a', to: 'b', flags: 'y' }]);
    expect(applyRenameRules('aa', compiled)).toBe('ba');
    expect(applyRenameRules('aa', compiled)).toBe('ba');
  });

  it('names the field of an invalid rule, in the words of specProblems', () => {
    expect(() =>
      compileRenameRules([
        { from: 'ok', to: '' },
        { from: '[', to: '' },
      ]),
    ).toThrowError(
      /^spec\.folders\.rename\[1\]\.from: invalid regular expression: \/\[\/: Unterminated character class$/,
    );
    expect(() => compileRenameRules([{ from: 'a', to: '', flags: 'e' }])).toThrowError(ConfigError);
  });
});
