/**
 * Pure parts of connection setup: secret file content,
 * SASL payloads, the login step against a scripted server, and the
 * classification of failures into typed errors with words (and without the
 * secret).
 */
import { describe, expect, test } from 'vitest';
import { describeNetworkError } from '../../src/sync/connect-errors.js';
import { secretFromFileContent } from '../../src/sync/credentials.js';
import { AuthError, ConnectError, TlsError } from '../../src/sync/errors.js';
import { authenticate } from '../../src/sync/imap-raw/authenticate.js';
import type { CommandChannel, ContinuationOutcome, TaggedResult } from '../../src/sync/imap-raw/command-channel.js';
import { OpenStepError, openError, startTlsMissing } from '../../src/sync/imap-raw/open-errors.js';
import { TransportOpenError } from '../../src/sync/imap-raw/transport.js';
import { saslPlainResponse, xoauth2Response } from '../../src/sync/sasl.js';
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

/**
 * A server that answers every complete command line with `answer` (tagged,
 * and as the "done" outcome of a pending continuation wait, as the real
 * connection does). Records what was written.
 */
class ScriptedServer implements CommandChannel {
  written = '';
  readonly where: string;
  readonly encrypted = true;
  private readonly tagged = new Map<string, (result: TaggedResult) => void>();
  private continuation?: (outcome: ContinuationOutcome) => void;
  constructor(
    readonly endpoint: ResolvedEndpoint,
    readonly capabilities: ReadonlySet<string>,
    private readonly answer: TaggedResult,
  ) {
    this.where = `${endpoint.host}:${endpoint.port} (${endpoint.side})`;
  }
  nextTag() {
    return 'T1';
  }
  expectTagged(tag: string) {
    return new Promise<TaggedResult>((resolve) => this.tagged.set(tag, resolve));
  }
  waitContinuation(_tag: string) {
    return new Promise<ContinuationOutcome>((resolve) => {
      this.continuation = resolve;
    });
  }
  async write(data: Buffer | string) {
    this.written += String(data);
    if (!this.written.endsWith('\r\n')) return;
    this.continuation?.({ kind: 'done', result: this.answer });
    this.tagged.get('T1')?.(this.answer);
  }
  flush() {}
  async beginLiteral() {
    return undefined;
  }
  mayUseNonSyncLiteral() {
    return true;
  }
  scrub(text: string) {
    return text.split('hunter2').join('***');
  }
}

const CAPS = new Set(['IMAP4REV1', 'SASL-IR', 'AUTH=PLAIN']);

async function loginFailure(over: Partial<ResolvedEndpoint>, answer: TaggedResult, caps = CAPS): Promise<Error> {
  return authenticate(new ScriptedServer(resolved(over), caps, answer), 'hunter2').then(
    () => {
      throw new Error('expected the login to fail');
    },
    (e: Error) => e,
  );
}

describe('login refusals in words (authenticate.ts)', () => {
  test('refused credentials: AuthError naming side, server, user and mechanism', async () => {
    const e = await loginFailure(
      { side: 'destination' },
      { status: 'NO', code: { name: 'AUTHENTICATIONFAILED', args: '' }, text: 'Authentication failed.' },
    );
    expect(e).toBeInstanceOf(AuthError);
    expect((e as AuthError).exitCode).toBe(15);
    expect(e.message).toBe(
      'destination server imap.example.test:993 refused the login of user "alice" (LOGIN): Authentication failed.',
    );
  });

  test('a server echoing the secret gets it scrubbed', async () => {
    const e = await loginFailure({}, { status: 'NO', text: 'bad password hunter2' });
    expect(e.message).not.toContain('hunter2');
    expect(e.message).toContain('bad password ***');
  });

  test('a temporary auth backend failure is a ConnectError (retryable), not an AuthError', async () => {
    const e = await loginFailure({}, { status: 'NO', code: { name: 'UNAVAILABLE', args: '' }, text: 'Temporary' });
    expect(e).toBeInstanceOf(ConnectError);
    expect(e.message).toContain('failed temporarily');
  });

  test('admin login and mechanism appear in the message', async () => {
    const e = await loginFailure({ mechanism: 'PLAIN', authUser: 'admin' }, { status: 'NO', text: 'denied' });
    expect(e.message).toContain('refused the login of user "alice" as admin "admin" (AUTHENTICATE PLAIN)');
  });

  test('missing OAuth2 mechanism: AuthError before anything is sent', async () => {
    const server = new ScriptedServer(resolved({ mechanism: 'XOAUTH2' }), CAPS, { status: 'OK', text: '' });
    const e = await authenticate(server, 'tok').catch((error: Error) => error);
    expect(e).toBeInstanceOf(AuthError);
    expect((e as Error).message).toContain('does not offer AUTH=XOAUTH2 or AUTH=OAUTHBEARER');
    expect(server.written).toBe('');
  });
});

