/**
 * A 20 MB message: copied byte for byte, with memory bounded by the message
 * size (measured as the child process's peak RSS growth over its baseline;
 * reported, and checked only against a generous bound: under 10x the message).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages } from '../harness/mailbox.js';
import { spawnSync } from './sync-child.js';
import { expectMirrored, makeMessage, newUsers, specFor } from './sync-helpers.js';

let servers: DovecotPair;
beforeAll(async () => {
  servers = await startDovecotPair();
});
afterAll(async () => {
  await servers?.stop();
});

test('a 20 MB message is copied exactly with bounded memory', async () => {
  const users = await newUsers(servers.a, servers.b);
  const line = 'The quick brown fox jumps over the lazy dog 0123456789\r\n';
  const big = makeMessage({ subject: 'big', body: line.repeat(Math.ceil((20 * 1024 * 1024) / line.length)) });
  await appendMessages(servers.a, users.sourceUser, 'INBOX', [
    { raw: makeMessage({ subject: 'before' }) },
    { raw: big, flags: ['\\Seen', '$Big'] },
    { raw: makeMessage({ subject: 'after' }) },
  ]);
  const run = await spawnSync(await specFor(users));
  const { code } = await run.exited;
  expect(code, run.stderr()).toBe(0);
  const baseline = Number(/baseline-rss (\d+)/.exec(run.stderr())?.[1]);
  const peak = Number(/peak-rss (\d+)/.exec(run.stderr())?.[1]);
  const growth = peak - baseline;
  console.log(
    `[sync-big-message] message ${(big.length / 1048576).toFixed(1)} MB: baseline RSS ${(baseline / 1048576).toFixed(1)} MB, ` +
      `peak ${(peak / 1048576).toFixed(1)} MB, growth ${(growth / 1048576).toFixed(1)} MB (${(growth / big.length).toFixed(2)}x)`,
  );
  expect(baseline).toBeGreaterThan(0);
  expect(growth).toBeLessThan(10 * big.length);
  expect(run.summary()).toMatchObject({ verdict: 'success', biggestMessageBytes: big.length });
  await expectMirrored(users, [['INBOX', 'INBOX']]);
});
