/**
 * A tiny OAuth2 token introspection endpoint (RFC 7662) on 127.0.0.1 for
 * Dovecot's oauth2 passdb, so XOAUTH2/OAUTHBEARER logins are tested against
 * the real server. Tokens are issued and revoked by the tests; Dovecot POSTs
 * `token=...` and gets `{"active": true, "username": "<user>"}` back.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OAuthIntrospection {
  url: string;
  /** A fresh token valid for `user` until revoked. */
  issue(user: string): string;
  revoke(token: string): void;
  /** How many introspection requests Dovecot made (to see a token was checked). */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startOAuthIntrospection(): Promise<OAuthIntrospection> {
  const tokens = new Map<string, string>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      requests++;
      const token = new URLSearchParams(body).get('token') ?? '';
      const user = tokens.get(token);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(user === undefined ? { active: false } : { active: true, username: user }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/introspect`,
    issue(user) {
      const token = `tok-${randomBytes(18).toString('base64url')}`;
      tokens.set(token, user);
      return token;
    },
    revoke(token) {
      tokens.delete(token);
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
