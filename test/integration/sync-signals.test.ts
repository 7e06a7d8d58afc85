/**
 * Stopping a run: an in-process abort and a real SIGTERM to a child process
 * (even with a 20 MB APPEND in flight) end with verdict 'aborted', exit code
 * 30 and no partial message on the destination, well within a 30 s grace
 * period; a second signal exits at once; a re-run then makes the destination
 * exactly equal to the source.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { appendMessages, listMailbox } from '../harness/mailbox.js';
import { spawnSync } from './sync-child.js';
import {
  byPath,
  captureLogger,
  expectMirrored,
  expectSuccess,
  makeMessage,
  newUsers,
  specFor,
  type UserPair,
} from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

const FOLDERS = ['INBOX', 'Alpha', 'Beta'];

async function seedMany(users: UserPair, perFolder: number): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const name of FOLDERS) {
    const sourcePath = servers.a.folder(name);
    await appendMessages(
      servers.a,
      users.sourceUser,
      sourcePath,
      Array.from({ length: perFolder }, (_, i) => ({
        raw: makeMessage({ subject: `${name} ${i}`, body: `${name} ${i} `.repeat(500) }),
        flags: i % 3 === 0 ? ['\\Seen'] : [],
      })),
    );
    pairs.push([sourcePath, servers.b.folder(name)]);
  }
  return pairs;
}

/** Every destination message is byte-identical to some source message: nothing partial, nothing foreign. */
async function expectNoPartialMessages(users: UserPair): Promise<number> {
  const source = await listMailbox(servers.a, users.sourceUser);
  const destination = await listMailbox(servers.b, users.destinationUser);
  const known = new Set(source.flatMap((f) => f.messages.map((m) => m.sha256)));
  const copied = destination.flatMap((f) => f.messages);
  for (const m of copied) expect(known.has(m.sha256), `destination message ${m.sha256} is whole`).toBe(true);
  return copied.length;
}

describe('signals', () => {
  test('in-process abort: stops taking messages, logs out, summary aborted (30); re-run exact', async () => {
    const users = await newUsers(servers.a, servers.b);
    const folders = await seedMany(users, 40);
    const controller = new AbortController();
    const capture = captureLogger((event) => {
      // Abort outside the logger's write call, as a signal handler would.
      if (event.event === 'progress' && event.progress.messagesCopied >= 10) setImmediate(() => controller.abort());
    });
    const spec = await specFor(users, {
      throttle: { maxMessagesPerSecond: 40 },
      performance: { batchMessages: 5 },
    });
    const summary = await runSync(spec, { logger: capture.logger, signal: controller.signal, progressIntervalMs: 100 });
    expect(summary).toMatchObject({ verdict: 'aborted', reason: 'Aborted', exitCode: 30 });
    expect(capture.of('abort')).toHaveLength(1);
    expect(capture.events.at(-1)?.event).toBe('summary');
    const copied = await expectNoPartialMessages(users);
    expect(copied).toBeLessThan(120);

    expectSuccess(await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 }));
    await expectMirrored(users, folders);
  });

  test('SIGTERM to a running process: exit 30 with a summary; a re-run ends with destination == source', async () => {
    const users = await newUsers(servers.a, servers.b);
    const folders = await seedMany(users, 40);
    const run = await spawnSync(
      await specFor(users, { throttle: { maxMessagesPerSecond: 40 }, performance: { batchMessages: 5 } }),
    );
    await run.waitFor((e) => e.event === 'progress' && e.progress.messagesCopied > 0);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(30);
    expect(run.summary()).toMatchObject({ verdict: 'aborted', reason: 'Aborted', exitCode: 30 });
    expect(run.events.find((e) => e.event === 'abort')).toMatchObject({ signal: 'SIGTERM' });
    await expectNoPartialMessages(users);

    expectSuccess(await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 }));
    await expectMirrored(users, folders);
  });

  test('SIGTERM with a 20 MB APPEND in flight: out well within the grace period, nothing partial; re-run exact', async () => {
    const users = await newUsers(servers.a, servers.b);
    const big = makeMessage({
      subject: 'twenty megabytes',
      body: 'abcdefghij0123456789ABCDEFGHIJ\r\n'.repeat(655_360),
    });
    await appendMessages(servers.a, users.sourceUser, 'INBOX', [{ raw: big }, { raw: makeMessage() }]);
    // 4 MB/s: the 20 MB literal takes ~5 s to send, so the signal lands in the middle of it.
    const run = await spawnSync(await specFor(users, { throttle: { maxBytesPerSecond: 4 * 1024 * 1024 } }));
    await run.waitFor((e) => e.event === 'folder.plan' && e.folder === 'INBOX' && e.copy > 0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exited;
    const seconds = (at - signalledAt) / 1000;
    console.log(`[sync-signals] exit ${seconds.toFixed(2)} s after SIGTERM with a 20 MB APPEND in flight`);
    expect(code, run.stderr()).toBe(30);
    expect(seconds).toBeLessThan(25);
    // The big message was the one in flight: not stored, and nothing partial of it either.
    expect(run.summary()).toMatchObject({ verdict: 'aborted', messagesTransferred: 0 });
    expect(await expectNoPartialMessages(users)).toBe(0);

    expectSuccess(await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 }));
    const { destination } = await expectMirrored(users, [['INBOX', 'INBOX']]);
    expect(byPath([...destination.values()]).get('INBOX')!.messages).toHaveLength(2);
  });

  test('a second signal exits at once (while the graceful stop waits for a hung server)', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seedMany(users, 20);
    const proxy = await startFaultProxy({ host: servers.b.host, port: servers.b.implicitTlsPort });
    try {
      const spec = await specFor(users, { throttle: { maxMessagesPerSecond: 10 }, performance: { batchMessages: 5 } });
      const run = await spawnSync({ ...spec, destination: { ...spec.destination, port: proxy.port } });
      await run.waitFor((e) => e.event === 'progress' && e.progress.messagesCopied > 0);
      proxy.stallAll();
      run.child.kill('SIGTERM');
      await run.waitFor((e) => e.event === 'abort');
      run.child.kill('SIGTERM');
      const { code } = await run.exited;
      expect(code).toBe(30);
      expect(run.stderr()).toContain('second SIGTERM');
      expect(run.summary()).toBeUndefined();
    } finally {
      await proxy.close();
    }
    await expectNoPartialMessages(users);
  });
});
