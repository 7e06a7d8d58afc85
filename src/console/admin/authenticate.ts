/**
 * Who is asking the admin view, in this order:
 *   1. `Authorization: Bearer TOKEN` (a Kubernetes token), verified by a TokenReview;
 *   2. the session cookie of the sign-in form (the token it stands for, token-sessions.ts), verified the same way;
 *   3. X-Forwarded-User / X-Forwarded-Groups of an authenticating proxy (oauth2-proxy style), only
 *      when --auth-proxy-trusted is set and only from a peer address in it; from anyone else the
 *      headers are ignored.
 * Token reviews are cached for a few seconds by a hash of the token (never the token itself as a key).
 * Each bearer token not in that cache costs a TokenReview on the API server: those reviews are
 * rate-limited per peer address (`bearerReviewLimit`), so a client sending made-up tokens gets 429s,
 * not one API request each. Session tokens were reviewed at sign-in (itself limited) and skip it.
 */
import { createHash } from 'node:crypto';
import type { KeyedRateLimit } from '../rate-limit.js';
import type { Identity } from './identity.js';
import type { TokenReviewer } from './kube-reviews.js';
import type { TrustedProxies } from './trusted-proxies.js';

export interface RequestCredentials {
  authorization?: string;
  /** The token of the session cookie, if any. */
  sessionToken?: string;
  forwardedUser?: string;
  forwardedGroups?: string;
  /** The TCP peer address. */
  peerAddress?: string;
}

export type Authentication =
  | { ok: true; identity: Identity }
  /** `unauthenticated`: nothing usable was given; `invalid`: a token was refused; `unavailable`: the review failed. */
  | { ok: false; problem: 'unauthenticated' | 'invalid' | 'unavailable'; message: string }
  /** Too many bearer tokens to review from this peer address: try again after `retryAfterSeconds`. */
  | { ok: false; problem: 'limited'; message: string; retryAfterSeconds: number };

/** The token of an `Authorization: Bearer` header. Pure. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The identity in proxy headers from a trusted peer, else undefined. Pure. */
export function proxyIdentity(credentials: RequestCredentials, trusted: TrustedProxies): Identity | undefined {
  const user = credentials.forwardedUser?.trim();
  if (!user || !trusted.trusts(credentials.peerAddress)) return undefined;
  const groups = (credentials.forwardedGroups ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  return { username: user, groups, via: 'proxy' };
}

export class Authenticator {
  readonly #reviewed = new Map<string, { identity: Identity | undefined; until: number }>();

  constructor(
    readonly reviewToken: TokenReviewer,
    readonly trusted: TrustedProxies,
    readonly options: {
      ttlMs?: number;
      now?: () => number;
      /** TokenReviews of bearer-header tokens per peer address (cached answers cost nothing). */
      bearerReviewLimit?: KeyedRateLimit;
    } = {},
  ) {}

  async authenticate(credentials: RequestCredentials): Promise<Authentication> {
    const bearer = bearerToken(credentials.authorization);
    if (bearer !== undefined) return this.#byToken(bearer, credentials.peerAddress ?? 'unknown');
    if (credentials.sessionToken !== undefined) return this.#byToken(credentials.sessionToken);
    const proxied = proxyIdentity(credentials, this.trusted);
    if (proxied) return { ok: true, identity: proxied };
    return { ok: false, problem: 'unauthenticated', message: 'Sign in with a Kubernetes token.' };
  }

  /** A token's identity (the sign-in form uses it before opening a session). `limitKey`: count the review against that peer. */
  async #byToken(token: string, limitKey?: string): Promise<Authentication> {
    const now = (this.options.now ?? Date.now)();
    const key = createHash('sha256').update(token).digest('base64url');
    let entry = this.#reviewed.get(key);
    if (!entry || entry.until <= now) {
      const limited = limitKey !== undefined ? this.options.bearerReviewLimit?.take(limitKey) : undefined;
      if (limited && !limited.allowed) {
        return {
          ok: false,
          problem: 'limited',
          message: `Too many tokens to check from your address: wait ${limited.retryAfterSeconds} s.`,
          retryAfterSeconds: limited.retryAfterSeconds,
        };
      }
      let identity: Identity | undefined;
      try {
        identity = await this.reviewToken(token);
      } catch (error) {
        const reason = (error as { reason?: string }).reason ?? 'Error';
        return {
          ok: false,
          problem: 'unavailable',
          message: `The token could not be checked (TokenReview failed: ${reason}). Try again later.`,
        };
      }
      if (this.#reviewed.size > 10_000) this.#reviewed.clear();
      entry = { identity, until: now + (this.options.ttlMs ?? 10_000) };
      this.#reviewed.set(key, entry);
    }
    if (!entry.identity) {
      return { ok: false, problem: 'invalid', message: 'This token was not accepted by the Kubernetes API server.' };
    }
    return { ok: true, identity: entry.identity };
  }

  verifyToken(token: string): Promise<Authentication> {
    return this.#byToken(token);
  }
}
