/**
 * Fault matrix, IMAP side: a server goes away in the middle of a sync: the
 * source or the destination restarted (Dovecot's graceful stop: `* BYE Server
 * shutting down`, then about a second without a listener), or a server that
 * hangs (no byte in either direction, the connection stays open) for longer
 * than the endpoint's command timeout.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailSyncSpec } from '../../../src/api/spec.js';
import { type DovecotPair, startDovecotPair } from '../../harness/dovecot.js';
import { startFaultProxy } from '../../harness/fault-proxy.js';
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
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

/** Paced so that the fault lands in the middle of the copy. */
const PACED = { throttle: { maxMessagesPerSecond: 20 }, performance: { batchMessages: 5, folderConcurrency: 2 } };

async function expectCellHolds(users: UserPair, spec: MailSyncSpec, first: Awaited<ReturnType<typeof runCell>>) {
  expect(first.heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
  const summaries = await runAsController(spec, first.summary);
  const last = summaries.at(-1)!;
  expectSucceeded(last);
  const report = await expectExact(users);
  expectSummaryAgrees(last, report);
  for (const summary of summaries.slice(0, -1)) expect(summary.verdict).not.toBe('success');
  return summaries;
}

/**
 * Dovecot restarted (BYE, about a second without a listener) while the copy runs: the engine
 * reconnects (source) with backoff; Succeeded, exact.
 */
describe('source server restarted mid-sync', () => {
  test('source server restarted mid-sync', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 40, Other: 30 });
    let restarted: Promise<void> | undefined;
    const spec = await specFor(users, PACED);
    const first = await runCell(spec, {
      onEvent: (event) => {
        if (event.event === 'progress' && !restarted && event.progress.messagesCopied >= 5) {
          restarted = servers.a.restart();
        }
      },
    });
    await restarted;
    expect(restarted).toBeDefined();
    expect(first.summary.reconnects).toBeGreaterThanOrEqual(1);
    expect(first.capture.of('reconnect').some((e) => e.side.includes('source'))).toBe(true);
    await expectCellHolds(users, spec, first);
  });
});

/**
 * The same on the destination: reconnects (destination); Succeeded, exact, no message stored twice.
 */
describe('destination server restarted mid-sync', () => {
  test('destination server restarted mid-sync', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 40, Other: 30 });
    let restarted: Promise<void> | undefined;
    const spec = await specFor(users, PACED);
    const first = await runCell(spec, {
      onEvent: (event) => {
        if (event.event === 'progress' && !restarted && event.progress.messagesCopied >= 5) {
          restarted = servers.b.restart();
        }
      },
    });
    await restarted;
    expect(restarted).toBeDefined();
    expect(first.summary.reconnects).toBeGreaterThanOrEqual(1);
    expect(first.capture.of('reconnect').some((e) => e.side.includes('destination'))).toBe(true);
    await expectCellHolds(users, spec, first);
  });
});

/**
 * Through TLS, the source freezes (connection open, no byte either way) 60 KB into the session; the 2
 * s command timeout ends that connection, the folder reconnects; Succeeded, exact.
 */
describe('server stalled longer than the command timeout', () => {
  test('server stalled longer than the command timeout', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(servers.a, users.sourceUser, { INBOX: 40, Other: 30 });
    // Through TLS: the source connection freezes (both ways, kept open) 60 KB into what the source sends.
    const proxy = await startFaultProxy({ host: servers.a.host, port: servers.a.implicitTlsPort });
    try {
      const fault = proxy.arm({ direction: 'toClient', afterBytes: 60_000, action: { kind: 'stall' } });
      const spec = await specFor(users, { performance: { batchMessages: 5, folderConcurrency: 2 } });
      const stalledSpec: MailSyncSpec = {
        ...spec,
        source: { ...spec.source, port: proxy.port, timeoutSeconds: 2 },
      };
      const first = await runCell(stalledSpec);
      expect(fault.hits).toBe(1);
      expect(first.summary.reconnects).toBeGreaterThanOrEqual(1);
      expect(first.capture.of('reconnect').some((e) => e.side.includes('source'))).toBe(true);
      await expectCellHolds(users, stalledSpec, first);
    } finally {
      await proxy.close();
    }
  });
});
