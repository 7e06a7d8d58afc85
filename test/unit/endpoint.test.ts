/**
 * Pure parts of connection setup: secret file content,
 * SASL payloads, imapflow options, and the classification of failures into
 * typed errors with words (and without the secret).
 */
import { describe, expect, test } from 'vitest';
import { describeNetworkError } from '../../src/sync/connect-errors.js';
import { secretFromFileContent } from '../../src/sync/credentials.js';
import { AuthError, ConnectError, TlsError } from '../../src/sync/errors.js';
import { saslPlainResponse, xoauth2Response } from '../../src/sync/sasl.js';
import { imapflowAuth, scrubSecret, sessionError, sessionOptions } from '../../src/sync/session.js';
import { describeTlsError, isCertificateError, isTlsProtocolError } from '../../src/sync/tls-errors.js';
import type { ResolvedEndpoint } from '../../src/sync/types.js';

const resolved = (over: Partial<ResolvedEndpoint> = {}): ResolvedEndpoint => ({
  side: 'source',
  host: 'imap.example.test',
  port: 993,
  security: 'implicit',
  tls: { rejectUnauthorized: true, servername: 'imap.example.test' },
  user: 'alice',
  mechanism: 'LOGIN',
  secret: async () => 'hunter2',
  connectTimeoutMs: 30_000,
  commandTimeoutMs: 120_000,
  ...over,
});
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
const err = (props: Record<string, unknown>, message = 'Command failed') => Object.assign(new Error(message), props);

describe('secretFromFileContent', () => {
  test('a password loses its trailing line breaks only', () => {
    expect(secretFromFileContent('p@ss word\n', 'password')).toBe('p@ss word');
    expect(secretFromFileContent('p@ss\r\n\n', 'password')).toBe('p@ss');
    expect(secretFromFileContent(' lead and trail ', 'password')).toBe(' lead and trail ');
  });
  test('a token is trimmed', () => {
    expect(secretFromFileContent('  ya29.token-value \n', 'token')).toBe('ya29.token-value');
  });
});

describe('SASL payloads', () => {
  test('PLAIN: authzid NUL authcid NUL password', () => {
    expect(decode(saslPlainResponse('', 'alice', 'pw'))).toBe('\u0000alice\u0000pw');
    expect(decode(saslPlainResponse('alice', 'admin', 'pw'))).toBe('alice\u0000admin\u0000pw');
  });
  test('XOAUTH2', () => {
    expect(decode(xoauth2Response('alice@example.test', 'tok'))).toBe(
      'user=alice@example.test\u0001auth=Bearer tok\u0001\u0001',
    );
  });
});

describe('imapflow options', () => {
  test('auth per mechanism; an admin login authenticates as authUser for user', () => {
    expect(imapflowAuth(resolved(), 's')).toEqual({ user: 'alice', pass: 's', loginMethod: 'LOGIN' });
    expect(imapflowAuth(resolved({ mechanism: 'PLAIN' }), 's')).toEqual({
      user: 'alice',
      pass: 's',
      loginMethod: 'AUTH=PLAIN',
    });
    expect(imapflowAuth(resolved({ mechanism: 'PLAIN', authUser: 'admin' }), 's')).toEqual({
      user: 'admin',
      pass: 's',
      authzid: 'alice',
      loginMethod: 'AUTH=PLAIN',
    });
    expect(imapflowAuth(resolved({ mechanism: 'XOAUTH2' }), 'tok')).toEqual({ user: 'alice', accessToken: 'tok' });
  });

  test('security mode, timeouts and compression', () => {
    const logger = { debug() {} };
    const implicit = sessionOptions(resolved(), 's', { logger });
    expect(implicit).toMatchObject({
      secure: true,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      disableCompression: false,
      disableAutoIdle: true,
    });
    expect(sessionOptions(resolved({ security: 'starttls', port: 143 }), 's', { logger })).toMatchObject({
      secure: false,
      doSTARTTLS: true,
    });
    expect(sessionOptions(resolved({ security: 'none', port: 143 }), 's', { logger })).toMatchObject({
      secure: false,
      doSTARTTLS: false,
    });
    expect(sessionOptions(resolved(), 's', { logger, compress: false }).disableCompression).toBe(true);
  });
});

