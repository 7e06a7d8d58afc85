/**
 * Real Dovecot servers for integration tests: see test/harness/README.md.
 *
 *   const pair = await startDovecotPair();
 *   await pair.a.addUser('alice', 'secret-a');
 *   ...
 *   await pair.stop();
 *
 * Each instance is `dovecot -F -c <dir>/dovecot.conf`, started by this process
 * in its own process group (so kill() takes the whole server down at once,
 * like a crash), with its own ports on loopback addresses. Needs root: the
 * master runs as root, mail processes as the `vmail` user.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Endpoint } from '../../src/api/spec.js';
import { makeCertificates, type TestCertificates } from './certs.js';
import {
  type Flavour,
  HOSTS,
  renderDovecotConfig,
  renderOAuth2Config,
  SPECIAL_USE_NAMES,
  type SpecialUse,
} from './dovecot-config.js';
import { writeGmailVirtualDefinitions } from './gmail-shape.js';
import { type OAuthIntrospection, startOAuthIntrospection } from './oauth-introspection.js';
import { freePorts } from './ports.js';

export type { TestCertificates } from './certs.js';
export type { Flavour, SpecialUse } from './dovecot-config.js';
export { HOSTS } from './dovecot-config.js';
export type { OAuthIntrospection } from './oauth-introspection.js';

const execFileP = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const MAIL_USER = 'vmail';

export interface DovecotOptions {
  /** Shown in logs and in the instance directory name. */
  name?: string;
  /** 'dot-prefixed': `.` separator, `INBOX.` prefix (Maildir++). 'slash': `/` separator, no prefix (LAYOUT=fs). */
  flavour?: Flavour;
  /** Bytes: enables the quota plugin's quota_max_mail_size, announced as APPENDLIMIT=n. */
  appendLimit?: number;
  /** The quota plugin's storage limit for every user, e.g. '200K': APPEND over it gets `NO [OVERQUOTA]`. */
  quotaStorage?: string;
  /** Dovecot's mail_max_userip_connections (default 50). */
  maxUserIpConnections?: number;
  /** AUTH mechanisms offered for OAuth2 tokens (default ['xoauth2']). imapflow prefers OAUTHBEARER when offered. */
  oauth2Mechanisms?: string[];
  /** false: UIDPLUS is left out of the announced capabilities (default true). */
  uidplus?: boolean;
  /** mail_max_keyword_length: STORE/APPEND of a longer keyword gets NO (default: Dovecot's 50). */
  maxKeywordLength?: number;
  /** default_vsz_limit, e.g. '2G' (Dovecot's default 256M kills the imap process of a million-message maildir). */
  vszLimit?: string;
  /** default_process_limit (Dovecot's default 100 connections per service here): bench:fleet's many at once. */
  processLimit?: number;
  /** Offer AUTH=CRAM-MD5 to the mailbox users (legacy-login tests). */
  cramMd5?: boolean;
  /** Gmail-shaped folders (labels as folders, `[Gmail]/` with a virtual All Mail): see gmail-shape.ts. Slash flavour only. */
  gmail?: boolean;
}

