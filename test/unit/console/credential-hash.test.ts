import { describe, expect, it } from 'vitest';
import { type AccountPair, credentialHash, pairKey, sameHash } from '../../../src/console/credential-hash.js';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const pair: AccountPair = {
  source: { host: 'imap.old.example', tls: 'auto', user: 'joe', password: 'old-Secret-1' },
  destination: { host: 'imap.new.example', port: 993, tls: 'implicit', user: 'joe@new', password: 'new-Secret-2' },
};
const change = (side: 'source' | 'destination', patch: Partial<AccountPair['source']>): AccountPair => ({
  ...pair,
  [side]: { ...pair[side], ...patch },
});

describe('credential hash', () => {
  it('is stable for the same accounts and credentials, and never contains a password', () => {
    const hash = credentialHash(key, pair);
    expect(credentialHash(key, structuredClone(pair))).toBe(hash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    for (const secret of ['old-Secret-1', 'new-Secret-2']) {
      expect(hash).not.toContain(secret);
      expect(hash).not.toContain(Buffer.from(secret).toString('hex'));
    }
  });

  it.each([
    ['source password', change('source', { password: 'old-Secret-X' })],
    ['destination password', change('destination', { password: 'new-Secret-X' })],
    ['source user', change('source', { user: 'jim' })],
    ['destination host', change('destination', { host: 'imap.other.example' })],
    ['destination port', change('destination', { port: 994 })],
    ['source TLS mode', change('source', { tls: 'starttls' })],
    ['sides swapped', { source: pair.destination, destination: pair.source }],
    ['fields shifted between parts', change('source', { user: 'joe", "old', password: 'Secret-1' })],
  ])('changes with the %s', (_what, other) => {
    expect(credentialHash(key, other)).not.toBe(credentialHash(key, pair));
  });

  it('depends on the key (useless without it)', () => {
    expect(credentialHash(otherKey, pair)).not.toBe(credentialHash(key, pair));
    expect(pairKey(otherKey, pair)).not.toBe(pairKey(key, pair));
  });

  it('pair key: the same mailboxes whatever the passwords or TLS mode; host names are case-insensitive', () => {
    const k = pairKey(key, pair);
    expect(k).toMatch(/^[0-9a-f]{40}$/);
    expect(pairKey(key, change('source', { password: 'another' }))).toBe(k);
    expect(pairKey(key, change('source', { tls: 'implicit' }))).toBe(k);
    expect(pairKey(key, change('source', { host: 'IMAP.OLD.example' }))).toBe(k);
    expect(pairKey(key, change('destination', { user: 'jane@new' }))).not.toBe(k);
  });

  it.each([
    [undefined, 'a', false],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['abc', 'abc', true],
  ])('sameHash(%j, %j) is %s', (a, b, expected) => {
    expect(sameHash(a, b)).toBe(expected);
  });
});