describe('open failures in words (open-errors.ts)', () => {
  const scrub = (text: string) => text.split('hunter2').join('***');
  const transport = (cause: Error, phase: 'tcp' | 'tls') => new TransportOpenError(cause.message, phase, { cause });

  test('certificate and handshake failures: TlsError naming the server', () => {
    const expired = openError(resolved(), transport(err({ code: 'CERT_HAS_EXPIRED' }), 'tls'), scrub);
    expect(expired).toBeInstanceOf(TlsError);
    expect(expired.message).toBe(
      'source server imap.example.test:993: certificate of imap.example.test has expired (CERT_HAS_EXPIRED)',
    );
    const notTls = openError(resolved(), transport(err({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), 'tls'), scrub);
    expect(notTls).toBeInstanceOf(TlsError);
    expect(notTls.message).toMatch(/does not speak TLS on this port/);
    const missing = startTlsMissing(resolved({ security: 'starttls', port: 143 }));
    expect(missing.message).toMatch(/^TLSRequired: source server imap\.example\.test:143 does not offer STARTTLS/);
  });

  test('network failures and timeouts: ConnectError in words', () => {
    const refused = openError(
      resolved(),
      transport(err({ code: 'ECONNREFUSED' }, 'connect ECONNREFUSED'), 'tcp'),
      scrub,
    );
    expect(refused).toBeInstanceOf(ConnectError);
    expect(refused.exitCode).toBe(10);
    expect(refused.message).toBe('source server imap.example.test:993: connection refused (ECONNREFUSED)');
    const handshake = openError(
      resolved(),
      transport(new Error('TLS handshake timed out after 1000 ms'), 'tls'),
      scrub,
    );
    expect(handshake).toBeInstanceOf(ConnectError);
    expect(handshake.message).toContain('no answer in time (TLS handshake timed out after 1000 ms)');
    const reset = openError(
      resolved({ side: 'destination' }),
      transport(
        err({ code: 'ECONNRESET' }, 'Client network socket disconnected before secure TLS connection was established'),
        'tls',
      ),
      scrub,
    );
    expect(reset).toBeInstanceOf(ConnectError);
    expect(reset.message).toBe('destination server imap.example.test:993: connection reset by the server (ECONNRESET)');
    const greeting = openError(resolved(), new OpenStepError('no greeting within 1000 ms', 'GREETING_TIMEOUT'), scrub);
    expect(greeting.message).toMatch(/no IMAP greeting came in time .*\(GREETING_TIMEOUT\)$/);
    expect(describeNetworkError(err({ code: 'EHOSTUNREACH' }))).toBe('host unreachable (EHOSTUNREACH)');
    expect(describeNetworkError(new Error('odd'))).toBe('odd');
  });

  test('typed errors pass through unchanged', () => {
    const auth = new AuthError('x', { side: 'source' });
    expect(openError(resolved(), auth, scrub)).toBe(auth);
  });
});