export interface DovecotServer {
  readonly name: string;
  readonly flavour: Flavour;
  /** 127.0.0.1: the address the certificate is valid for. */
  readonly host: string;
  readonly implicitTlsPort: number;
  /** Plaintext greeting announcing STARTTLS. */
  readonly starttlsPort: number;
  /** Plaintext port WITHOUT STARTTLS: it listens on `plainHost` (127.0.0.3), not 127.0.0.1. */
  readonly plainHost: string;
  readonly plainPort: number;
  /** 127.0.0.2: same listeners (implicit TLS and STARTTLS ports), certificate not valid for this address. */
  readonly mismatchHost: string;
  /** 127.0.0.4: implicit TLS port only, serving an expired certificate. */
  readonly expiredHost: string;
  readonly caFile: string;
  readonly caPem: string;
  /** A CA bundle that does not sign the server certificate ("unknown CA" tests). */
  readonly otherCaFile: string;
  /** The instance directory (config, log, passwd files, mail under mail/<user>). */
  readonly dir: string;
  readonly logFile: string;
  readonly configFile: string;
  readonly separator: '.' | '/';
  readonly prefix: 'INBOX.' | '';
  /** Full paths of the special-use folders (auto-created and subscribed at first login). */
  readonly specialUse: Readonly<Record<SpecialUse, string>>;
  /** Master user for admin/proxy logins: SASL PLAIN with authzid = the mailbox user. */
  readonly masterUser: string;
  readonly masterPassword: string;
  readonly running: boolean;
  /** Adds (or replaces) a mailbox user; effective immediately (Dovecot re-reads the file). */
  addUser(user: string, password: string): Promise<void>;
  /** Many users with one write of the passwd file and one wait (a fleet of accounts). */
  addUsers(users: Iterable<readonly [user: string, password: string]>): Promise<void>;
  password(user: string): string;
  /** Writes the user's password to a file (mode 0600) and returns its path. */
  passwordFile(user: string): Promise<string>;
  /** A MailSync spec Endpoint for `user` on the implicit TLS port, trusting the test CA. */
  endpoint(user: string, overrides?: Partial<Endpoint>): Promise<Endpoint>;
  /** Full folder path from its parts: folder('Work', 'Sub') -> 'INBOX.Work.Sub' or 'Work/Sub'; folder('INBOX') -> 'INBOX'. */
  folder(...parts: string[]): string;
  /** OAuth2 token introspection (if enabled by startDovecotPair / startDovecot with an introspection server). */
  readonly oauth?: OAuthIntrospection;
  /** Runs `doveadm -c <config> ...args` and returns stdout. */
  doveadm(...args: string[]): Promise<string>;
  log(): Promise<string>;
  start(): Promise<void>;
  /** Graceful stop: SIGTERM to the master (clients get BYE), SIGKILL for what is left after 1 s. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** SIGKILL the whole server (master and every child): connections drop without a BYE. */
  kill(): Promise<void>;
  /** stop(), then delete the files of a server made by startDovecot() (a pair's stop() does it for both). */
  dispose(): Promise<void>;
}

export interface DovecotPair {
  /** 'dot-prefixed': `.` separator, `INBOX.` prefix; Sent/Drafts/Trash/Junk/Archive. */
  a: DovecotServer;
  /** 'slash': `/` separator, no prefix; Sent Items/Drafts/Deleted Items/Junk Email/Archive. */
  b: DovecotServer;
  certs: TestCertificates;
  oauth: OAuthIntrospection;
  stop(): Promise<void>;
}

// Processes still running when the test process exits are killed (a failed test must not leak servers).
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

let depsChecked: Promise<void> | undefined;
/** Runs install-deps.sh once per process (apt-get only when dovecot/openssl are missing). */
export function ensureDependencies(): Promise<void> {
  depsChecked ??= (async () => {
    if (process.getuid?.() !== 0) {
      throw new Error('the Dovecot test harness needs root (dovecot starts as root and runs mail as vmail)');
    }
    await execFileP('bash', [path.join(HERE, 'install-deps.sh')], { timeout: 600_000 });
    await reapOrphans();
  })();
  return depsChecked;
}

