/**
 * CSRF protection of the console's forms (synchronizer token bound to a
 * cookie): each browser gets a random session id in an HttpOnly, SameSite=
 * Strict cookie, and every form carries HMAC(key, session id). A POST is
 * accepted only when the form's token matches its cookie: another site can
 * make a browser send the cookie but cannot read the page to learn the token.
 * Nothing is stored on the server.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CSRF_COOKIE = 'mailsync_console';
export const CSRF_FIELD = 'csrf';

export function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

/** Session ids are what newSessionId makes; anything else in the cookie is ignored. */
export function isSessionId(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{24}$/.test(value);
}

export function csrfToken(key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update('csrf\0').update(sessionId).digest('base64url');
}

export function csrfValid(key: Buffer, sessionId: string | undefined, token: string | undefined): boolean {
  if (!isSessionId(sessionId) || typeof token !== 'string') return false;
  const expected = Buffer.from(csrfToken(key, sessionId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
