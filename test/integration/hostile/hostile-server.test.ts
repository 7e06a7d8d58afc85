/**
 * The `mailsync` command (bin/mailsync, a child process) against a malicious
 * IMAP server (test/harness/hostile-server.ts) as its source, with a real
 * Dovecot as the destination: one case per attack. Each must end with a
 * classified error (exit code and reason) within the case's timeout, the
 * process's peak RSS under 256 MB (VmHWM, written at exit by peak-rss.mjs),
 * every output line free of control characters, and no password in any
 * output (raw or base64).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64Cores } from '../../../src/sync/secret-scrubber.js';
import { type DovecotServer, startDovecot } from '../../harness/dovecot.js';
import { type Attack, type HostileServer, startHostileServer } from '../../harness/hostile-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAILSYNC = path.join(ROOT, 'bin/mailsync');
const PEAK_RSS = path.join(ROOT, 'test/integration/hostile/peak-rss.mjs');
const MAX_RSS = 256 * 1024 * 1024;
const PASSWORD = 'hostile-Secret-pw-4711';
/** Any control character a terminal acts on, except LF (line ends of the output itself). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

interface Case {
  attack: Attack;
  tls: boolean;
  exitCode: number;
  reason: string;
  /** What the one-line error must say. */
  says: RegExp;
  extraArgs?: string[];
  /** No TLS option at all: `tls: auto` probes the port (implicit TLS, then a plaintext greeting). */
  auto?: boolean;
  /** The side the hostile server plays (source by default; the other side is the real Dovecot). */
  side?: 'source' | 'destination';
}

const CASES: Case[] = [
  {
    attack: 'endless-line',
    tls: true,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /longer than 1048576 bytes before its greeting/,
  },
  {
    attack: 'bare-lf-flood',
    tls: false,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /longer than 1048576 bytes before its greeting/,
  },
  {
    attack: 'giant-literal',
    tls: true,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /a literal of 999999999999 bytes/,
  },
  {
    attack: 'body-over-size',
    tls: true,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /message bodies of 400000000 bytes for 1 messages listed at \d+ bytes/,
  },
  {
    attack: 'exists-flood',
    tls: false,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /more than 1000000 untagged responses to one command/,
  },
  {
    attack: 'fetch-flood',
    tls: true,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /more than 10002 untagged responses to one command/,
  },
  {
    attack: 'trickle',
    tls: true,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /answered too slowly: \d+ bytes in \d+ s/,
    extraArgs: ['--timeout1', '3'],
  },
  {
    attack: 'control-texts',
    tls: true,
    exitCode: 14,
    reason: 'AuthenticationFailed',
    // The NO echoes the SASL PLAIN response: the password, base64 encoded inside it, is scrubbed.
    says: /\\x1b\]0;pwned\\x07\\x1b\[31mdenied\\x9b2K\\x85NO <b>html<\/b>\\rforged; you sent: PLAIN [A-Za-z0-9+/]*\*\*\*/,
    extraArgs: ['--authmech1', 'PLAIN'],
  },
  {
    attack: 'control-texts',
    tls: true,
    exitCode: 14,
    reason: 'AuthenticationFailed',
    says: /\\x1b\]0;pwned\\x07\\x1b\[31mdenied\\x9b2K\\x85NO <b>html<\/b>\\rforged; you sent: "joe" "\*\*\*"/,
    extraArgs: ['--authmech1', 'LOGIN'],
  },
  {
    attack: 'ssh-banner',
    tls: false,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /is not an IMAP server: it greeted with "SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u3"/,
  },
  {
    attack: 'smtp-banner',
    tls: false,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /is not an IMAP server: it greeted with "220 mail\.example\.com ESMTP Postfix \\x1b\[\.\.\."/,
  },
  {
    attack: 'ssh-banner',
    auto: true,
    tls: false,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    // Found by the tls: auto probe, before any login.
    says: /source server 127\.0\.0\.1:\d+ is not an IMAP server: it greeted with "SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u3"/,
    extraArgs: ['--timeout1', '5'],
  },
  {
    attack: 'ssh-banner',
    side: 'destination',
    tls: false,
    exitCode: 19,
    reason: 'ServerMisbehaved',
    says: /destination server 127\.0\.0\.1:\d+ is not an IMAP server: it greeted with "SSH-2\.0-/,
  },
  {
    attack: 'huge-list',
    side: 'destination',
    tls: true,
    exitCode: 19,
    reason: 'ServerMisbehaved',
    says: /more than 100000 untagged responses to one command/,
  },
  {
    attack: 'huge-list',
    tls: true,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /more than 100000 untagged responses to one command/,
  },
  {
    attack: 'absurd-folder-name',
    tls: true,
    exitCode: 18,
    reason: 'ServerMisbehaved',
    says: /a mailbox name of 100000 bytes \(at most 4096\)/,
  },
];

let dovecot: DovecotServer | undefined;
let certs: { certFile: string; keyFile: string; caFile: string };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailsync-hostile-'));
const passfile = path.join(tmp, 'password');
writeFileSync(passfile, `${PASSWORD}\n`, { mode: 0o600 });