function waitForListen(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error('dovecot exited during start'));
        return;
      }
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`dovecot did not listen on ${host}:${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

class Instance implements DovecotServer {
  readonly host = HOSTS.main;
  readonly plainHost = HOSTS.plain;
  readonly mismatchHost = HOSTS.mismatch;
  readonly expiredHost = HOSTS.expired;
  readonly separator: '.' | '/';
  readonly prefix: 'INBOX.' | '';
  readonly specialUse: Record<SpecialUse, string>;
  readonly masterUser = 'admin';
  readonly masterPassword = `master-${randomBytes(9).toString('base64url')}`;
  readonly logFile: string;
  readonly configFile: string;
  implicitTlsPort = 0;
  starttlsPort = 0;
  plainPort = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly users = new Map<string, string>();
  /** A directory removed by dispose() (set when startDovecot made it). */
  ownedDir: string | undefined;

  constructor(
    readonly name: string,
    readonly flavour: Flavour,
    readonly dir: string,
    private readonly certs: TestCertificates,
    private readonly options: DovecotOptions,
    readonly oauth: OAuthIntrospection | undefined,
  ) {
    this.separator = flavour === 'dot-prefixed' ? '.' : '/';
    this.prefix = flavour === 'dot-prefixed' ? 'INBOX.' : '';
    const names = SPECIAL_USE_NAMES[flavour];
    this.specialUse = Object.fromEntries(
      (Object.keys(names) as SpecialUse[]).map((use) => [use, this.prefix + names[use]]),
    ) as Record<SpecialUse, string>;
    this.logFile = path.join(dir, 'dovecot.log');
    this.configFile = path.join(dir, 'dovecot.conf');
  }

  get caFile() {
    return this.certs.caFile;
  }
  get caPem() {
    return this.certs.caPem;
  }
  get otherCaFile() {
    return this.certs.otherCaFile;
  }
  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  folder(...parts: string[]): string {
    if (parts.length === 1 && parts[0]?.toUpperCase() === 'INBOX') return 'INBOX';
    return this.prefix + parts.join(this.separator);
  }

  async prepare(): Promise<void> {
    await mkdir(path.join(this.dir, 'mail'), { recursive: true });
    await mkdir(path.join(this.dir, 'secrets'), { recursive: true, mode: 0o700 });
    const { uid, gid } = await mailUserIds();
    await chown(path.join(this.dir, 'mail'), uid, gid);
    await chmod(path.join(this.dir, 'mail'), 0o700);
    await writeAuthFile(path.join(this.dir, 'users'), '');
    await writeAuthFile(path.join(this.dir, 'master-users'), `${this.masterUser}:{PLAIN}${this.masterPassword}\n`);
    let oauth2ConfigFile: string | undefined;
    if (this.oauth) {
      oauth2ConfigFile = path.join(this.dir, 'oauth2.conf.ext');
      await writeAuthFile(oauth2ConfigFile, renderOAuth2Config(this.oauth.url));
    }
    const [implicitTlsPort, starttlsPort, plainPort] = await freePorts([
      [HOSTS.main, HOSTS.mismatch, HOSTS.expired],
      [HOSTS.main, HOSTS.mismatch],
      [HOSTS.plain],
    ]);
    this.implicitTlsPort = implicitTlsPort!;
    this.starttlsPort = starttlsPort!;
    this.plainPort = plainPort!;
    await writeFile(
      this.configFile,
      renderDovecotConfig({
        name: this.name,
        dir: this.dir,
        flavour: this.flavour,
        certs: this.certs,
        implicitTlsPort: this.implicitTlsPort,
        starttlsPort: this.starttlsPort,
        plainPort: this.plainPort,
        oauth2ConfigFile,
        oauth2Mechanisms: this.options.oauth2Mechanisms ?? ['xoauth2'],
        appendLimit: this.options.appendLimit,
        quotaStorage: this.options.quotaStorage,
        maxUserIpConnections: this.options.maxUserIpConnections ?? 50,
        mailUser: MAIL_USER,
        uidplus: this.options.uidplus ?? true,
        maxKeywordLength: this.options.maxKeywordLength,
        vszLimit: this.options.vszLimit,
        processLimit: this.options.processLimit,
        cramMd5: this.options.cramMd5,
        gmail: this.options.gmail,
      }),
    );
    if (this.options.gmail) await writeGmailVirtualDefinitions(this.dir);
  }

  async start(): Promise<void> {
    if (this.running) return;
    let stderr = '';
    const child = spawn('dovecot', ['-F', '-c', this.configFile], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      if (child.pid !== undefined) liveGroups.delete(child.pid);
    });
    if (child.pid !== undefined) {
      liveGroups.add(child.pid);
      // For reapOrphans(): the group to kill if this test process dies without cleaning up.
      await writeFile(path.join(this.dir, 'pgid'), String(child.pid));
    }
    try {
      await Promise.all([
        waitForListen(HOSTS.main, this.implicitTlsPort, child, 10_000),
        waitForListen(HOSTS.main, this.starttlsPort, child, 10_000),
        waitForListen(HOSTS.plain, this.plainPort, child, 10_000),
      ]);
    } catch (err) {
      await this.kill();
      const log = await this.log().catch(() => '');
      throw new Error(
        `dovecot ${this.name} failed to start: ${(err as Error).message}\n${stderr}\n${log.split('\n').slice(-20).join('\n')}`,
      );
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    // The master tells clients BYE at once but then waits ~5 s for its helper processes;
    // tests only need the first part.
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), 1_000);
    await this.exited;
    clearTimeout(timer);
    // Children (imap processes of open sessions) exit with the master; make sure.
    this.signalGroup('SIGKILL');
    await this.groupGone();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.signalGroup('SIGKILL');
    await this.exited;
    await this.groupGone();
  }

  /**
   * Waits until no live process of the group is left: login processes hold the
   * listening sockets too, and a port only refuses connections once the last one
   * is gone. (Zombies, which init may reap late, do not count.)
   */
  private async groupGone(): Promise<void> {
    const pgid = this.child?.pid;
    if (pgid === undefined) return;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await liveMembers(pgid)) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownedDir && !process.env.MAILSYNC_KEEP_DOVECOT) await rm(this.ownedDir, { recursive: true, force: true });
  }

  async addUser(user: string, password: string): Promise<void> {
    await this.addUsers([[user, password]]);
  }

  /** Many users with one write of the passwd file and one wait (a fleet of accounts). */
  async addUsers(users: Iterable<readonly [user: string, password: string]>): Promise<void> {
    for (const [user, password] of users) {
      if (/[:\n]/.test(user) || /\n/.test(password)) throw new Error('addUser: ":" or newline in user/password');
      this.users.set(user, password);
    }
    // nodelay: answer a wrong password at once (tests check failures on purpose).
    const lines = [...this.users].map(([u, p]) => `${u}:{PLAIN}${p}::::::nodelay=yes\n`).join('');
    await writeAuthFile(path.join(this.dir, 'users'), lines);
    // Dovecot's passwd-file driver looks at the file at most once per second of its clock: a login
    // in the second of the write may still be checked against the old file (a new user refused).
    // Waiting for the next second makes the first login see the new user.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
  }

  password(user: string): string {
    const p = this.users.get(user);
    if (p === undefined) throw new Error(`no user ${user} on ${this.name}`);
    return p;
  }

  async passwordFile(user: string): Promise<string> {
    const file = path.join(this.dir, 'secrets', `${user}.password`);
    await writeFile(file, this.password(user), { mode: 0o600 });
    return file;
  }

  async endpoint(user: string, overrides: Partial<Endpoint> = {}): Promise<Endpoint> {
    return {
      host: this.host,
      port: this.implicitTlsPort,
      tls: 'implicit',
      user,
      passwordFile: await this.passwordFile(user),
      caFile: this.caFile,
      ...overrides,
    };
  }

  async doveadm(...args: string[]): Promise<string> {
    const { stdout } = await execFileP('doveadm', ['-c', this.configFile, ...args]);
    return stdout;
  }

  log(): Promise<string> {
    return readFile(this.logFile, 'utf8');
  }
}

/**
 * Files the auth process reads: it runs as the `dovecot` user, so root:dovecot 0640.
 * Written to a temporary name then renamed, so Dovecot's mtime-based reload never sees half a file.
 */
async function writeAuthFile(file: string, content: string): Promise<void> {
  const { gid } = await dovecotIds();
  await writeFile(`${file}.tmp`, content, { mode: 0o640 });
  await chown(`${file}.tmp`, 0, gid);
  await rename(`${file}.tmp`, file);
}

let authIds: Promise<{ uid: number; gid: number }> | undefined;
function dovecotIds(): Promise<{ uid: number; gid: number }> {
  authIds ??= userIds('dovecot');
  return authIds;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    execFileP('id', ['-u', name]),
    execFileP('id', ['-g', name]),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Processes of a process group that are not zombies (from /proc). */
async function liveMembers(pgid: number): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp ...; comm may contain spaces, so parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') count++;
  }
  return count;
}

let mailIds: Promise<{ uid: number; gid: number }> | undefined;
function mailUserIds(): Promise<{ uid: number; gid: number }> {
  mailIds ??= userIds(MAIL_USER);
  return mailIds;
}

const RUN_DIR_PREFIX = 'mailsync-dovecot-';

async function makeRunDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  // The vmail user must traverse it to reach mail/.
  await chmod(dir, 0o755);
  await writeFile(path.join(dir, 'owner'), String(process.pid));
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Servers of a test process that died without cleaning up (a crash, a SIGKILL,
 * a worker killed on timeout) keep running, detached: kill them and remove
 * their files. Only run directories whose owner process is gone are touched.
 */
export async function reapOrphans(): Promise<void> {
  const tmp = os.tmpdir();
  for (const entry of await readdir(tmp)) {
    if (!entry.startsWith(RUN_DIR_PREFIX)) continue;
    const runDir = path.join(tmp, entry);
    const owner = Number(await readFile(path.join(runDir, 'owner'), 'utf8').catch(() => 'NaN'));
    if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) continue;
    for (const instance of await readdir(runDir).catch(() => [])) {
      const pgid = Number(await readFile(path.join(runDir, instance, 'pgid'), 'utf8').catch(() => 'NaN'));
      if (!Number.isInteger(pgid) || pgid <= 1) continue;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(runDir, { recursive: true, force: true });
  }
}

/**
 * Starts one instance. `certs` and `oauth` default to fresh ones (made here and
 * owned by the caller through the returned server's directory).
 */
export async function startDovecot(
  options: DovecotOptions & { certs?: TestCertificates; oauth?: OAuthIntrospection; runDir?: string } = {},
): Promise<DovecotServer> {
  await ensureDependencies();
  const runDir = options.runDir ?? (await makeRunDir());
  const certs = options.certs ?? (await makeCertificates(path.join(runDir, 'certs')));
  const name = options.name ?? 'dovecot';
  const flavour = options.flavour ?? 'dot-prefixed';
  for (let attempt = 1; ; attempt++) {
    const dir = path.join(runDir, `${name}-${attempt}`);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
    const server = new Instance(name, flavour, dir, certs, options, options.oauth);
    if (!options.runDir) server.ownedDir = runDir;
    await server.prepare();
    try {
      await server.start();
      return server;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      // Another process took one of our ports between the probe and the bind: try new ports.
      if (attempt < 3 && /in use/i.test(String((err as Error).message))) continue;
      if (!options.runDir) await rm(runDir, { recursive: true, force: true });
      throw err;
    }
  }
}

/** Two instances: `a` ('dot-prefixed') and `b` ('slash'), sharing one test CA and one OAuth2 introspection server. */
export async function startDovecotPair(options: { a?: DovecotOptions; b?: DovecotOptions } = {}): Promise<DovecotPair> {
  await ensureDependencies();
  const runDir = await makeRunDir();
  const [certs, oauth] = await Promise.all([makeCertificates(path.join(runDir, 'certs')), startOAuthIntrospection()]);
  const servers: DovecotServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await oauth.close();
    if (!process.env.MAILSYNC_KEEP_DOVECOT) await rm(runDir, { recursive: true, force: true });
  };
  try {
    const started = (server: DovecotServer) => {
      servers.push(server);
      return server;
    };
    const [a, b] = await Promise.all([
      startDovecot({ name: 'a', flavour: 'dot-prefixed', ...options.a, certs, oauth, runDir }).then(started),
      startDovecot({ name: 'b', flavour: 'slash', ...options.b, certs, oauth, runDir }).then(started),
    ]);
    return { a, b, certs, oauth, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
