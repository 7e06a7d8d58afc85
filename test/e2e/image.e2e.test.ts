/**
 * The runtime image itself (MAILSYNC_IMAGE, built into docker by test/cluster/build-image.sh),
 * run with `docker run`, no cluster: it holds nothing but Node, the libraries Node links, the CA
 * certificates, passwd/group and the app (no shell, no package manager, no npm); it runs as
 * 10001; and its CLI syncs between the two Dovecot servers of the harness on 127.0.0.1 over
 * verified TLS, with the harness CA mounted read-only and the root filesystem read-only, as in a
 * worker pod.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates } from '../harness/certs.js';
import { startDnsServer } from '../harness/dns-server.js';
import type { DovecotPair } from '../harness/dovecot.js';
import { startDovecotPair } from '../harness/dovecot.js';
import { appendMessages, listMailbox, messageMultiset } from '../harness/mailbox.js';
import { summaryFromStdout } from '../harness/worker-events.js';
import { podEndpoint } from '../harness/worker-pod.js';
import { IMAGE } from './helpers/kube.js';

const HELM_TEST_SCRIPT = readFileSync(
  path.join(import.meta.dirname, '../../charts/mailsync-operator/files/helm-test.cjs'),
  'utf8',
);

function imageSkip(): string | undefined {
  if (!IMAGE) return 'MAILSYNC_IMAGE is not set (test/cluster/build-image.sh builds it into docker)';
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' });
  } catch {
    return `docker has no image ${IMAGE} (or no docker engine: test/cluster/docker-daemon.sh start)`;
  }
  return undefined;
}
const skip = imageSkip();
if (skip) console.warn(`SKIPPED test/e2e/image.e2e.test.ts: ${skip}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function docker(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('docker', args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `docker run` as a pod runs it: no capabilities, no privilege gain, read-only root, /tmp a tmpfs. */
const POD_LIKE = ['--rm', '--cap-drop=ALL', '--security-opt=no-new-privileges', '--read-only', '--tmpfs=/tmp'];

/** Any file with one of these names means a shell, a package manager or a tool a shell would use. */
const FORBIDDEN_NAMES =
  /^(sh|bash|dash|ash|zsh|ksh|busybox|toybox|env|ls|cat|su|sudo|apt|apt-get|apt-cache|dpkg|dpkg-deb|rpm|apk|npm|npx|corepack|yarn|pnpm|perl|python3?|wget|curl)$/;

/**
 * Every path the image may hold outside /app. docker export adds the container's mount points
 * and the files docker itself writes (.dockerenv, /etc/hosts, /etc/hostname, /etc/resolv.conf).
 */
const ALLOWED_OUTSIDE_APP = [
  /^usr\/local\/bin\/node$/,
  /^(usr\/)?lib(64|32)?\/([a-z0-9_-]+-linux-gnu[a-z0-9_]*\/)?(ld-linux[^/]*|lib(c|m|dl|pthread|rt|stdc\+\+|gcc_s)\.so\.[0-9.]+)$/,
  /^etc\/(passwd|group|nsswitch\.conf|hosts|hostname|resolv\.conf|mtab)$/,
  /^etc\/ssl\/certs\/ca-certificates\.crt$/,
  /^\.dockerenv$/,
  /^dev\/console$/,
];
const ALLOWED_DIRECTORIES =
  /^(usr|usr\/local|usr\/local\/bin|(usr\/)?lib(64|32)?(\/[a-z0-9_-]+-linux-gnu[a-z0-9_]*)?|etc|etc\/ssl|etc\/ssl\/certs|tmp|app|dev|dev\/pts|dev\/shm|proc|sys)$/;

