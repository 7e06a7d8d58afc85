import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../src/api/events.js';
import { type DovecotPair, startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, listMailbox, messageMultiset } from '../harness/mailbox.js';
import { startOAuthTokenEndpoint } from '../harness/oauth-token-endpoint.js';
import { ensureBuilt, type Result, ROOT, run } from './cli-run.js';

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function summaryOf(stdout: string): Summary {
  const line = jsonLines(stdout).find((l) => l.event === 'summary');
  expect(line, `no summary event in:\n${stdout}`).toBeDefined();
  return line?.summary as Summary;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mailsync-cli-'));
const passfile = path.join(tmp, 'password');
writeFileSync(passfile, 'not-used\n', { mode: 0o600 });
/** Arguments that make a complete spec, so that only the option under test is wrong. */
const minimal = ['--host1', 'h1', '--user1', 'u', '--passfile1', passfile, '--host2', 'h2', '--user2', 'u'];

let engineProblem: string | undefined;

beforeAll(async () => {
  await ensureBuilt();
  try {
    await import(path.join(ROOT, 'dist/sync/engine.js'));
  } catch (err) {
    engineProblem = `the sync engine does not load yet: ${(err as Error).message}`;
  }
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectOneLineError(r: Result, code: number, message: RegExp): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toMatch(/^(Try|Check|For|Run)/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('mailsync without servers', () => {
  it('prints help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mailsync <command>/);
    const sync = await run(['sync', '--help']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/--host1 H/);
  });

  // src/main.ts starts the worker; the CLI itself does not know it (no worker <-> cli imports).
  it.each([
    ['help', 'worker'],
    ['worker', '--help'],
  ])('prints the worker help for %s %s', async (...argv) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mailsync worker\n/);
    expect(r.stdout).toMatch(/MAILSYNC_SPEC_FILE/);
  });

  it('prints the version', async () => {
    const r = await run(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mailsync \d+\.\d+\.\d+/);
  });

  it('refuses an unknown flag in one line with a usage hint, exit 2, no stack trace', async () => {
    const r = await run(['sync', ...minimal, '--bogus-flag']);
    expectOneLineError(r, 2, /^mailsync: error: unknown option --bogus-flag$/);
    expect(r.stderr).toMatch(/mailsync sync --help/);
  });

  it('refuses an unknown command', async () => {
    const r = await run(['frobnicate']);
    expectOneLineError(r, 2, /unknown command 'frobnicate'/);
  });

  it('refuses an invalid regex', async () => {
    const r = await run(['sync', ...minimal, '--passfile2', passfile, '--exclude', '(unclosed']);
    expectOneLineError(
      r,
      2,
      /^mailsync: error: spec\.folders\.exclude\[0\]: invalid regular expression: .*Unterminated group/,
    );
  });

  it('refuses a missing password file', async () => {
    const r = await run(['sync', ...minimal, '--passfile2', '/nonexistent/pass2']);
    expectOneLineError(r, 2, /spec\.destination\.passwordFile: cannot read \/nonexistent\/pass2: no such file/);
  });

  it('refuses a bad config file with the field path', async () => {
    const config = path.join(tmp, 'bad.yaml');
    writeFileSync(
      config,
      `source: {host: a, user: u, passwordFile: ${passfile}, port: 70000}\ndestination: {host: b}\n`,
    );
    const r = await run(['sync', '--config', config]);
    expectOneLineError(
      r,
      2,
      /^mailsync: error: 2 problems: spec\.source\.port: must be <= 65535 .*spec\.destination\.user: is required/,
    );
  });

  it('shows a stack trace only with --debug', async () => {
    const r = await run(['sync', ...minimal, '--passfile2', '/nonexistent/pass2', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\s+at /m);
  });

  it('reports an unreachable host as ConnectFailed (exit 10)', async (ctx) => {
    if (engineProblem) {
      console.warn(`skipped: ${engineProblem}`);
      ctx.skip();
    }
    const port = await closedPort();
    const r = await run([
      'sync',
      '--host1',
      '127.0.0.1',
      '--port1',
      String(port),
      '--ssl1',
      '--user1',
      'u',
      '--passfile1',
      passfile,
      '--host2',
      '127.0.0.1',
      '--port2',
      String(port),
      '--ssl2',
      '--user2',
      'v',
      '--passfile2',
      passfile,
      '--log-format',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(10);
    expect(summaryOf(r.stdout)).toMatchObject({ verdict: 'failed', reason: 'ConnectFailed', exitCode: 10 });
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^mailsync: ConnectFailed/);
    expect(r.stderr).toMatch(/--host1\/--port1/);
  });
});

describe('mailsync against two Dovecot servers', () => {
  let pair: DovecotPair;
  const SOURCE_PASSWORD = 'src-Pa55word-on-the-command-line';
  const DESTINATION_PASSWORD = 'dst-Pa55word-in-a-file';
  let dstPassfile: string;

  const message = (i: number) =>
    `From: a@example.org\r\nTo: b@example.org\r\nSubject: cli ${i}\r\nMessage-ID: <cli-${i}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody ${i}\r\n`;

  const imapsyncArgs = () => [
    '--host1',
    pair.a.host,
    '--port1',
    String(pair.a.implicitTlsPort),
    '--ssl1',
    '--cafile1',
    pair.a.caFile,
    '--user1',
    'carol',
    '--password1',
    SOURCE_PASSWORD,
    '--host2',
    pair.b.host,
    '--port2',
    String(pair.b.starttlsPort),
    '--tls2',
    '--cafile2',
    pair.b.caFile,
    '--user2',
    'carol',
    '--passfile2',
    dstPassfile,
  ];

  beforeAll(async () => {
    if (engineProblem) return;
    pair = await startDovecotPair();
    await pair.a.addUser('carol', SOURCE_PASSWORD);
    await pair.b.addUser('carol', DESTINATION_PASSWORD);
    dstPassfile = path.join(tmp, 'dst-pass');
    writeFileSync(dstPassfile, `${DESTINATION_PASSWORD}\n`, { mode: 0o600 });
    await appendMessages(
      pair.a,
      'carol',
      'INBOX',
      [1, 2, 3].map((i) => ({ raw: message(i), flags: i === 1 ? ['\\Seen'] : [] })),
    );
    await appendMessages(
      pair.a,
      'carol',
      pair.a.folder('Projects'),
      [4, 5].map((i) => ({ raw: message(i) })),
    );
  });

  afterAll(async () => {
    await pair?.stop();
  });

  const skipWithoutEngine = (ctx: { skip: () => void }) => {
    if (engineProblem) {
      console.warn(`skipped: ${engineProblem}`);
      ctx.skip();
    }
  };

  it('a dry run from a config file changes nothing', async (ctx) => {
    skipWithoutEngine(ctx);
    const config = path.join(tmp, 'carol.yaml');
    writeFileSync(
      config,
      `apiVersion: mailsync.io/v1alpha1
kind: MailSync
metadata: {name: carol}
spec:
  source: {host: ${pair.a.host}, port: ${pair.a.implicitTlsPort}, tls: implicit, caFile: ${pair.a.caFile}, user: carol, passwordEnv: SRC_PW}
  destination: {host: ${pair.b.host}, port: ${pair.b.implicitTlsPort}, tls: implicit, caFile: ${pair.b.caFile}, user: carol, passwordFile: ${dstPassfile}}
  suspend: false
`,
    );
    const r = await run(['sync', '--config', config, '--dry', '--log-format', 'json'], {
      env: { SRC_PW: SOURCE_PASSWORD },
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const summary = summaryOf(r.stdout);
    expect(summary).toMatchObject({ mode: 'dryRun', messagesTransferred: 0 });
    expect(summary.dryRun?.wouldCopy).toBe(5);
    expect(r.stdout).toMatch(/spec\.suspend: only used by the Kubernetes controller/);
    const dst = await listMailbox(pair.b, 'carol');
    expect(dst.flatMap((f) => f.messages)).toHaveLength(0);
  });

  it('OAuth2 refresh material in a config file: tokens from the token endpoint, none in the output', async (ctx) => {
    skipWithoutEngine(ctx);
    const tokens = await startOAuthTokenEndpoint(pair.certs, pair.oauth);
    try {
      tokens.expiresIn = 0; // every connection renews: the output sees several refreshes
      const refreshFile = path.join(tmp, 'carol-refresh.json');
      writeFileSync(refreshFile, JSON.stringify(tokens.grant('carol')), { mode: 0o600 });
      const config = path.join(tmp, 'carol-oauth.yaml');
      writeFileSync(
        config,
        `apiVersion: mailsync.io/v1alpha1
kind: MailSync
metadata: {name: carol-oauth}
spec:
  source: {host: ${pair.a.host}, port: ${pair.a.implicitTlsPort}, tls: implicit, caFile: ${pair.a.caFile}, user: carol, oauth2RefreshFile: ${refreshFile}}
  destination: {host: ${pair.b.host}, port: ${pair.b.implicitTlsPort}, tls: implicit, caFile: ${pair.b.caFile}, user: carol, passwordFile: ${dstPassfile}}
`,
      );
      const r = await run(['sync', '--config', config, '--dry', '--log-format', 'json']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(summaryOf(r.stdout).dryRun?.wouldCopy).toBe(5);
      const refreshes = jsonLines(r.stdout).filter((l) => l.event === 'oauth2Refresh');
      expect(refreshes.length).toBeGreaterThanOrEqual(2);
      expect(tokens.requests).toBe(refreshes.length);
      expect(await pair.a.log()).toMatch(/Login: user=<carol>, method=XOAUTH2/);
      for (const secret of tokens.secrets) {
        expect(r.stdout + r.stderr).not.toContain(secret);
        expect(r.stdout + r.stderr).not.toContain(Buffer.from(secret).toString('base64'));
      }
    } finally {
      await tokens.close();
    }
  });

  it('syncs with imapsync options, exit 0, and never prints the password', async (ctx) => {
    skipWithoutEngine(ctx);
    const r = await run(['sync', ...imapsyncArgs(), '--log-format', 'human']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\+\+\+\+ Statistics/);
    expect(r.stdout).toMatch(/Messages transferred\s+: 5/);
    expect(r.stdout).toMatch(/--password1 puts the password on the command line/);
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain(SOURCE_PASSWORD);
      expect(out).not.toContain(DESTINATION_PASSWORD);
    }
    const src = await listMailbox(pair.a, 'carol');
    const dst = await listMailbox(pair.b, 'carol');
    expect(messageMultiset(dst.find((f) => f.path === 'INBOX'))).toEqual(
      messageMultiset(src.find((f) => f.path === 'INBOX')),
    );
    expect(messageMultiset(dst.find((f) => f.path === 'Projects'))).toEqual(
      messageMultiset(src.find((f) => f.path === pair.a.folder('Projects'))),
    );
  });

  it('a re-run with the command name changed only (no subcommand) copies nothing, with a state file', async (ctx) => {
    skipWithoutEngine(ctx);
    const stateFile = path.join(tmp, 'carol.state.json');
    const first = await run([...imapsyncArgs(), '--state-file', stateFile]);
    expect(first.code, first.stderr).toBe(0);
    expect(summaryOf(first.stdout).messagesTransferred).toBe(0);
    expect(existsSync(stateFile)).toBe(true);
    const second = await run([...imapsyncArgs(), '--state-file', stateFile]);
    expect(second.code, second.stderr).toBe(0);
    expect(summaryOf(second.stdout).messagesTransferred).toBe(0);
  });

  it('stops cleanly on SIGTERM with exit 30 and a summary; the password is not in `ps`', async (ctx) => {
    skipWithoutEngine(ctx);
    await appendMessages(
      pair.a,
      'carol',
      pair.a.folder('Slow'),
      [6, 7, 8, 9, 10, 11].map((i) => ({ raw: message(i) })),
    );
    let signalled = false;
    let commandLine = '';
    const r = await run([...imapsyncArgs(), '--folder', pair.a.folder('Slow'), '--maxmessagespersecond', '1'], {
      onStdout: (child, stdout) => {
        // Signal once the sync is under way: after the first folder starts.
        if (!signalled && stdout.includes('"event":"folder.begin"')) {
          signalled = true;
          // bin/mailsync execs node: this is the CLI process; --password1 must be gone from its command line.
          commandLine = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
          child.kill('SIGTERM');
        }
      },
    });
    expect(signalled).toBe(true);
    expect(commandLine).toMatch(/^mailsync sync/);
    expect(commandLine).not.toContain(SOURCE_PASSWORD);
    expect(r.code, r.stderr).toBe(30);
    const summary = summaryOf(r.stdout);
    expect(summary).toMatchObject({ verdict: 'aborted', reason: 'Aborted' });
    expect(jsonLines(r.stdout).some((l) => l.event === 'abort' && l.signal === 'SIGTERM')).toBe(true);
  });

  it('logs in with a literal --oauthaccesstoken (XOAUTH2), which never shows and leaves no file behind', async (ctx) => {
    skipWithoutEngine(ctx);
    const token = pair.oauth.issue('carol');
    const checksBefore = pair.oauth.requests;
    const args = imapsyncArgs();
    const r = await run([...args, '--oauthaccesstoken2', token, '--justlogin', '--log-format', 'json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(summaryOf(r.stdout).mode).toBe('loginOnly');
    expect(pair.oauth.requests, 'Dovecot checked the token').toBeGreaterThan(checksBefore);
    expect(r.stdout).toMatch(/--passfile2 ignored: --oauthaccesstoken2 is used to log in/);
    expect(r.stdout + r.stderr).not.toContain(token);
    const leftovers = readdirSync(os.tmpdir()).filter((name) => name.startsWith('mailsync-token-'));
    for (const dir of leftovers) {
      for (const file of readdirSync(path.join(os.tmpdir(), dir))) {
        expect(readFileSync(path.join(os.tmpdir(), dir, file), 'utf8')).not.toBe(token);
      }
    }
  });

  it('runs as a worker pod: spec and Secrets as files, JSON events, state in the summary', async (ctx) => {
    skipWithoutEngine(ctx);
    const secrets = path.join(tmp, 'secrets');
    for (const [side, password] of [
      ['source', SOURCE_PASSWORD],
      ['destination', DESTINATION_PASSWORD],
    ] as const) {
      const dir = path.join(secrets, side);
      rmSync(dir, { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
      writeFileSync(path.join(dir, 'password'), password, { mode: 0o600 });
      writeFileSync(path.join(dir, 'ca.crt'), pair.a.caPem);
    }
    const specFile = path.join(tmp, 'spec.json');
    const ref = { name: 'carol', key: 'password' };
    const ca = { name: 'ca', key: 'ca.crt' };
    writeFileSync(
      specFile,
      JSON.stringify({
        source: {
          host: pair.a.host,
          port: pair.a.implicitTlsPort,
          tls: 'implicit',
          user: 'carol',
          passwordSecretRef: ref,
          caSecretRef: ca,
        },
        destination: {
          host: pair.b.host,
          port: pair.b.implicitTlsPort,
          tls: 'implicit',
          user: 'carol',
          passwordSecretRef: ref,
          caSecretRef: ca,
        },
        gracePeriodSeconds: 30,
      }),
    );
    const r = await run(['worker'], {
      env: {
        MAILSYNC_SPEC_FILE: specFile,
        MAILSYNC_SECRETS_DIR: secrets,
        MAILSYNC_STATE_FILE: path.join(tmp, 'none.json'),
      },
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.every((l) => l.event === undefined || l.schema === 1)).toBe(true);
    const summary = summaryOf(r.stdout);
    expect(summary.verdict).toBe('success');
    expect(summary.state).toBeDefined();
    expect(r.stdout).not.toContain(SOURCE_PASSWORD);
    expect(r.stdout).not.toContain(DESTINATION_PASSWORD);
  });
  it('as a worker pod, SIGTERM stops cleanly as Interrupted (31), not Aborted: the controller decides', async (ctx) => {
    skipWithoutEngine(ctx);
    await pair.a.addUser('dora', SOURCE_PASSWORD);
    await pair.b.addUser('dora', DESTINATION_PASSWORD);
    // Dovecot re-reads its passwd-file at most once a second (on a login).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await appendMessages(
      pair.a,
      'dora',
      'INBOX',
      Array.from({ length: 40 }, (_, i) => ({ raw: message(100 + i) })),
    );
    const secrets = path.join(tmp, 'dora-secrets');
    for (const [side, password] of [
      ['source', SOURCE_PASSWORD],
      ['destination', DESTINATION_PASSWORD],
    ] as const) {
      const dir = path.join(secrets, side);
      await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
      writeFileSync(path.join(dir, 'password'), password, { mode: 0o600 });
      writeFileSync(path.join(dir, 'ca.crt'), pair.a.caPem);
    }
    const side = (server: DovecotPair['a']) => ({
      host: server.host,
      port: server.implicitTlsPort,
      tls: 'implicit',
      user: 'dora',
      passwordSecretRef: { name: 'dora', key: 'password' },
      caSecretRef: { name: 'ca', key: 'ca.crt' },
    });
    const specFile = path.join(tmp, 'dora-spec.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        source: side(pair.a),
        destination: side(pair.b),
        throttle: { maxMessagesPerSecond: 5 },
        performance: { batchMessages: 1 },
      }),
    );
    let signalled = false;
    const r = await run(['worker'], {
      env: { MAILSYNC_SPEC_FILE: specFile, MAILSYNC_SECRETS_DIR: secrets },
      onStdout: (child, text) => {
        if (!signalled && text.includes('"event":"folder.plan"')) {
          signalled = true;
          setTimeout(() => child.kill('SIGTERM'), 1500);
        }
      },
    });
    expect(r.code, r.stderr + r.stdout).toBe(31);
    expect(jsonLines(r.stdout).find((l) => l.event === 'abort')).toMatchObject({ signal: 'SIGTERM' });
    const summary = summaryOf(r.stdout);
    expect(summary).toMatchObject({ verdict: 'aborted', reason: 'Interrupted', exitCode: 31 });
    expect(summary.message).toMatch(/^stopped by SIGTERM after copying \d+ messages$/);
    expect(summary.messagesTransferred).toBeGreaterThan(0);
    expect(summary.messagesTransferred).toBeLessThan(40);
  });
});

describe('mailsync worker without servers', () => {
  it('reports a missing mounted Secret as InvalidConfiguration (exit 2) with a summary event', async () => {
    const specFile = path.join(tmp, 'worker-spec.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        source: { host: 'h1', user: 'u', passwordSecretRef: { name: 's', key: 'password' } },
        destination: { host: 'h2', user: 'u', passwordSecretRef: { name: 's', key: 'password' } },
      }),
    );
    const r = await run(['worker'], {
      env: { MAILSYNC_SPEC_FILE: specFile, MAILSYNC_SECRETS_DIR: path.join(tmp, 'no-secrets') },
    });
    expect(r.code).toBe(2);
    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => l.event === 'error')).toMatchObject({ reason: 'InvalidConfiguration', side: 'source' });
    expect(summaryOf(r.stdout)).toMatchObject({ verdict: 'failed', reason: 'InvalidConfiguration', exitCode: 2 });
    expect(r.stderr).toMatch(/spec\.source\.passwordFile: cannot read .*no-secrets\/source\/password: no such file/);
  });

  it('reports a missing spec file', async () => {
    const r = await run(['worker'], { env: { MAILSYNC_SPEC_FILE: path.join(tmp, 'missing.json') } });
    expect(r.code).toBe(2);
    expect(summaryOf(r.stdout).message).toMatch(/missing\.json: cannot read the config file: no such file/);
  });
});
