/**
 * imapsync's Office 365 / Exchange options through the real command
 * (bin/mailsync), against Dovecot behind the Exchange-like proxy
 * (test/harness/exchange-proxy.ts): `--office2` wraps the long line and the
 * run succeeds with the copy counted as changed, a re-run copies nothing;
 * `--exchange2 --noregexmess` leaves the line alone and the destination's
 * refusal is reported as LineTooLong (exit 20).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/api/events.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { type ExchangeProxy, startExchangeProxy } from '../harness/exchange-proxy.js';
import { appendMessages } from '../harness/mailbox.js';
import { ensureBuilt, run } from './cli-run.js';
import { makeMessage, newUsers, type UserPair } from './sync-helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailsync-cli-office-'));
let pair: DovecotPair;
let proxy: ExchangeProxy;

beforeAll(async () => {
  await ensureBuilt();
  pair = await startDovecotPair();
  proxy = await startExchangeProxy({
    upstream: { host: pair.b.plainHost, port: pair.b.plainPort },
    certFile: pair.certs.serverCertFile,
    keyFile: pair.certs.serverKeyFile,
  });
});
afterAll(async () => {
  await proxy?.close();
  await pair?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
const summaryOf = (stdout: string) => lines(stdout).find((l) => l.event === 'summary')?.summary as Summary;

async function seeded(): Promise<UserPair> {
  const users = await newUsers(pair.a, pair.b);
  await appendMessages(pair.a, users.sourceUser, 'INBOX', [
    { raw: makeMessage({ subject: 'short' }) },
    { raw: makeMessage({ subject: 'long', body: 'x'.repeat(20_000) }) },
  ]);
  return users;
}

async function args(users: UserPair, preset: string[]): Promise<string[]> {
  const file = (name: string, text: string) => {
    const p = path.join(tmp, name);
    writeFileSync(p, `${text}\n`, { mode: 0o600 });
    return p;
  };
  return [
    'sync',
    ...['--host1', pair.a.host, '--port1', String(pair.a.implicitTlsPort), '--ssl1', '--cafile1', pair.a.caFile],
    ...['--user1', users.sourceUser, '--passfile1', file(`p1-${users.sourceUser}`, pair.a.password(users.sourceUser))],
    ...preset,
    ...['--host2', proxy.host, '--port2', String(proxy.port), '--cafile2', pair.b.caFile],
    ...['--user2', users.destinationUser],
    ...['--passfile2', file(`p2-${users.destinationUser}`, pair.b.password(users.destinationUser))],
  ];
}

describe('mailsync sync with imapsync Office 365 / Exchange options', () => {
  it('--office2: the long line is wrapped, the copy counted as changed; a re-run copies nothing', async () => {
    const users = await seeded();
    const first = await run(await args(users, ['--office2']));
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout + first.stderr).toContain('--office2: destination preset office365');
    expect(summaryOf(first.stdout)).toMatchObject({ messagesTransferred: 2, messagesChanged: 1, messagesFailed: 0 });
    const again = await run(await args(users, ['--office2']));
    expect(again.code, again.stderr).toBe(0);
    expect(summaryOf(again.stdout)).toMatchObject({ messagesTransferred: 0, messagesSkipped: 2 });
  });

  it('--exchange2 --noregexmess: the refusal is LineTooLong with the remedy, exit 20', async () => {
    const users = await seeded();
    const r = await run(await args(users, ['--exchange2', '--noregexmess', '--ssl2']));
    expect(r.code, r.stderr).toBe(20);
    const errors = lines(r.stdout).filter((l) => l.event === 'message.error');
    expect(errors.map((e) => e.reason)).toEqual(['LineTooLong']);
    expect(String(errors[0]?.error)).toContain('BAD Command Argument Error. 11');
    expect(summaryOf(r.stdout)).toMatchObject({ messagesTransferred: 1, messagesFailed: 1, messagesChanged: 0 });
  });
});
