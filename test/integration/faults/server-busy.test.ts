/**
 * Fault matrix, IMAP side: a server that says it is too busy, the way loaded
 * servers do: `* BYE [UNAVAILABLE]` in the middle of a session (instead of
 * answering an APPEND), and `NO [UNAVAILABLE]` to every new login for a while.
 * The proxy (test/harness/fault-proxy.ts) speaks for the destination on its
 * plaintext port. The engine reconnects with backoff a bounded number of
 * times; a server that stays busy ends the run with ServerBusy (retriable),
 * and the controller's next run, once the server has recovered, ends exact.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Endpoint, MailSyncSpec } from '../../../src/api/spec.js';
import { type DovecotPair, startDovecotPair } from '../../harness/dovecot.js';
import { type FaultProxy, startFaultProxy } from '../../harness/fault-proxy.js';
import { newUsers, specFor, type UserPair } from '../sync-helpers.js';
import {
  exactCheck,
  expectExact,
  expectSucceeded,
  expectSummaryAgrees,
  FAST_RETRY,
  HEAP_BOUND_BYTES,
  runAsController,
  runCell,
  seed,
} from './fault-helpers.js';

let servers: DovecotPair;
let proxy: FaultProxy;
beforeAll(async () => {
  servers = await startDovecotPair();
  proxy = await startFaultProxy({ host: servers.b.plainHost, port: servers.b.plainPort });
});
afterAll(async () => {
  await proxy?.close();
  await servers?.stop();
});

async function busySpec(users: UserPair): Promise<MailSyncSpec> {
  const spec = await specFor(users, { performance: { batchMessages: 5, folderConcurrency: 2, compress: false } });
  const destination: Endpoint = {
    ...spec.destination,
    host: proxy.host,
    port: proxy.port,
    tls: 'none',
    allowPlaintext: true,
  };
  return { ...spec, destination };
}

/**
 * Twice `* BYE [UNAVAILABLE]` instead of an APPEND answer: reconnects, Succeeded, exact. Then every
 * new login gets NO [UNAVAILABLE]: bounded retries with backoff (attempts <= maxAttempts), the run
 * ends ServerBusy (exit 17) with what it copied whole and no password in the log; the controller's
 * retry after recovery ends exact.
 */
describe('BYE or NO [UNAVAILABLE] under load', () => {
  test('BYE or NO [UNAVAILABLE] under load', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 30, Other: 20 });
    const spec = await busySpec(users);

    // 1. Twice, the server ends the session with `* BYE [UNAVAILABLE]` instead of answering an APPEND.
    const bye = proxy.arm({
      direction: 'toServer',
      pattern: ' APPEND ',
      skip: 1,
      times: 2,
      action: { kind: 'answer', text: '* BYE [UNAVAILABLE] Server overloaded, try again later\r\n' },
    });
    const first = await runCell(spec);
    expect(bye.hits).toBe(2);
    expect(first.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
    expectSucceeded(first.summary);
    expect(first.summary.reconnects).toBeGreaterThanOrEqual(2);
    expectSummaryAgrees(first.summary, await expectExact(users));

    // 2. More mail; from the second login on, every login is refused with NO [UNAVAILABLE].
    await seed(servers.a, users.sourceUser, { INBOX: 10, Other: 10 });
    const refusals = proxy.arm({
      direction: 'toServer',
      pattern: ' LOGIN ',
      skip: 1,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'answer', text: (line) => `${line.split(' ')[0]} NO [UNAVAILABLE] Server busy, try later\r\n` },
    });
    const busy = await runCell(spec);
    refusals.disarm();
    // Retried with backoff, then given up: bounded, and reported as ServerBusy on the destination.
    expect(busy.summary, busy.summary.message).toMatchObject({
      verdict: 'failed',
      reason: 'ServerBusy',
      exitCode: 17,
    });
    const reconnects = busy.capture.of('reconnect');
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    expect(reconnects.length).toBeLessThanOrEqual(2 * FAST_RETRY.maxAttempts);
    expect(Math.max(...reconnects.map((e) => e.attempt))).toBeLessThanOrEqual(FAST_RETRY.maxAttempts);
    expect(refusals.hits).toBeLessThanOrEqual(2 * (FAST_RETRY.maxAttempts + 1));
    // What the busy run counted as copied is there, nothing is there twice.
    const afterBusy = await exactCheck(users);
    expect(afterBusy.extra).toEqual([]);
    expect(afterBusy.destinationMessages).toBe(50 + busy.summary.messagesTransferred);
    const password = servers.b.password(users.destinationUser);
    expect(busy.capture.lines.some((line) => line.includes(password))).toBe(false);

    // 3. The server has recovered: the controller's retry (ServerBusy is retriable) ends exact.
    const summaries = await runAsController(spec, busy.summary);
    expect(summaries.length).toBeGreaterThan(1);
    const last = summaries.at(-1)!;
    expectSucceeded(last);
    expectSummaryAgrees(last, await expectExact(users));
  });
});
