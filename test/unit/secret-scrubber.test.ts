import { describe, expect, it } from 'vitest';
import { saslPlainResponse, xoauth2Response } from '../../src/sync/sasl.js';
import { base64Cores, SecretScrubber } from '../../src/sync/secret-scrubber.js';

const SECRET = 'Tr0ub4dor&3-horse';

describe('SecretScrubber', () => {
  const scrubber = new SecretScrubber();
  scrubber.set(SECRET);

  it.each([
    ['the secret as written', `NO wrong password ${SECRET} given`],
    ['base64 of the secret', `NO you sent ${Buffer.from(SECRET).toString('base64')}`],
    ['a SASL PLAIN initial response', `NO bad AUTHENTICATE PLAIN ${saslPlainResponse('', 'joe', SECRET)}`],
    ['a PLAIN response with another user length', `NO ${saslPlainResponse('', 'joseph', SECRET)}`],
    ['a PLAIN response with an authzid', `NO ${saslPlainResponse('admin', 'joe', SECRET)}`],
    ['an XOAUTH2 response', `NO ${xoauth2Response('joe@example.com', SECRET)}`],
    ['base64url', `NO ${Buffer.from(`xx${SECRET}`).toString('base64url')}`],
  ])('removes %s', (_name, text) => {
    const out = scrubber.scrub(text);
    expect(out).not.toContain(SECRET);
    for (const core of base64Cores(SECRET)) expect(out).not.toContain(core);
    expect(out).toContain('***');
  });

  it('leaves text without the secret alone', () => {
    expect(scrubber.scrub('NO [AUTHENTICATIONFAILED] Authentication failed.')).toBe(
      'NO [AUTHENTICATIONFAILED] Authentication failed.',
    );
  });

  it('forgets the secret', () => {
    const s = new SecretScrubber();
    s.set(SECRET);
    s.set(undefined);
    expect(s.scrub(SECRET)).toBe(SECRET);
  });

  it('does not scrub secrets too short to mean anything', () => {
    const s = new SecretScrubber();
    s.set('ab');
    expect(s.scrub('about abba')).toBe('about abba');
  });
});
