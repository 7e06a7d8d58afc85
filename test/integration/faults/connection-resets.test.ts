/**
 * Fault matrix, IMAP side: connections reset (RST) at exact points of the
 * protocol by test/harness/fault-proxy.ts. The cells that aim at a command
 * watch the plaintext stream (the server's plaintext port, COMPRESS off);
 * STARTTLS is cut in the middle of the TLS handshake that follows it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Endpoint, MailSyncSpec } from '../../../src/api/spec.js';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../../harness/dovecot.js';
import { type FaultProxy, startFaultProxy } from '../../harness/fault-proxy.js';
import { newUsers, specFor, type UserPair } from '../sync-helpers.js';
import {
  expectExact,
  expectSucceeded,
  expectSummaryAgrees,
  HEAP_BOUND_BYTES,
  runAsController,
  runCell,
  seed,
} from './fault-helpers.js';

let servers: DovecotPair;
const proxies: FaultProxy[] = [];
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await servers?.stop();
});

/** A proxy in front of the server's plaintext port (no STARTTLS offered) and the endpoint through it. */
async function plaintextThroughProxy(server: DovecotServer, endpoint: Endpoint): Promise<[FaultProxy, Endpoint]> {
  const proxy = await startFaultProxy({ host: server.plainHost, port: server.plainPort });
  proxies.push(proxy);
  return [proxy, { ...endpoint, host: proxy.host, port: proxy.port, tls: 'none', allowPlaintext: true }];
}

async function cellSpec(users: UserPair, side: 'source' | 'destination', endpoint: Endpoint): Promise<MailSyncSpec> {
  const spec = await specFor(users, {
    // Small batches: several FETCH and MULTIAPPEND commands per folder. No COMPRESS: the proxy reads the commands.
    performance: { batchMessages: 5, folderConcurrency: 2, compress: false },
  });
  return { ...spec, [side]: endpoint };
}

/** The run (and the controller's re-runs after a retriable failure) ends with an exact copy and a truthful summary. */
async function expectCellHolds(users: UserPair, spec: MailSyncSpec, first: Awaited<ReturnType<typeof runCell>>) {
  expect(first.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
  const summaries = await runAsController(spec, first.summary);
  const last = summaries.at(-1)!;
  expectSucceeded(last);
  const report = await expectExact(users);
  expectSummaryAgrees(last, report);
  // Every run tells the truth about its own end: a failed one says so, with a retriable reason.
  for (const summary of summaries.slice(0, -1)) expect(summary.verdict).not.toBe('success');
  return summaries;
}

/**
 * The third body the source sends is cut by a reset 700 bytes into its literal. The folder reconnects
 * (source) and resumes from a fresh listing; the run ends Succeeded, exact, counts adding up.
 */
describe('connection reset in the middle of a FETCH literal', () => {
  test('connection reset in the middle of a FETCH literal', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 30, Other: 20 });
    const [proxy, source] = await plaintextThroughProxy(servers.a, await servers.a.endpoint(users.sourceUser));
    // The third body the source sends is cut 700 bytes in (bodies are about 4 KB).
    const fault = proxy.arm({
      direction: 'toClient',
      pattern: 'BODY[] {',
      skip: 2,
      offset: 700,
      action: { kind: 'reset' },
    });
    const spec = await cellSpec(users, 'source', source);
    const first = await runCell(spec);
    expect(fault.hits).toBe(1);
    expect(first.summary.reconnects).toBeGreaterThanOrEqual(1);
    expect(first.capture.of('reconnect').some((e) => e.side.includes('source'))).toBe(true);
    await expectCellHolds(users, spec, first);
  });
});

/**
 * The second MULTIAPPEND is cut by a reset 2,000 bytes into its first literal. The server stores none
 * of that command; the folder reconnects (destination) and re-plans; Succeeded, exact, nothing
 * doubled.
 */