beforeAll(async () => {
  await ensureBuilt();
  dovecot = await startDovecot({ name: 'hostile-dst', flavour: 'slash' });
  await dovecot.addUser('joe', PASSWORD);
  const dir = path.dirname(dovecot.caFile);
  certs = { certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key'), caFile: dovecot.caFile };
});

afterAll(async () => {
  await dovecot?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  peakRss: number;
}

async function runAgainst(server: HostileServer, c: Case, format: 'json' | 'human'): Promise<Outcome> {
  const rssFile = path.join(tmp, `rss-${c.attack}-${format}`);
  const hostile = (n: 1 | 2) => [
    ...[`--host${n}`, server.host, `--port${n}`, String(server.port)],
    ...(c.auto ? [] : c.tls ? [`--ssl${n}`, `--cafile${n}`, certs.caFile] : [`--nossl${n}`, `--notls${n}`]),
  ];
  const real = (n: 1 | 2) => [
    ...[`--host${n}`, '127.0.0.1', `--port${n}`, String(dovecot!.implicitTlsPort), `--ssl${n}`],
    ...[`--cafile${n}`, certs.caFile],
  ];
  const onDestination = c.side === 'destination';
  const args = [
    ...(onDestination ? real(1) : hostile(1)),
    ...(onDestination ? hostile(2) : real(2)),
    ...['--user1', 'joe', '--passfile1', passfile, '--user2', 'joe', '--passfile2', passfile],
    ...['--log-format', format, ...(c.extraArgs ?? [])],
  ];
  return new Promise<Outcome>((resolve, reject) => {
    const child = spawn(MAILSYNC, args, {
      cwd: tmp,
      env: { ...process.env, NODE_OPTIONS: `--import ${PEAK_RSS}`, PEAK_RSS_FILE: rssFile },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const peakRss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : Number.NaN;
      resolve({ code, stdout, stderr, peakRss });
    });
  });
}

function expectSafeOutput(outcome: Outcome): void {
  for (const text of [outcome.stdout, outcome.stderr]) {
    const bad = CONTROL.exec(text);
    expect(bad, `control character U+${bad?.[0]?.charCodeAt(0).toString(16)} in:\n${text.slice(0, 4000)}`).toBeNull();
    expect(text).not.toContain(PASSWORD);
    for (const core of base64Cores(PASSWORD)) expect(text).not.toContain(core);
  }
}

describe('mailsync against a hostile server', () => {
  it.each(CASES.map((c) => ({ side: 'source' as const, extraArgs: [], ...c })))(
    '$attack $extraArgs on the $side: exit $exitCode ($reason), bounded memory, escaped output',
    { timeout: 90_000 },
    async (c) => {
      const server = await startHostileServer({ attack: c.attack, ...(c.tls ? { tls: certs } : {}) });
      try {
        const outcome = await runAgainst(server, c, 'json');
        const context = `stderr:\n${outcome.stderr}\nstdout (end):\n${outcome.stdout.slice(-3000)}`;
        expect(outcome.code, context).toBe(c.exitCode);
        const headline = outcome.stderr.split('\n')[0] ?? '';
        expect(headline, context).toContain(`mailsync: ${c.reason} (${c.side ?? 'source'}): `);
        expect(headline, context).toMatch(c.says);
        const summary = outcome.stdout
          .split('\n')
          .filter((line) => line.includes('"event":"summary"'))
          .map((line) => JSON.parse(line) as { summary: { reason: string; exitCode: number } })[0];
        if (summary) expect(summary.summary).toMatchObject({ reason: c.reason, exitCode: c.exitCode });
        expect(outcome.peakRss, 'peak RSS measured').toBeGreaterThan(0);
        console.log(`${c.attack} (${c.side}): peak RSS ${(outcome.peakRss / 1024 / 1024).toFixed(1)} MiB`);
        expect(outcome.peakRss).toBeLessThan(MAX_RSS);
        expectSafeOutput(outcome);
        // No reconnect loop against a misbehaving server: one connection (two for a tls: auto probe at most).
        if (c.reason === 'ServerMisbehaved') expect(server.connections).toBeLessThanOrEqual(2);
      } finally {
        await server.close();
      }
    },
  );

  it('control characters in folder names never reach the output raw (human and JSON logs)', {
    timeout: 90_000,
  }, async () => {
    const c: Case = { attack: 'control-folder-names', tls: true, exitCode: -1, reason: '', says: /./ };
    const server = await startHostileServer({ attack: c.attack, tls: certs });
    try {
      for (const format of ['human', 'json'] as const) {
        const outcome = await runAgainst(server, c, format);
        const context = `stderr:\n${outcome.stderr}\nstdout:\n${outcome.stdout.slice(-4000)}`;
        // Classified: success, or a known reason (Dovecot may refuse some of these names).
        expect([0, 20], context).toContain(outcome.code);
        expectSafeOutput(outcome);
        expect(outcome.peakRss).toBeLessThan(MAX_RSS);
        if (format === 'human') expect(outcome.stdout, context).toContain('Red\\x1b[31mAlert\\x1b[0m');
        else expect(outcome.stdout, context).toContain('Csi\\u009b2J');
      }
    } finally {
      await server.close();
    }
  });
});

const execFileP = promisify(execFile);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(js|ts)$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Build dist/ when a source file is newer than it (as cli-mailsync.test.ts does). */
async function ensureBuilt(): Promise<void> {
  const dist = path.join(ROOT, 'dist');
  if (existsSync(path.join(dist, 'main.js')) && newestMtime(dist) >= newestMtime(path.join(ROOT, 'src'))) return;
  try {
    await execFileP(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', ROOT], { cwd: ROOT });
  } catch (err) {
    const out = String((err as { stdout?: string }).stdout ?? err);
    console.warn(`tsc reported errors (dist/ was still emitted):\n${out.slice(0, 4000)}`);
  }
}
