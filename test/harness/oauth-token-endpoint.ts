/**
 * An OAuth2 token endpoint (RFC 6749 §6, refresh_token grant) on 127.0.0.1
 * over HTTPS with the test CA's server certificate. The access tokens it
 * issues are registered with the harness's introspection server, so Dovecot's
 * oauth2 passdb accepts them exactly like the tokens the XOAUTH2 tests issue.
 *
 * Tests register a client and a refresh token (`grant`), choose the lifetime
 * announced (`expiresIn`), rotate refresh tokens, revoke every token issued so
 * far behind the client's back (`revokeIssued`: the server-side expiry), and
 * script error answers (`failNext`). Everything secret it ever handled is in
 * `secrets`, for leak scans.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificates } from './certs.js';
import type { OAuthIntrospection } from './oauth-introspection.js';

export interface RefreshMaterialDoc {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface OAuthTokenEndpoint {
  url: string;
  /** A client id, client secret and refresh token for `user`. */
  grant(user: string): RefreshMaterialDoc;
  /** `expires_in` of the tokens issued from now on (undefined: not announced). Default 3600. */
  expiresIn: number | undefined;
  /** Answer each refresh with a new refresh token and forget the old one. */
  rotate: boolean;
  /** Revoke every access token issued so far (the server-side expiry the client does not know of). */
  revokeIssued(): void;
  /** Answer the next `count` requests with `status` and the JSON `body` instead. */
  failNext(status: number, body: Record<string, unknown>, count?: number): void;
  /** Refresh requests received (any answer). */
  readonly requests: number;
  /** Every access token, refresh token and client secret handed out: none may show in a log. */
  readonly secrets: readonly string[];
  close(): Promise<void>;
}

const random = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

export async function startOAuthTokenEndpoint(
  certs: TestCertificates,
  oauth: OAuthIntrospection,
): Promise<OAuthTokenEndpoint> {
  const clients = new Map<string, string>();
  const refreshTokens = new Map<string, { user: string; clientId: string }>();
  const issued: string[] = [];
  const secrets: string[] = [];
  const failures: { status: number; body: Record<string, unknown> }[] = [];
  let requests = 0;
  const state = { expiresIn: 3600 as number | undefined, rotate: false };

  const answer = (res: import('node:http').ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server = https.createServer(
    { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) },
    (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        requests++;
        const failure = failures.shift();
        if (failure) return answer(res, failure.status, failure.body);
        const form = new URLSearchParams(body);
        if (req.method !== 'POST' || form.get('grant_type') !== 'refresh_token') {
          return answer(res, 400, { error: 'unsupported_grant_type' });
        }
        const clientId = form.get('client_id') ?? '';
        if (clients.get(clientId) !== form.get('client_secret')) {
          return answer(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
        }
        const refreshToken = form.get('refresh_token') ?? '';
        const holder = refreshTokens.get(refreshToken);
        if (!holder || holder.clientId !== clientId) {
          return answer(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        }
        const accessToken = oauth.issue(holder.user);
        issued.push(accessToken);
        secrets.push(accessToken);
        let rotated: string | undefined;
        if (state.rotate) {
          rotated = random('refresh');
          secrets.push(rotated);
          refreshTokens.delete(refreshToken);
          refreshTokens.set(rotated, holder);
        }
        answer(res, 200, {
          access_token: accessToken,
          token_type: 'Bearer',
          ...(state.expiresIn !== undefined ? { expires_in: state.expiresIn } : {}),
          ...(rotated ? { refresh_token: rotated } : {}),
        });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}/token`;
  return {
    url,
    grant(user) {
      const clientId = random('client');
      const clientSecret = random('client-secret');
      const refreshToken = random('refresh');
      clients.set(clientId, clientSecret);
      refreshTokens.set(refreshToken, { user, clientId });
      secrets.push(clientSecret, refreshToken);
      return { tokenEndpoint: url, clientId, clientSecret, refreshToken };
    },
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(value) {
      state.expiresIn = value;
    },
    get rotate() {
      return state.rotate;
    },
    set rotate(value) {
      state.rotate = value;
    },
    revokeIssued() {
      for (const token of issued) oauth.revoke(token);
    },
    failNext(status, body, count = 1) {
      for (let i = 0; i < count; i++) failures.push({ status, body });
    },
    get requests() {
      return requests;
    },
    get secrets() {
      return secrets;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
