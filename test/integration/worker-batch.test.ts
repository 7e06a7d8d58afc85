/**
 * `mailsync worker` with MAILSYNC_BATCH: several accounts in one process, as
 * a batch pod runs them. The real command (bin/mailsync) against two real
 * Dovecot servers over TLS. Each account's lines carry its id and end with
 * its own summary; a bad account fails alone; SIGTERM stops every account,
 * the ones not started yet included, with nothing half-written.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, listMailbox } from '../harness/mailbox.js';
import { ensureBuilt, run } from './cli-run.js';
import { expectMirrored, makeMessage, newUsers, type UserPair } from './sync-helpers.js';

let servers: DovecotPair;
let dir: string;
beforeAll(async () => {
  [servers] = await Promise.all([startDovecotPair(), ensureBuilt()]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'mailsync-batch-'));
}, 120_000);
afterAll(async () => {
  await servers?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Line {
  account?: string;
  event?: string;
  summary?: { verdict: string; reason: string; exitCode: number; messagesTransferred: number };
  msg?: string;
}

const parse = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);

async function seeded(count: number): Promise<UserPair> {
  const users = await newUsers(servers.a, servers.b);
  const messages = Array.from({ length: count }, (_, i) => ({
    raw: makeMessage({ subject: `batch ${i}`, body: `message ${i} `.repeat(200) }),
  }));
  await appendMessages(servers.a, users.sourceUser, 'INBOX', messages);
  return users;
}

/** Write an account's files as the batch pod's projected volume lays them out: spec.json, secrets/<side>/password. */
async function writeAccount(batchDir: string, id: string, users: UserPair, extra: Partial<MailSyncSpec> = {}) {
  const home = path.join(batchDir, id);
  await mkdir(path.join(home, 'secrets/source'), { recursive: true });
  await mkdir(path.join(home, 'secrets/destination'), { recursive: true });
  const side = async (server: typeof servers.a, user: string, name: 'source' | 'destination') => {
    const { passwordFile: _file, ...endpoint } = await server.endpoint(user);
    await writeFile(path.join(home, `secrets/${name}/password`), server.password(user), { mode: 0o600 });
    return { ...endpoint, passwordSecretRef: { name: `${id}-secret`, key: name } };
  };
  const spec = {
    source: await side(users.source, users.sourceUser, 'source'),
    destination: await side(users.destination, users.destinationUser, 'destination'),
    ...extra,
  };
  await writeFile(path.join(home, 'spec.json'), JSON.stringify(spec));
}

describe('mailsync worker, a batch of accounts (MAILSYNC_BATCH)', () => {
  test('each account syncs exactly with its own tagged lines and summary; a bad one fails alone', async () => {
    const batchDir = path.join(dir, 'three');
    // One after another: the harness rewrites one passwd-file per server.
    const first = await seeded(12);
    const second = await seeded(7);
    const third = await seeded(3);
    await writeAccount(batchDir, 'acct-a', first);
    await writeAccount(batchDir, 'acct-b', second);
    await writeAccount(batchDir, 'acct-c', third);
    await rm(path.join(batchDir, 'acct-b/secrets/destination/password'));
    const result = await run(['worker'], {
      env: {
        MAILSYNC_BATCH: JSON.stringify([{ id: 'acct-a' }, { id: 'acct-b' }, { id: 'acct-c' }]),
        MAILSYNC_BATCH_DIR: batchDir,
      },
    });
    const lines = parse(result.stdout);
    const summaries = lines.filter((l) => l.event === 'summary');
    expect(summaries.map((s) => s.account).sort()).toEqual(['acct-a', 'acct-b', 'acct-c']);
    const byAccount = Object.fromEntries(summaries.map((s) => [s.account, s.summary!]));
    expect(byAccount['acct-a']).toMatchObject({ verdict: 'success', exitCode: 0, messagesTransferred: 12 });
    expect(byAccount['acct-c']).toMatchObject({ verdict: 'success', exitCode: 0, messagesTransferred: 3 });
    expect(byAccount['acct-b']).toMatchObject({ verdict: 'failed', reason: 'InvalidConfiguration', exitCode: 2 });
    // The first account (in the batch's order) that did not succeed gives the exit code.
    expect(result.code).toBe(2);
    // Every line but the batch's own first one says whose it is.
    expect(lines.filter((l) => l.account === undefined).map((l) => l.msg)).toEqual(['batch of 3 accounts']);
    await expectMirrored(first, [['INBOX', 'INBOX']]);
    await expectMirrored(third, [['INBOX', 'INBOX']]);
    expect((await listMailbox(servers.b, second.destinationUser)).flatMap((f) => f.messages)).toHaveLength(0);
    for (const users of [first, second, third]) {
      expect(result.stdout).not.toContain(servers.a.password(users.sourceUser));
      expect(result.stdout).not.toContain(servers.b.password(users.destinationUser));
    }
  }, 120_000);

  test('SIGTERM stops every account, those not started yet included: all Interrupted, nothing half-written', async () => {
    const batchDir = path.join(dir, 'term');
    const first = await seeded(40);
    const second = await seeded(5);
    const slow = { throttle: { maxMessagesPerSecond: 4 } };
    await writeAccount(batchDir, 'slow-1', first, slow);
    await writeAccount(batchDir, 'slow-2', second, slow);
    let signalled = false;
    const result = await run(['worker'], {
      env: {
        MAILSYNC_BATCH: JSON.stringify([{ id: 'slow-1' }, { id: 'slow-2' }]),
        MAILSYNC_BATCH_DIR: batchDir,
        MAILSYNC_BATCH_CONCURRENCY: '1',
      },
      onStdout: (child, stdout) => {
        // Some messages of the first account are copied: stop the batch.
        if (!signalled && /"account":"slow-1".*"event":"progress"/.test(stdout)) {
          signalled = true;
          child.kill('SIGTERM');
        }
      },
    });
    expect(signalled).toBe(true);
    const summaries = parse(result.stdout).filter((l) => l.event === 'summary');
    expect(summaries.map((s) => [s.account, s.summary!.reason, s.summary!.exitCode])).toEqual([
      ['slow-1', 'Interrupted', 31],
      ['slow-2', 'Interrupted', 31],
    ]);
    expect(result.code).toBe(31);
    // The second account never connected; the first copied whole messages only.
    expect((await listMailbox(servers.b, second.destinationUser)).flatMap((f) => f.messages)).toHaveLength(0);
    const source = await listMailbox(servers.a, first.sourceUser);
    const known = new Set(source.flatMap((f) => f.messages.map((m) => m.sha256)));
    const copied = (await listMailbox(servers.b, first.destinationUser)).flatMap((f) => f.messages);
    expect(copied.length).toBeLessThan(40);
    for (const m of copied) expect(known.has(m.sha256), 'a copied message is whole').toBe(true);
  }, 120_000);

  test('a list it cannot read fails the batch before any connection, with one summary and a clear message', async () => {
    const result = await run(['worker'], {
      env: { MAILSYNC_BATCH: JSON.stringify([{ id: 'x' }, { id: 'x' }]), MAILSYNC_BATCH_DIR: dir },
    });
    expect(result.code).toBe(2);
    const summaries = parse(result.stdout).filter((l) => l.event === 'summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ summary: { reason: 'InvalidConfiguration', exitCode: 2 } });
    expect(summaries[0]!.account).toBeUndefined();
    expect(result.stdout).toContain("MAILSYNC_BATCH[1].id 'x' is listed twice");
  }, 60_000);
});
