/**
 * Runs a server unpacked by install-servers.sh as if it were installed, without installing it.
 *
 * Debian's Cyrus and Courier binaries have their paths compiled in (/etc/courier/authdaemonrc,
 * /run/courier/authdaemon/socket, /usr/lib/courier-authlib/*.so, /usr/lib/x86_64-linux-gnu/sasl2,
 * ...). Each server runs in its own mount namespace (`unshare -m`, root only) where
 *   /usr  = overlay of the unpacked tree's usr over the host's /usr,
 *   /etc  = overlay of the instance's etc and the tree's etc over the host's /etc,
 *   /run  = a private tmpfs,
 * so those paths resolve into the tree and the instance directory, and nothing changes outside
 * the namespace (the host's /usr, /etc and /run are untouched; several instances run side by side).
 * `exec()` runs a command inside the same namespace (nsenter), e.g. to add a user.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const INSTALL_SCRIPT = path.join(import.meta.dirname, 'install-servers.sh');

export type InteropServerKind = 'cyrus' | 'courier';

export function interopCacheDir(): string {
  return process.env.MAILSYNC_INTEROP_CACHE ?? path.join(os.homedir(), '.cache', 'mailsync', 'interop');
}

async function completeTree(kind: InteropServerKind): Promise<string | undefined> {
  const cache = interopCacheDir();
  const entries = await readdir(cache).catch(() => [] as string[]);
  const trees = entries.filter((e) => e.startsWith(`${kind}-`) && existsSync(path.join(cache, e, '.complete')));
  return trees.length ? path.join(cache, trees.sort().at(-1)!) : undefined;
}

let installRun: Promise<string> | undefined;

/**
 * The unpacked tree of `kind`, or the reason it is absent. Runs install-servers.sh once per process
 * when the cache has no tree (it is quick and quiet when the cache is warm; CI runs it up front).
 */
export async function findInteropTree(kind: InteropServerKind): Promise<{ tree?: string; reason?: string }> {
  if (process.getuid?.() !== 0) return { reason: 'the interop servers need root (mount namespaces, mail as vmail)' };
  const found = await completeTree(kind);
  if (found) return { tree: found };
  installRun ??= execFileP('bash', [INSTALL_SCRIPT], { timeout: 600_000 }).then(
    () => '',
    (err: { stderr?: string; message: string }) => (err.stderr || err.message).trim(),
  );
  const installError = await installRun;
  const tree = await completeTree(kind);
  if (tree) return { tree };
  return {
    reason: `${kind} is not unpacked in ${interopCacheDir()} (install-servers.sh: ${installError || 'no tree'})`,
  };
}

// Process groups still running when the test process exits are killed.
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

/** Instance directories are `<tmp>/mailsync-<kind>-*`: reapOrphans() finds them there. */
export const INSTANCE_PREFIXES = ['mailsync-cyrus-', 'mailsync-courier-'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Servers of a test process that died without stopping them (crash, SIGKILL, a worker killed on
 * timeout) keep running detached: kill their process groups and remove their directories. Only
 * instances whose `owner` process is gone are touched.
 */
export async function reapOrphans(): Promise<void> {
  const tmp = os.tmpdir();
  for (const entry of await readdir(tmp)) {
    if (!INSTANCE_PREFIXES.some((prefix) => entry.startsWith(prefix))) continue;
    const dir = path.join(tmp, entry);
    const owner = Number(await readFile(path.join(dir, 'owner'), 'utf8').catch(() => 'NaN'));
    if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) continue;
    const pgid = Number(await readFile(path.join(dir, 'pgid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(pgid) && pgid > 1) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SandboxOptions {
  name: string;
  tree: string;
  /** Instance directory: holds etc/ (overlaid on /etc), the overlay work dirs and the log. */
  dir: string;
  /** Shell commands run inside the namespace; the last one should `exec` the server (stays in the group). */
  script: string;
  /** Waits until this port on 127.0.0.1 accepts connections. */
  port: number;
}

export class Sandbox {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private output = '';

  constructor(private readonly options: SandboxOptions) {}

  get logFile(): string {
    return path.join(this.options.dir, 'server.log');
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const { dir, tree } = this.options;
    for (const sub of ['etc', 'ovl/etc-up', 'ovl/etc-work', 'ovl/usr-up', 'ovl/usr-work']) {
      await mkdir(path.join(dir, sub), { recursive: true });
    }
    const script = [
      'set -e',
      `mount -t overlay overlay -o lowerdir=${dir}/etc:${tree}/etc:/etc,upperdir=${dir}/ovl/etc-up,workdir=${dir}/ovl/etc-work /etc`,
      `mount -t overlay overlay -o lowerdir=${tree}/usr:/usr,upperdir=${dir}/ovl/usr-up,workdir=${dir}/ovl/usr-work /usr`,
      'mount -t tmpfs tmpfs /run',
      this.options.script,
    ].join('\n');
    await writeFile(path.join(dir, 'start.sh'), script);
    await writeFile(path.join(dir, 'owner'), String(process.pid));
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', path.join(dir, 'start.sh')], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    });
    const collect = (d: Buffer) => {
      this.output += d.toString('utf8');
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    if (child.pid !== undefined) {
      liveGroups.add(child.pid);
      await writeFile(path.join(dir, 'pgid'), String(child.pid));
    }
    child.once('exit', () => {
      if (child.pid !== undefined) liveGroups.delete(child.pid);
    });
    try {
      await this.waitForListen(15_000);
    } catch (err) {
      await this.stop();
      throw new Error(`${this.options.name} failed to start: ${(err as Error).message}\n${this.log()}`);
    }
  }

  /** The server's stdout and stderr so far (Courier logs there; Cyrus logs to syslog, which is not kept). */
  log(): string {
    return this.output.split('\n').slice(-40).join('\n');
  }

  /** Runs a command inside the server's mount namespace (its /usr, /etc and /run). */
  async exec(command: string, args: string[], input?: string): Promise<string> {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) throw new Error(`${this.options.name} is not running`);
    return new Promise((resolve, reject) => {
      const child = execFile(
        'nsenter',
        ['--mount', `--target=${pid}`, '--', command, ...args],
        (err, stdout, stderr) => {
          if (err) reject(new Error(`${command} ${args.join(' ')}: ${stderr || err.message}`));
          else resolve(stdout);
        },
      );
      child.stdin?.end(input ?? '');
    });
  }

  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), 1_000);
    await this.exited;
    clearTimeout(timer);
    // Children (imapd of open sessions, authdaemond) are in the same group.
    this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // gone
    }
  }

  private waitForListen(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const port = this.options.port;
    return new Promise((resolve, reject) => {
      const attempt = () => {
        if (!this.running) {
          reject(new Error('the server exited during start'));
          return;
        }
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', () => {
          socket.destroy();
          if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port}`));
          else setTimeout(attempt, 50);
        });
      };
      attempt();
    });
  }
}