describe('TLS errors in words', () => {
  test('unknown CA, expired, not yet valid, hostname mismatch, not TLS', () => {
    const host = 'imap.example.test';
    expect(describeTlsError(err({ code: 'SELF_SIGNED_CERT_IN_CHAIN' }), host)).toMatch(
      /signed by an unknown certificate authority \(SELF_SIGNED_CERT_IN_CHAIN\); add that CA with caFile/,
    );
    expect(describeTlsError(err({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), host)).toMatch(
      /unknown certificate authority/,
    );
    expect(describeTlsError(err({ code: 'CERT_HAS_EXPIRED' }), host)).toBe(
      'certificate of imap.example.test has expired (CERT_HAS_EXPIRED)',
    );
    expect(describeTlsError(err({ code: 'CERT_NOT_YET_VALID' }), host)).toMatch(/not valid yet/);
    expect(
      describeTlsError(err({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason: "Host: x. is not cert's CN: y" }), host),
    ).toBe("certificate is not valid for the name imap.example.test (hostname mismatch: Host: x. is not cert's CN: y)");
    expect(describeTlsError(err({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), host)).toMatch(
      /does not speak TLS on this port/,
    );
  });

  test('certificate vs protocol errors', () => {
    expect(isCertificateError(err({ code: 'CERT_HAS_EXPIRED' }))).toBe(true);
    expect(isCertificateError(err({ code: 'ECONNREFUSED' }))).toBe(false);
    expect(isTlsProtocolError(err({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }))).toBe(true);
    expect(isTlsProtocolError(err({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe(false);
  });
});

describe('sessionError', () => {
  test('refused credentials: AuthError naming side, server and user, without the tag', () => {
    const e = sessionError(
      err({ authenticationFailed: true, response: '2 NO [AUTHENTICATIONFAILED] Authentication failed.' }),
      resolved({ side: 'destination' }),
      'hunter2',
    );
    expect(e).toBeInstanceOf(AuthError);
    expect(e.side).toBe('destination');
    expect(e.exitCode).toBe(15);
    expect(e.message).toBe(
      'destination server imap.example.test:993 refused the login of user "alice" (LOGIN): [AUTHENTICATIONFAILED] Authentication failed.',
    );
  });

  test('a server echoing the secret gets it redacted', () => {
    const e = sessionError(
      err({ authenticationFailed: true, response: 'A1 NO bad password hunter2 (aHVudGVyMg==)' }),
      resolved(),
      'hunter2',
    );
    expect(e.message).not.toContain('hunter2');
    expect(e.message).not.toContain('aHVudGVyMg==');
    expect(e.message).toContain('[redacted]');
    expect(scrubSecret('x hunter2 y', 'hunter2')).toBe('x [redacted] y');
  });

  test('a temporary auth backend failure is a ConnectError (retryable), not an AuthError', () => {
    const e = sessionError(
      err({ authenticationFailed: true, serverResponseCode: 'UNAVAILABLE', response: '1 NO [UNAVAILABLE] Temporary' }),
      resolved(),
      's',
    );
    expect(e).toBeInstanceOf(ConnectError);
    expect(e.message).toContain('failed temporarily');
  });

  test('admin login and mechanism appear in the message', () => {
    const e = sessionError(
      err({ authenticationFailed: true, response: 'NO denied' }),
      resolved({ mechanism: 'PLAIN', authUser: 'admin' }),
      's',
    );
    expect(e.message).toContain('refused the login of user "alice" as admin "admin" (AUTHENTICATE PLAIN)');
  });

  test('missing OAuth2 mechanism', () => {
    const e = sessionError(new Error('Unsupported authentication mechanism'), resolved({ mechanism: 'XOAUTH2' }), 't');
    expect(e).toBeInstanceOf(AuthError);
    expect(e.message).toContain('does not offer AUTH=XOAUTH2 or AUTH=OAUTHBEARER');
  });

  test('certificate, STARTTLS missing, handshake failures: TlsError', () => {
    expect(sessionError(err({ code: 'CERT_HAS_EXPIRED' }), resolved(), 's')).toBeInstanceOf(TlsError);
    const starttls = sessionError(
      err({ tlsFailed: true }, 'Server does not support STARTTLS'),
      resolved({ security: 'starttls', port: 143 }),
      's',
    );
    expect(starttls).toBeInstanceOf(TlsError);
    expect(starttls.message).toMatch(/^TLSRequired: source server imap\.example\.test:143 does not offer STARTTLS/);
    expect(sessionError(err({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), resolved(), 's')).toBeInstanceOf(TlsError);
  });

  test('network failures: ConnectError in words', () => {
    const refused = sessionError(err({ code: 'ECONNREFUSED' }, 'connect ECONNREFUSED'), resolved(), 's');
    expect(refused).toBeInstanceOf(ConnectError);
    expect(refused.exitCode).toBe(10);
    expect(refused.message).toBe('source server imap.example.test:993: connection refused (ECONNREFUSED)');
    expect(describeNetworkError(err({ code: 'GREETING_TIMEOUT' }))).toMatch(/no IMAP greeting/);
    expect(describeNetworkError(err({ code: 'EHOSTUNREACH' }))).toBe('host unreachable (EHOSTUNREACH)');
    expect(describeNetworkError(new Error('odd'))).toBe('odd');
  });
});
