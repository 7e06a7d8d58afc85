/**
 * The egress policy at connect time, with real Dovecot: an address the
 * policy denies is refused before a single byte goes out (a TCP listener on
 * that address counts connections), both for an explicit TLS mode and for the
 * `tls: auto` probes, while a normal sync under the same policy still works.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { egressPolicy } from '../../src/api/egress-policy.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages } from '../harness/mailbox.js';
import { captureLogger, expectMirrored, expectSuccess, makeMessage, newUsers, specFor } from './sync-helpers.js';

const DENIED_HOST = '127.0.0.2';
const policy = egressPolicy({ denyCidrs: [`${DENIED_HOST}/32`] });

let servers: DovecotPair;
let listener: net.Server;
let listenerPort: number;
let connections = 0;

beforeAll(async () => {
  servers = await startDovecotPair();
  // Stands where the denied server would be: counts every connection that reaches it.
  listener = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, DENIED_HOST, resolve));
  listenerPort = (listener.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener?.close(() => resolve()));
  await servers?.stop();
});

async function deniedSourceSpec(tls: 'implicit' | 'auto' | 'none'): Promise<MailSyncSpec> {
  const users = await newUsers(servers.a, servers.b);
  const spec = await specFor(users);
  return {
    ...spec,
    source: {
      ...spec.source,
      host: DENIED_HOST,
      port: listenerPort,
      tls,
      ...(tls === 'none' ? { allowPlaintext: true } : {}),
    },
  };
}

describe('egress policy', () => {
  it.each(['implicit', 'auto', 'none'] as const)(
    'tls %s: a denied source address is refused with EgressDenied, nothing connects to it',
    async (tls) => {
      const spec = await deniedSourceSpec(tls);
      const before = connections;
      const capture = captureLogger();
      const summary = await runSync(spec, { logger: capture.logger, egress: policy });
      expect(summary).toMatchObject({ verdict: 'failed', reason: 'EgressDenied', exitCode: 25 });
      expect(summary.message).toBe(
        `source server ${DENIED_HOST}:${listenerPort}: the egress policy does not allow this destination`,
      );
      expect(connections - before).toBe(0);
      // No retry within the run: one refusal, no reconnect storm.
      expect(summary.reconnects).toBe(0);
    },
  );

  it('the same listener is reached without the policy (it does count connections)', async () => {
    const spec = await deniedSourceSpec('implicit');
    const before = connections;
    const summary = await runSync(spec, { logger: captureLogger().logger });
    expect(summary.verdict).toBe('failed');
    expect(summary.reason).not.toBe('EgressDenied');
    expect(connections - before).toBeGreaterThan(0);
  });

  it('a port outside --egress-allow-ports is refused on the destination (exit 26)', async () => {
    const users = await newUsers(servers.a, servers.b);
    const spec = await specFor(users);
    const onlySource = egressPolicy({ allowPorts: [spec.source.port!] });
    const summary = await runSync(spec, { logger: captureLogger().logger, egress: onlySource });
    expect(summary).toMatchObject({ verdict: 'failed', reason: 'EgressDenied', exitCode: 26 });
    expect(summary.message).toContain(`destination server ${spec.destination.host}:${spec.destination.port}`);
  });

  it('a sync between allowed servers works under the policy', async () => {
    const users = await newUsers(servers.a, servers.b);
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [
      { raw: makeMessage({ subject: 'egress 1' }) },
      { raw: makeMessage({ subject: 'egress 2' }) },
    ]);
    const summary = await runSync(await specFor(users), { logger: captureLogger().logger, egress: policy });
    expectSuccess(summary);
    await expectMirrored(users, [['INBOX', 'INBOX']]);
  });
});
