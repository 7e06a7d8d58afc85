import { describe, expect, it } from 'vitest';
import { foldAsciiCase, linearRegex, linearRegexReason } from '../../src/api/linear-regex.js';

describe('linearRegex', () => {
  it.each<[string, string]>([
    ['(a)\\1', 'backreference'],
    ['a(?=b)', 'lookahead'],
    ['.{10239}', 'counted repeat above 16'],
    ['(?<=x)a', 'lookbehind in a global pattern'],
  ])('refuses %j (%s) with the reason and the alternative', (pattern) => {
    expect(linearRegexReason(pattern, 'g')).toMatch(/^cannot run in linear time: .*messages\.wrapLinesLongerThan/);
  });

  it('refuses the u flag and reports syntax errors in plain words', () => {
    expect(linearRegexReason('a', 'u')).toMatch(/only g, i, m, s and y/);
    expect(linearRegexReason('(')).toMatch(/Unterminated group/);
  });

  it('runs a pattern that backtracking engines take exponential time on', () => {
    expect(linearRegex('^(a+)+$').test(`${'a'.repeat(100_000)}b`)).toBe(false);
  });

  it('accepts lookbehind (not global), classes and small counted repeats', () => {
    expect(linearRegex('(?<=x)a{2,16}[^\\n]*').exec('xaaab')?.[0]).toBe('aaab');
    expect('a1b22'.replace(linearRegex('[0-9]{1,16}', 'g'), '#')).toBe('a#b#');
  });
});

describe('the i flag, rewritten for the linear engine as ASCII case folding (Perl /i on bytes)', () => {
  const inputs = ['Disposition-Notification-To', 'DISPOSITION', 'abc', 'ABC', 'aBc', 'xyz', '[', '_', 'é', 'É', 'Z-a'];
  it.each<[string]>([
    ['^disposition-notification-to:?'],
    ['[a-c]+'],
    ['[^a-z]'],
    ['[A-Za-z]+'],
    ['\\x41B\\u0063'],
    ['[\\x41-\\x43]'],
    ['(?<word>abc)'],
    ['\\w+'],
    ['[Z-a]'],
  ])('%j matches what the backtracking /i matches on ASCII', (pattern) => {
    const linear = linearRegex(pattern, 'i');
    const reference = new RegExp(pattern, 'i');
    for (const input of inputs.filter((text) => /^[\x00-\x7f]*$/.test(text))) {
      expect([pattern, input, linear.exec(input)?.[0]]).toEqual([pattern, input, reference.exec(input)?.[0]]);
    }
  });

  it('compares bytes above 127 exactly (Perl without locale)', () => {
    expect(linearRegex('é', 'i').test('É')).toBe(false);
    expect(linearRegex('é', 'i').test('é')).toBe(true);
  });

  it('rewrites letters only', () => {
    expect(foldAsciiCase('a1\\d[b-c_]')).toBe('[aA]1\\d[b-c_B-C]');
  });
});