describe.skipIf(skip)(`the runtime image ${IMAGE}`, { timeout: 300_000 }, () => {
  /** `tar -tv` lines of the container's whole filesystem. */
  let listing: { type: string; path: string }[] = [];

  beforeAll(async () => {
    const created = await docker(['create', IMAGE as string]);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailsync-image-'));
    try {
      const tarFile = path.join(dir, 'fs.tar');
      const exported = await docker(['export', '-o', tarFile, id]);
      expect(exported.code, exported.stderr).toBe(0);
      const out = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      listing = out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          // "drwxr-xr-x 0/0 0 2026-12-03 08:00 app/" (symlinks end with " -> target")
          const name = l
            .split(/\s+/)
            .slice(5)
            .join(' ')
            .replace(/ -> .*$/, '');
          return { type: l[0] as string, path: name.replace(/\/$/, '') };
        });
    } finally {
      await docker(['rm', id]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds no shell, package manager, npm or other tool anywhere', () => {
    expect(listing.length).toBeGreaterThan(100);
    const found = listing.filter((f) => f.type !== 'd' && FORBIDDEN_NAMES.test(path.basename(f.path)));
    expect(found.map((f) => f.path)).toEqual([]);
  });

  it('holds only node, its libraries, the CA certificates, passwd/group, /tmp and the app', () => {
    const outside = listing.filter((f) => f.path !== '' && f.path !== '.' && !/^app(\/|$)/.test(f.path));
    const unexpected = outside.filter((f) =>
      f.type === 'd' ? !ALLOWED_DIRECTORIES.test(f.path) : !ALLOWED_OUTSIDE_APP.some((re) => re.test(f.path)),
    );
    expect(unexpected.map((f) => `${f.type} ${f.path}`)).toEqual([]);
    const paths = new Set(listing.map((f) => f.path));
    for (const needed of [
      'usr/local/bin/node',
      'etc/ssl/certs/ca-certificates.crt',
      'app/dist/main.js',
      'app/package.json',
    ]) {
      expect(paths, needed).toContain(needed);
    }
  });

  it('has no shell to start: `--entrypoint sh` fails', async () => {
    for (const shell of ['sh', '/bin/sh', 'bash']) {
      const r = await docker(['run', ...POD_LIKE, '--entrypoint', shell, IMAGE as string, '-c', 'echo reached']);
      expect(r.code, `${shell}: ${r.stderr}`).not.toBe(0);
      expect(r.stdout).not.toMatch(/reached/);
      expect(r.stderr).toMatch(/executable file not found|no such file or directory/i);
    }
  });

  it('runs as 10001:10001 with node on PATH (the chart runs `node -e` in its helm test)', async () => {
    const inspect = JSON.parse((await docker(['image', 'inspect', IMAGE as string])).stdout)[0];
    expect(inspect.Config.User).toBe('10001:10001');
    expect(inspect.Config.Entrypoint).toEqual(['node', '/app/dist/main.js']);
    const r = await docker([
      'run',
      ...POD_LIKE,
      '--entrypoint',
      'node',
      IMAGE as string,
      '-e',
      `const os = require('node:os'), tls = require('node:tls');
       console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), user: os.userInfo().username,
         node: process.versions.node, systemCas: tls.getCACertificates('system').length,
         tmpWritable: (() => { try { require('node:fs').mkdtempSync('/tmp/x'); return true; } catch { return false; } })(),
         rootWritable: (() => { try { require('node:fs').writeFileSync('/app/x', ''); return true; } catch { return false; } })() }))`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const facts = JSON.parse(r.stdout);
    expect(facts).toMatchObject({ uid: 10001, gid: 10001, user: 'mailsync', tmpWritable: true, rootWritable: false });
    expect(Number(facts.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    // Debian's ca-certificates bundle, read as Node's "system" store (used next to Node's own bundle)
    expect(facts.systemCas).toBeGreaterThan(100);
  });

  it('resolves names from /etc/hosts and from DNS (resolv.conf), as the worker resolves IMAP hosts in a pod', async () => {
    // glibc's getaddrinfo without NSS plugins on disk (built into libc since 2.34), no ld.so.cache
    const dns = await startDnsServer(`127.53.${1 + Math.floor(Math.random() * 250)}.1`, {
      'imap.mailsync.test': '127.0.0.7',
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailsync-image-dns-'));
    try {
      chmodSync(dir, 0o755);
      writeFileSync(path.join(dir, 'resolv.conf'), `nameserver ${dns.address}\noptions timeout:1 attempts:1\n`, {
        mode: 0o644,
      });
      const r = await docker([
        'run',
        ...POD_LIKE,
        '--network=host',
        `--volume=${path.join(dir, 'resolv.conf')}:/etc/resolv.conf:ro`,
        '--entrypoint',
        'node',
        IMAGE as string,
        '-e',
        `const dns = require('node:dns').promises;
         const lookup = (h) => dns.lookup(h, { family: 4 }).then((a) => a.address, (e) => e.code);
         Promise.all(['localhost', 'imap.mailsync.test', 'missing.mailsync.test'].map(lookup))
           .then((r) => console.log(JSON.stringify(r)));`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(['127.0.0.1', '127.0.0.7', 'ENOTFOUND']);
      expect(dns.queries).toContain('imap.mailsync.test');
    } finally {
      await dns.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs the chart's helm test as its pod does (`command: [node, -e]`, ServiceAccount files mounted)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mailsync-image-helm-'));
    const seenTokens = new Set<string>();
    let server: https.Server | undefined;
    try {
      const certs = await makeCertificates(path.join(dir, 'certs'));
      const sa = path.join(dir, 'serviceaccount');
      mkdirSync(sa, { mode: 0o755 });
      chmodSync(dir, 0o755);
      copyFileSync(certs.caFile, path.join(sa, 'ca.crt'));
      writeFileSync(path.join(sa, 'token'), 'image-test-token\n');
      chmodSync(path.join(sa, 'ca.crt'), 0o644);
      chmodSync(path.join(sa, 'token'), 0o644);
      // a fake API server: both CRDs served, the Deployment with one ready replica
      server = https.createServer(
        { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) },
        (req, res) => {
          seenTokens.add(req.headers.authorization ?? '');
          const send = (status: number, body: unknown) => {
            res.writeHead(status, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          if (req.url === '/apis/mailsync.io/v1alpha1') {
            return send(200, {
              kind: 'APIResourceList',
              resources: [{ name: 'mailsyncs' }, { name: 'mailmigrations' }],
            });
          }
          if (req.url === '/apis/apps/v1/namespaces/ns/deployments/ms-mailsync-operator') {
            return send(200, { spec: { replicas: 2 }, status: { readyReplicas: 1 } });
          }
          send(404, { kind: 'Status', code: 404 });
        },
      );
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const r = await docker([
        'run',
        ...POD_LIKE,
        '--network=host',
        `--volume=${sa}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
        ...['KUBERNETES_SERVICE_HOST=127.0.0.1', `KUBERNETES_SERVICE_PORT=${port}`, 'NAMESPACE=ns'].flatMap((e) => [
          '-e',
          e,
        ]),
        ...[
          'DEPLOYMENT=ms-mailsync-operator',
          'ATTEMPTS=1',
          'RESOURCES=mailsync.io/v1alpha1/mailsyncs,mailsync.io/v1alpha1/mailmigrations',
        ].flatMap((e) => ['-e', e]),
        '--entrypoint',
        'node',
        IMAGE as string,
        '-e',
        HELM_TEST_SCRIPT,
      ]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/deployment ms-mailsync-operator: 1\/2 replicas ready/);
      expect(r.stdout).toMatch(/CRDs established/);
      expect([...seenTokens]).toEqual(['Bearer image-test-token']);
    } finally {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the CLI help', async () => {
    const r = await docker(['run', ...POD_LIKE, IMAGE as string, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: mailsync <command>/);
    expect(r.stdout).toMatch(/\bworker\b/);
    expect(r.stdout).toMatch(/\bcontroller\b/);
  });

  describe('`mailsync sync` in the image between two Dovecot servers on 127.0.0.1', () => {
    let pair: DovecotPair;
    let inputs: string;
    const SOURCE_PASSWORD = `src-${Math.random().toString(36).slice(2)}`;
    const DESTINATION_PASSWORD = `dst-${Math.random().toString(36).slice(2)}`;
    const message = (i: number) =>
      `From: a@example.org\r\nTo: b@example.org\r\nSubject: image ${i}\r\nMessage-ID: <image-${i}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody ${i}\r\n`;

    beforeAll(async () => {
      pair = await startDovecotPair();
      await pair.a.addUser('dora', SOURCE_PASSWORD);
      await pair.b.addUser('dora', DESTINATION_PASSWORD);
      await pair.b.addUser('dora-worker', DESTINATION_PASSWORD);
      await appendMessages(
        pair.a,
        'dora',
        'INBOX',
        [1, 2, 3].map((i) => ({ raw: message(i), flags: i === 2 ? ['\\Seen'] : [] })),
      );
      await appendMessages(pair.a, 'dora', pair.a.folder('Projects'), [{ raw: message(4) }]);
      // mounted read-only at /in; readable by the image's user (10001), who owns none of it
      inputs = mkdtempSync(path.join(os.tmpdir(), 'mailsync-image-in-'));
      chmodSync(inputs, 0o755);
      writeFileSync(path.join(inputs, 'ca.pem'), pair.a.caPem, { mode: 0o644 });
      writeFileSync(path.join(inputs, 'pass1'), `${SOURCE_PASSWORD}\n`, { mode: 0o644 });
      writeFileSync(path.join(inputs, 'pass2'), `${DESTINATION_PASSWORD}\n`, { mode: 0o644 });
      // A worker pod's files (docs/worker.md): the spec names Secret references, the keys are files.
      const spec = {
        source: podEndpoint(pair.a.host, pair.a.implicitTlsPort, 'dora', 'old'),
        destination: podEndpoint(pair.b.host, pair.b.implicitTlsPort, 'dora-worker', 'new'),
      };
      for (const [side, password] of [
        ['source', SOURCE_PASSWORD],
        ['destination', DESTINATION_PASSWORD],
      ] as const) {
        mkdirSync(path.join(inputs, 'secrets', side), { recursive: true, mode: 0o755 });
        writeFileSync(path.join(inputs, 'secrets', side, 'password'), password, { mode: 0o644 });
        writeFileSync(path.join(inputs, 'secrets', side, 'ca.crt'), pair.a.caPem, { mode: 0o644 });
      }
      writeFileSync(path.join(inputs, 'spec.json'), JSON.stringify(spec), { mode: 0o644 });
    });

    afterAll(async () => {
      await pair?.stop();
      if (inputs) rmSync(inputs, { recursive: true, force: true });
    });

    const sync = (cafile1: string[]) =>
      docker([
        'run',
        ...POD_LIKE,
        '--network=host',
        `--volume=${inputs}:/in:ro`,
        IMAGE as string,
        'sync',
        '--host1',
        pair.a.host,
        '--port1',
        String(pair.a.implicitTlsPort),
        '--ssl1',
        ...cafile1,
        '--user1',
        'dora',
        '--passfile1',
        '/in/pass1',
        '--host2',
        pair.b.host,
        '--port2',
        String(pair.b.starttlsPort),
        '--tls2',
        '--cafile2',
        '/in/ca.pem',
        '--user2',
        'dora',
        '--passfile2',
        '/in/pass2',
        '--log-format',
        'json',
      ]);

    it('refuses the source certificate without the harness CA (TLS is verified, exit 12)', async () => {
      const r = await sync([]);
      expect(r.code, r.stderr + r.stdout).toBe(12);
      expect(r.stdout + r.stderr).toMatch(/TLSFailed/);
      const dst = await listMailbox(pair.b, 'dora');
      expect(dst.flatMap((f) => f.messages)).toHaveLength(0);
    });

    it('copies every message with the CA mounted (implicit TLS and STARTTLS), no password in the output', async () => {
      const r = await sync(['--cafile1', '/in/ca.pem']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const summary = summaryFromStdout(r.stdout);
      expect(summary, r.stdout).toMatchObject({ reason: 'Succeeded', exitCode: 0, messagesTransferred: 4 });
      const src = await listMailbox(pair.a, 'dora');
      const dst = await listMailbox(pair.b, 'dora');
      const folder = (list: typeof src, name: string) => list.find((f) => f.path === name);
      expect(messageMultiset(folder(dst, 'INBOX'))).toEqual(messageMultiset(folder(src, 'INBOX')));
      expect(messageMultiset(folder(dst, pair.b.folder('Projects')))).toEqual(
        messageMultiset(folder(src, pair.a.folder('Projects'))),
      );
      expect(messageMultiset(folder(dst, 'INBOX'))).toHaveLength(3);
      for (const secret of [SOURCE_PASSWORD, DESTINATION_PASSWORD]) {
        expect(r.stdout + r.stderr).not.toContain(secret);
      }
    });

    it('runs the bundled worker as a pod does (spec and Secret files mounted) from the compile cache it ships', async () => {
      const r = await docker([
        'run',
        ...POD_LIKE,
        '--network=host',
        `--volume=${inputs}:/in:ro`,
        '--env=MAILSYNC_SPEC_FILE=/in/spec.json',
        '--env=MAILSYNC_SECRETS_DIR=/in/secrets',
        // Node reports on stderr whether it used the cache (Dockerfile, stage compile-cache).
        '--env=NODE_DEBUG_NATIVE=COMPILE_CACHE',
        IMAGE as string,
        'worker',
      ]);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const summary = summaryFromStdout(r.stdout);
      expect(summary, r.stdout).toMatchObject({ reason: 'Succeeded', exitCode: 0, messagesTransferred: 4 });
      const src = await listMailbox(pair.a, 'dora');
      const dst = await listMailbox(pair.b, 'dora-worker');
      expect(messageMultiset(dst.find((f) => f.path === 'INBOX'))).toEqual(
        messageMultiset(src.find((f) => f.path === 'INBOX')),
      );
      expect(r.stderr).toMatch(/V8 code cache for ESM file:\/\/\/app\/dist\/worker\/main\.js was accepted/);
      for (const secret of [SOURCE_PASSWORD, DESTINATION_PASSWORD]) {
        expect(r.stdout + r.stderr).not.toContain(secret);
      }
    });
  });
});
