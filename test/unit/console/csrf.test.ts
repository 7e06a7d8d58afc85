import { describe, expect, it } from 'vitest';
import { csrfToken, csrfValid, isSessionId, newSessionId } from '../../../src/console/csrf.js';

const key = Buffer.alloc(32, 1);

describe('CSRF tokens', () => {
  it('a token is valid for its own session only', () => {
    const a = newSessionId();
    const b = newSessionId();
    expect(a).not.toBe(b);
    expect(isSessionId(a)).toBe(true);
    expect(csrfValid(key, a, csrfToken(key, a))).toBe(true);
    expect(csrfValid(key, b, csrfToken(key, a))).toBe(false);
  });

  it('a token made with another key is refused', () => {
    const s = newSessionId();
    expect(csrfValid(key, s, csrfToken(Buffer.alloc(32, 2), s))).toBe(false);
  });

  it.each([
    ['no cookie', undefined, 'x'],
    ['no token', 'AAAAAAAAAAAAAAAAAAAAAAAA', undefined],
    ['empty token', 'AAAAAAAAAAAAAAAAAAAAAAAA', ''],
    ['a cookie that is not a session id', 'short', 'x'],
  ])('refuses %s', (_what, session, token) => {
    expect(csrfValid(key, session, token)).toBe(false);
  });

  it('refuses a token that differs in one character', () => {
    const s = newSessionId();
    const t = csrfToken(key, s);
    const flipped = `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`;
    expect(csrfValid(key, s, flipped)).toBe(false);
  });
});
