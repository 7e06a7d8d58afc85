import { describe, expect, it } from 'vitest';
import { LabelSelectorError, parseLabelSelector, selectorMatches } from '../../src/kube/label-selector.js';

describe('label selectors (equality-based, as kubectl)', () => {
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['mailsync.io/credentials=true', { 'mailsync.io/credentials': 'true' }, true],
    ['mailsync.io/credentials=true', { 'mailsync.io/credentials': 'false' }, false],
    ['mailsync.io/credentials=true', undefined, false],
    ['mailsync.io/credentials==true', { 'mailsync.io/credentials': 'true' }, true],
    ['mailsync.io/credentials', { 'mailsync.io/credentials': '' }, true],
    ['mailsync.io/credentials', { other: 'x' }, false],
    ['!legacy', { other: 'x' }, true],
    ['!legacy', { legacy: 'x' }, false],
    ['tier!=prod', { tier: 'dev' }, true],
    ['tier!=prod', {}, true],
    ['tier!=prod', { tier: 'prod' }, false],
    ['a=1, b=2', { a: '1', b: '2' }, true],
    ['a=1,b=2', { a: '1' }, false],
    ['toString', {}, false],
  ])('%s on %j: %s', (text, labels, expected) => {
    expect(selectorMatches(parseLabelSelector(text), labels)).toBe(expected);
  });

  it.each([
    ['', 'label selector is empty'],
    [' , ', 'label selector is empty'],
    ['env in (a,b)', 'is not a'],
    ['a=b c', 'is not a label value'],
    ['/x=1', 'is not a label key'],
  ])('refuses %j', (text, message) => {
    expect(() => parseLabelSelector(text)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(text)).toThrow(message);
  });
});