describe('connection reset in the middle of a MULTIAPPEND (half a literal sent)', () => {
  test('connection reset in the middle of a MULTIAPPEND (half a literal sent)', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 30, Other: 20 });
    const [proxy, destination] = await plaintextThroughProxy(
      servers.b,
      await servers.b.endpoint(users.destinationUser),
    );
    // The second APPEND command (a MULTIAPPEND of 5) is cut 2,000 bytes into its first literal.
    const fault = proxy.arm({
      direction: 'toServer',
      pattern: ' APPEND ',
      skip: 1,
      offset: 2000,
      action: { kind: 'reset' },
    });
    const spec = await cellSpec(users, 'destination', destination);
    const first = await runCell(spec);
    expect(fault.hits).toBe(1);
    expect(first.summary.reconnects).toBeGreaterThanOrEqual(1);
    expect(first.capture.of('reconnect').some((e) => e.side.includes('destination'))).toBe(true);
    await expectCellHolds(users, spec, first);
  });
});

/**
 * The run's first LOGIN on the destination is cut before the answer: the run ends ConnectFailed
 * (retriable, never AuthenticationFailed, no password in the log); in the controller's re-run a second
 * worker's LOGIN is cut too and reconnected within the run; Succeeded, exact.
 */
describe('connection reset during LOGIN', () => {
  test('connection reset during LOGIN', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 20, Other: 10 });
    const [proxy, destination] = await plaintextThroughProxy(
      servers.b,
      await servers.b.endpoint(users.destinationUser),
    );
    // The first LOGIN (the run's first destination connection) and the third (a second worker's
    // connection, in the middle of the controller's re-run) are cut before the server answers.
    const atStart = proxy.arm({ direction: 'toServer', pattern: ' LOGIN ', action: { kind: 'reset' } });
    const midRun = proxy.arm({ direction: 'toServer', pattern: ' LOGIN ', skip: 2, action: { kind: 'reset' } });
    const spec = await cellSpec(users, 'destination', destination);
    const first = await runCell(spec);
    expect(atStart.hits).toBe(1);
    // A connection lost while logging in is not a wrong password: retriable, never AuthenticationFailed.
    for (const event of first.capture.of('error')) expect(event.reason).not.toBe('AuthenticationFailed');
    expect(first.summary.reason).not.toBe('AuthenticationFailed');
    const password = servers.b.password(users.destinationUser);
    expect(first.capture.lines.some((line) => line.includes(password))).toBe(false);
    const summaries = await expectCellHolds(users, spec, first);
    expect(midRun.hits).toBe(1);
    expect(summaries.at(-1)!.reconnects).toBeGreaterThanOrEqual(1);
  });
});

/**
 * Two connections are cut 100 bytes into the TLS handshake after STARTTLS: ConnectFailed (retriable,
 * never TLSFailed); the controller's re-run ends Succeeded, exact.
 */
describe('connection reset during STARTTLS', () => {
  test('connection reset during STARTTLS', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 20, Other: 10 });
    const proxy = await startFaultProxy({ host: servers.b.host, port: servers.b.starttlsPort });
    proxies.push(proxy);
    // Two connections are cut 100 bytes into the TLS ClientHello that follows `STARTTLS`.
    const fault = proxy.arm({
      direction: 'toServer',
      pattern: 'STARTTLS\r\n',
      offset: 100,
      times: 2,
      action: { kind: 'reset' },
    });
    const destination: Endpoint = {
      ...(await servers.b.endpoint(users.destinationUser)),
      host: proxy.host,
      port: proxy.port,
      tls: 'starttls',
    };
    const spec = await cellSpec(users, 'destination', destination);
    const first = await runCell(spec);
    expect(fault.hits).toBeGreaterThanOrEqual(1);
    // A handshake cut by the network is not a certificate problem: retriable, never TLSFailed.
    for (const event of first.capture.of('error')) expect(event.reason).not.toBe('TLSFailed');
    expect(first.summary.reason).not.toBe('TLSFailed');
    await expectCellHolds(users, spec, first);
  });
});
