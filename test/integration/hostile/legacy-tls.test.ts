/**
 * TLS 1.2 is the floor (pinned in src/sync/tls-options.ts): a server that
 * offers at most TLS 1.1 is refused with TLSFailed, unless the endpoint says
 * `allowLegacyTls: true`, which is logged as a warning.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../src/api/spec.js';
import { resolveEndpoint } from '../../../src/sync/endpoint.js';
import { TlsError } from '../../../src/sync/errors.js';
import { RawImapConnection } from '../../../src/sync/imap-raw/connection.js';
import { makeCertificates, type TestCertificates } from '../../harness/certs.js';
import { type HostileServer, startHostileServer } from '../../harness/hostile-server.js';

let dir: string;
let certs: TestCertificates;
let server: HostileServer;
let passwordFile: string;
let logLines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailsync-legacy-tls-'));
  certs = await makeCertificates(path.join(dir, 'certs'));
  passwordFile = path.join(dir, 'password');
  writeFileSync(passwordFile, 'pw-legacy\n', { mode: 0o600 });
  server = await startHostileServer({
    attack: 'none',
    tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
    tlsMaxVersion: 'TLSv1.1',
  });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function endpoint(extra: Partial<Endpoint> = {}): Endpoint {
  return {
    host: server.host,
    port: server.port,
    tls: 'implicit',
    caFile: certs.caFile,
    user: 'joe',
    passwordFile,
    ...extra,
  } as Endpoint;
}

describe('TLS minimum version', () => {
  it('refuses a server that offers at most TLS 1.1 (TLSFailed)', async () => {
    const resolved = await resolveEndpoint(endpoint(), 'source', { logger });
    const error = await RawImapConnection.open(resolved, { logger }).then(
      async (connection) => {
        await connection.logout();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).reason).toBe('TLSFailed');
    expect((error as Error).message).toMatch(/protocol|version/i);
  });

  it('accepts it with allowLegacyTls: true, and says so in the log', async () => {
    logLines = [];
    const resolved = await resolveEndpoint(endpoint({ allowLegacyTls: true }), 'source', { logger });
    const connection = await RawImapConnection.open(resolved, { logger });
    try {
      expect(connection.encrypted).toBe(true);
    } finally {
      await connection.logout();
    }
    expect(logLines.join('')).toContain('allowLegacyTls is set: TLS 1.0 and 1.1 are accepted');
  });
});
