/**
 * "Too busy" told apart from other connection failures (ServerBusy, exit codes
 * 16/17): against a real Dovecot whose per-user connection limit
 * (mail_max_userip_connections) is reached, and against a scripted server
 * answering the greeting or a command with a BYE that says so. Before this, the
 * Dovecot case was an AuthenticationFailed (never retried) and the others a
 * plain ConnectFailed.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../src/api/spec.js';
import { resolveEndpoint } from '../../src/sync/endpoint.js';
import { runSync } from '../../src/sync/engine.js';
import { AuthError, ConnectError, type MailsyncError, type Side } from '../../src/sync/errors.js';
import { RawImapConnection } from '../../src/sync/imap-raw/connection.js';
import { isConnectionLoss } from '../../src/sync/reconnect.js';
import { ServerBusyError } from '../../src/sync/server-busy.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { captureLogger, newUsers, specFor } from './sync-helpers.js';

let pair: DovecotPair;
const { logger } = captureLogger();

beforeAll(async () => {
  // The destination allows one connection per user and IP.
  pair = await startDovecotPair({ b: { maxUserIpConnections: 1 } });
  await pair.a.addUser('nobody', 'scripted-server-password');
});
afterAll(async () => {
  await pair?.stop();
});

async function open(endpoint: Endpoint, side: Side): Promise<RawImapConnection> {
  return RawImapConnection.open(await resolveEndpoint(endpoint, side, { logger }), { logger });
}

async function failure(promise: Promise<RawImapConnection>): Promise<MailsyncError> {
  try {
    const connection = await promise;
    await connection.logout();
  } catch (error) {
    return error as MailsyncError;
  }
  throw new Error('expected a failure, got a connection');
}

/** A plaintext "IMAP server" on 127.0.0.1 that greets with `greeting` and answers every command line with `answer`. */
async function scriptedServer(greeting: string, answer?: string) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write(`${greeting}\r\n`);
    if (greeting.startsWith('* BYE')) {
      socket.end();
      return;
    }
    socket.on('data', () => {
      if (answer) socket.end(`${answer}\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('a real Dovecot at its per-user connection limit', () => {
  test('the login refusal (NO [LIMIT] Maximum number of connections) is ServerBusy, retriable, never the password', async () => {
    const users = await newUsers(pair.a, pair.b);
    const password = pair.b.password(users.destinationUser);
    const endpoint = await pair.b.endpoint(users.destinationUser);
    const held = await open(endpoint, 'destination');
    try {
      const err = await failure(open(endpoint, 'destination'));
      expect(err).toBeInstanceOf(ServerBusyError);
      expect(err).toBeInstanceOf(ConnectError);
      expect(err).not.toBeInstanceOf(AuthError);
      expect(err.reason).toBe('ServerBusy');
      expect(err.side).toBe('destination');
      expect(err.exitCode).toBe(17);
      expect(err.message).toMatch(/is busy: .*failed temporarily: \[LIMIT\] Maximum number of connections/);
      expect(err.message).not.toContain(password);
      // The engine reconnects on it in the middle of a run (a lost connection, not a refused command).
      expect(isConnectionLoss(err)).toBe(true);
    } finally {
      await held.logout();
    }
  });

  test('a run that cannot get its connection ends ServerBusy (exit 17); once the connection is free it succeeds', async () => {
    const users = await newUsers(pair.a, pair.b);
    const spec = await specFor(users, { performance: { folderConcurrency: 1 } });
    const held = await open(spec.destination, 'destination');
    const capture = captureLogger();
    let summary: Awaited<ReturnType<typeof runSync>>;
    try {
      summary = await runSync(spec, { logger: capture.logger });
    } finally {
      await held.logout();
    }
    expect(summary).toMatchObject({ verdict: 'failed', reason: 'ServerBusy', exitCode: 17 });
    expect(summary.message).toContain('Maximum number of connections');
    expect(capture.lines.join('')).not.toContain(pair.b.password(users.destinationUser));
    const again = await runSync(spec, { logger: captureLogger().logger });
    expect(again).toMatchObject({ verdict: 'success', reason: 'Succeeded', exitCode: 0 });
  });
});

describe('a scripted server', () => {
  const endpointOn = async (port: number): Promise<Endpoint> => ({
    ...(await pair.a.endpoint('nobody')),
    port,
    tls: 'none',
    allowPlaintext: true,
  });

  test.each([
    ['* BYE [UNAVAILABLE] Too many connections, try again later', 'source', 16],
    ['* BYE Too many connections from your IP', 'destination', 17],
    ['* BYE [THROTTLED] slow down', 'source', 16],
  ] as const)('greeting %j: ServerBusy for the %s (exit %i)', async (greeting, side, exitCode) => {
    const server = await scriptedServer(greeting);
    try {
      const err = await failure(open(await endpointOn(server.port), side));
      expect(err).toBeInstanceOf(ServerBusyError);
      expect(err.exitCode).toBe(exitCode);
      expect(err.message).toContain(`${side} server 127.0.0.1:${server.port} is busy and refused the connection`);
    } finally {
      await server.close();
    }
  });

  test('a greeting BYE that does not say "busy" stays ConnectFailed', async () => {
    const server = await scriptedServer('* BYE Server shutting down for maintenance');
    try {
      const err = await failure(open(await endpointOn(server.port), 'source'));
      expect(err).toBeInstanceOf(ConnectError);
      expect(err).not.toBeInstanceOf(ServerBusyError);
      expect(err.reason).toBe('ConnectFailed');
      expect(err.message).toContain('Server shutting down for maintenance');
    } finally {
      await server.close();
    }
  });

  test('a BYE [THROTTLED] ending the session after the greeting is ServerBusy too', async () => {
    const server = await scriptedServer('* OK ready', '* BYE [THROTTLED] Too many commands');
    try {
      const err = await failure(open(await endpointOn(server.port), 'source'));
      expect(err).toBeInstanceOf(ServerBusyError);
      expect(err.message).toContain('closed: Too many commands');
    } finally {
      await server.close();
    }
  });
});
