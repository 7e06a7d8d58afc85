/**
 * `mailsync sync --imapsync-compat` against the Dovecot pair: the end of the
 * run is imapsync's (statistics block, "Detected N errors", "Exiting with
 * return value ...") and so is the exit code, for a success and for a wrong
 * password (imapsync 2.229: EXIT_AUTHENTICATION_FAILURE_USER2, 162).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, listMailbox, messageMultiset } from '../harness/mailbox.js';
import { ensureBuilt, run } from './cli-run.js';

const SOURCE_PASSWORD = 'compat-src-Pa55word';
const DESTINATION_PASSWORD = 'compat-dst-Pa55word';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailsync-compat-'));
let pair: DovecotPair;

const message = (i: number) =>
  `From: a@example.org\r\nTo: b@example.org\r\nSubject: compat ${i}\r\nMessage-ID: <compat-${i}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody ${i}\r\n`;

function passfile(name: string, password: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

function args(destinationPassfile: string): string[] {
  return [
    'sync',
    '--imapsync-compat',
    ...['--host1', pair.a.host, '--port1', String(pair.a.implicitTlsPort), '--ssl1', '--cafile1', pair.a.caFile],
    ...['--user1', 'dana', '--passfile1', passfile('p1', SOURCE_PASSWORD)],
    ...['--host2', pair.b.host, '--port2', String(pair.b.implicitTlsPort), '--ssl2', '--cafile2', pair.b.caFile],
    ...['--user2', 'dana', '--passfile2', destinationPassfile],
  ];
}

beforeAll(async () => {
  await ensureBuilt();
  pair = await startDovecotPair();
  await pair.a.addUser('dana', SOURCE_PASSWORD);
  await pair.b.addUser('dana', DESTINATION_PASSWORD);
  await appendMessages(
    pair.a,
    'dana',
    'INBOX',
    [1, 2, 3].map((i) => ({ raw: message(i) })),
  );
});

afterAll(async () => {
  await pair?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('mailsync sync --imapsync-compat', () => {
  it("a success: imapsync's statistics block, Detected 0 errors, exit 0 (EX_OK)", async () => {
    const r = await run(args(passfile('p2', DESTINATION_PASSWORD)));
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = r.stdout;
    expect(out.match(/\+\+\+\+ Statistics/g)).toHaveLength(1);
    expect(out).not.toContain('"event":"summary"');
    expect(out).toMatch(/^Transfer started on {21}: \w+day \d\d \w+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \S+$/m);
    expect(out).toMatch(/^Transfer time {27}: \d+\.\d sec$/m);
    expect(out).toMatch(/^Messages transferred {20}: 3 $/m);
    expect(out).toMatch(/^Messages skipped {24}: 0$/m);
    expect(out).toMatch(/^Total bytes transferred {17}: \d+ \(\d+\.\d{3} KiB\)$/m);
    expect(out).toContain('The sync looks good, all 3 identified messages in host1 are on host2.');
    expect(out).toMatch(/^Detected 0 errors$/m);
    const last = out.trimEnd().split('\n').at(-1);
    expect(last).toMatch(
      /^Exiting with return value 0 \(EX_OK: successful termination\) 0\/50 nb_errors\/max_errors PID \d+$/,
    );
    const src = await listMailbox(pair.a, 'dana');
    const dst = await listMailbox(pair.b, 'dana');
    expect(messageMultiset(dst.find((f) => f.path === 'INBOX'))).toEqual(
      messageMultiset(src.find((f) => f.path === 'INBOX')),
    );

    // A second run finds everything there: imapsync's "skipped".
    const again = await run(args(passfile('p2', DESTINATION_PASSWORD)));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Messages transferred {20}: 0 $/m);
    expect(again.stdout).toMatch(/^Messages skipped {24}: 3$/m);
  });

  it('a wrong destination password: no statistics block, exit 162 (EXIT_AUTHENTICATION_FAILURE_USER2)', async () => {
    const wrong = 'not-the-compat-password';
    const r = await run(args(passfile('wrong', wrong)));
    expect(r.code, r.stderr + r.stdout).toBe(162);
    expect(r.stdout).not.toContain('++++ Statistics');
    const tail = r.stdout.trimEnd().split('\n').slice(-2);
    expect(tail[0]).toBe(
      'The most frequent error is ERR_AUTHENTICATION_FAILURE_USER2. Check the credentials for dana.',
    );
    expect(tail[1]).toMatch(
      /^Exiting with return value 162 \(EXIT_AUTHENTICATION_FAILURE_USER2\) 1\/50 nb_errors\/max_errors PID \d+$/,
    );
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(wrong);
      expect(out).not.toContain(SOURCE_PASSWORD);
    }
  });

  it('a bad option: exit 64 (EX_USAGE), as imapsync', async () => {
    const r = await run(['sync', '--imapsync-compat', '--host1', 'h', '--frobnicate']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/unknown option --frobnicate/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^Exiting with return value 64 \(EX_USAGE: command line usage error\) 1\/50 nb_errors\/max_errors PID \d+$/,
    );
  });
});
