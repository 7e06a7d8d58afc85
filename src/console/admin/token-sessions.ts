/**
 * Signed-in browsers of the admin view: a random session id in an HttpOnly,
 * SameSite=Strict cookie, the bearer token it stands for kept here, in
 * memory, and never sent back to the browser. A session ends after `ttlMs`
 * or at sign-out; a restart ends them all (sign in again). The token is
 * still reviewed on every request (authenticate.ts): a revoked token stops
 * working at once.
 */
import { randomBytes } from 'node:crypto';

export const ADMIN_SESSION_COOKIE = 'mailsync_admin';

export class TokenSessions {
  readonly #sessions = new Map<string, { token: string; until: number }>();

  constructor(readonly options: { ttlMs?: number; now?: () => number; maxSessions?: number } = {}) {}

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  open(token: string): string {
    const now = this.#now();
    if (this.#sessions.size >= (this.options.maxSessions ?? 5000)) this.#sweep(now);
    const id = randomBytes(24).toString('base64url');
    this.#sessions.set(id, { token, until: now + (this.options.ttlMs ?? 8 * 3600_000) });
    return id;
  }

  token(id: string | undefined): string | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.until <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session.token;
  }

  close(id: string | undefined): void {
    if (id) this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #sweep(now: number): void {
    for (const [id, s] of this.#sessions) if (s.until <= now) this.#sessions.delete(id);
    // Still full: the oldest go first (a Map keeps insertion order).
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size < (this.options.maxSessions ?? 5000)) break;
      this.#sessions.delete(id);
    }
  }
}
