/**
 * Dropped connections: cut by a TCP proxy (between commands, or in the middle
 * of an APPEND literal), or the server killed and restarted. The engine
 * reconnects with backoff, the folder resumes from a fresh listing, and the
 * run ends with destination == source (no loss, no duplicate, nothing
 * partial). A connection gone for good ends the run with ConnectFailed for
 * the right side.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runSync } from '../../src/sync/engine.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { startFaultProxy } from '../harness/fault-proxy.js';
import { appendMessages } from '../harness/mailbox.js';
import {
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

const FAST_RETRY = { baseDelayMs: 200, maxDelayMs: 2000, maxAttempts: 8 };

async function seed(users: UserPair, count: number): Promise<[string, string][]> {
  const folders: [string, string][] = [];
  for (const name of ['INBOX', 'Other']) {
    const path = servers.a.folder(name);
    await appendMessages(
      servers.a,
      users.sourceUser,
      path,
      Array.from({ length: count }, (_, i) => ({
        // Random (incompressible) bodies: COMPRESS=DEFLATE must not shrink the traffic the proxy counts.
        raw: makeMessage({
          subject: `${name} ${i}`,
          body: randomBytes(6000).toString('base64').replace(/.{76}/g, '$&\r\n'),
        }),
        flags: i % 2 ? ['\\Seen'] : [],
      })),
    );
    folders.push([path, servers.b.folder(name)]);
  }
  return folders;
}

describe('reconnect', () => {
  test('destination connections cut between and inside APPENDs: the run reconnects and ends exact', async () => {
    const users = await newUsers(servers.a, servers.b);
    const folders = await seed(users, 60);
    const proxy = await startFaultProxy({ host: servers.b.host, port: servers.b.implicitTlsPort });
    try {
      let cuts = 0;
      const capture = captureLogger((event) => {
        if (event.event !== 'progress' || cuts > 0 || event.progress.messagesCopied < 10) return;
        cuts += 1;
        setImmediate(() => {
          proxy.dropAll();
          // The second cut lands in the middle of whatever is sent next (an APPEND literal, most likely).
          void proxy.dropAfterClientBytes(20_000).then(() => {
            cuts += 1;
          });
        });
      });
      const spec = await specFor(users, {
        throttle: { maxMessagesPerSecond: 60 },
        performance: { batchMessages: 5, folderConcurrency: 2 },
      });
      const summary = await runSync(
        { ...spec, destination: { ...spec.destination, port: proxy.port } },
        { logger: capture.logger, progressIntervalMs: 100, reconnect: FAST_RETRY },
      );
      expectSuccess(summary);
      expect(cuts).toBe(2);
      expect(summary.reconnects).toBeGreaterThanOrEqual(1);
      expect(capture.of('reconnect').length).toBe(summary.reconnects);
      await expectMirrored(users, folders);
      const rerun = await runSync(await specFor(users), { logger: captureLogger().logger, progressIntervalMs: 0 });
      expectSuccess(rerun);
      expect(rerun.messagesTransferred).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  test('the source server killed and restarted mid-run: the run resumes and ends exact', async () => {
    const users = await newUsers(servers.a, servers.b);
    const folders = await seed(users, 60);
    let killed = false;
    let restartState = 'not started';
    let restarted: Promise<void> | undefined;
    const capture = captureLogger((event) => {
      if (event.event !== 'progress' || killed || event.progress.messagesCopied < 10) return;
      killed = true;
      restartState = 'killing';
      const began = Date.now();
      const at = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
      restarted = (async () => {
        await servers.a.kill();
        restartState = `killed at ${at()}`;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        restartState += `, starting at ${at()}`;
        await servers.a.start();
        restartState += `, listening at ${at()}`;
      })();
    });
    const spec = await specFor(users, { throttle: { maxMessagesPerSecond: 60 }, performance: { batchMessages: 5 } });
    // A command the restarted server leaves unanswered ends on the engine's own timeout and is retried on a
    // new connection (what this test is about) well before the test's 120 s, which the default 120 s would
    // race. CI once ran this test into its timeout (not reproduced in 95 runs); if it hangs again, the error
    // says where: the restart's step and the engine's last events.
    // The server is gone while it dies, for the second of the test and while it starts again: on a loaded
    // CI machine (36 files in parallel, each with its own servers) that took long enough once for FAST_RETRY's
    // eight attempts (about 11 s of backoff) to run out. Fifteen give about 25 s; what is tested is the
    // resume, not the retry budget (reconnect.ts's unit tests and the third test here cover that).
    const run = runSync(
      { ...spec, source: { ...spec.source, timeoutSeconds: 15 } },
      { logger: capture.logger, progressIntervalMs: 100, reconnect: { ...FAST_RETRY, maxAttempts: 15 } },
    );
    /** The engine's last events but progress, one line each: what a failure message shows. */
    const lastEvents = (count: number) =>
      capture.events
        .filter((e) => e.event !== 'progress')
        .slice(-count)
        .map((e) => JSON.stringify(e).slice(0, 300))
        .join('\n');
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the run did not end in 90 s; restart: ${restartState}; last events:\n${lastEvents(15)}`));
      }, 90_000);
    });
    try {
      const summary = await Promise.race([run, stuck]);
      await Promise.race([restarted, stuck]);
      if (summary.verdict !== 'success') {
        // CI once saw a failed verdict here, its message cut from the log: say everything in one line.
        expect.fail(
          `${summary.reason} (${summary.exitCode}): ${summary.message}; restart: ${restartState}; last events:\n${lastEvents(10)}`,
        );
      }
      expectSuccess(summary);
      expect(killed).toBe(true);
      expect(summary.reconnects).toBeGreaterThanOrEqual(1);
      expect(capture.of('reconnect').some((e) => e.side.includes('source'))).toBe(true);
      await expectMirrored(users, folders);
    } finally {
      clearTimeout(timer);
    }
  });

  test('a connection that never comes back ends the run with ConnectFailed for that side', async () => {
    const users = await newUsers(servers.a, servers.b);
    await seed(users, 30);
    const proxy = await startFaultProxy({ host: servers.b.host, port: servers.b.implicitTlsPort });
    try {
      const capture = captureLogger((event) => {
        if (event.event === 'progress' && event.progress.messagesCopied >= 5) {
          setImmediate(() => {
            proxy.refuse(true);
            proxy.dropAll();
          });
        }
      });
      const spec = await specFor(users, {
        throttle: { maxMessagesPerSecond: 30 },
        performance: { batchMessages: 5 },
      });
      const summary = await runSync(
        { ...spec, destination: { ...spec.destination, port: proxy.port } },
        {
          logger: capture.logger,
          progressIntervalMs: 100,
          reconnect: { baseDelayMs: 100, maxDelayMs: 200, maxAttempts: 2 },
        },
      );
      expect(summary).toMatchObject({ verdict: 'failed', reason: 'ConnectFailed', exitCode: 11 });
    } finally {
      await proxy.close();
    }
  });
});
