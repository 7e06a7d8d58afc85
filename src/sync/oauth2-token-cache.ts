/**
 * The access token of an endpoint with OAuth2 refresh material: obtained from
 * the token endpoint on first use, kept with its expiry, renewed before it
 * expires (the next connection after the renewal point asks again) and when
 * the IMAP server refuses it. A rotated refresh token in an answer replaces
 * the old one for the rest of the run (it is not written back anywhere).
 *
 * Pure apart from the injected `refresh` and clock: table-tested in
 * test/unit/oauth2-token-cache.test.ts.
 */
import type { TokenGrant } from './oauth2-token-request.js';

/** Renew at most this long before the announced expiry (clock skew, a long LIST before the next login). */
export const RENEW_MARGIN_MS = 60_000;

/**
 * When a token obtained at `obtainedAtMs` and valid for `expiresInSeconds`
 * should be renewed: a minute before it expires, or halfway through a
 * lifetime shorter than two minutes. `undefined` (no lifetime announced):
 * kept until the server refuses it.
 */
export function renewAtMs(obtainedAtMs: number, expiresInSeconds: number | undefined): number | undefined {
  if (expiresInSeconds === undefined) return undefined;
  const lifetimeMs = expiresInSeconds * 1000;
  return obtainedAtMs + lifetimeMs - Math.min(RENEW_MARGIN_MS, lifetimeMs / 2);
}

export interface RefreshEvent {
  /** Why the token was fetched. */
  cause: 'first use' | 'expiring' | 'refused by the server';
  expiresInSeconds?: number;
  /** The endpoint sent a new refresh token, used from now on. */
  rotated: boolean;
}

export class AccessTokenCache {
  private current: { token: string; renewAtMs: number | undefined } | undefined;
  private inFlight: Promise<string> | undefined;
  private refusedToken: string | undefined;

  constructor(
    private readonly refresh: (refreshToken: string) => Promise<TokenGrant>,
    private refreshToken: string,
    private readonly onRefresh: (event: RefreshEvent) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid access token: the cached one, or a fresh one (concurrent callers share one request). */
  get(): Promise<string> {
    const current = this.current;
    if (current && (current.renewAtMs === undefined || this.now() < current.renewAtMs)) {
      return Promise.resolve(current.token);
    }
    if (!this.inFlight) {
      const cause: RefreshEvent['cause'] = !current
        ? this.refusedToken
          ? 'refused by the server'
          : 'first use'
        : 'expiring';
      this.inFlight = this.fetch(cause).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  /**
   * The server refused `token`: forget it if it is still the cached one, so
   * the next get() asks the token endpoint. (If another connection already
   * replaced it, the next get() gives the new one.)
   */
  refused(token: string): void {
    if (this.current?.token !== token) return;
    this.current = undefined;
    this.refusedToken = token;
  }

  private async fetch(cause: RefreshEvent['cause']): Promise<string> {
    const startedAt = this.now();
    const grant = await this.refresh(this.refreshToken);
    if (grant.refreshToken !== undefined) this.refreshToken = grant.refreshToken;
    this.current = { token: grant.accessToken, renewAtMs: renewAtMs(startedAt, grant.expiresInSeconds) };
    this.refusedToken = undefined;
    this.onRefresh({
      cause,
      ...(grant.expiresInSeconds !== undefined ? { expiresInSeconds: grant.expiresInSeconds } : {}),
      rotated: grant.refreshToken !== undefined,
    });
    return grant.accessToken;
  }
}
