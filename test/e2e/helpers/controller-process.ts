/**
 * The controller as a separate process (out of cluster, KUBECONFIG), like a
 * replica: it can be killed (-9) and restarted mid-sync. Its JSON log is
 * collected for assertions (and the secret scan).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_MODE_ENV } from '../../../src/controller/test-mode.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');

export interface ControllerOptions {
  namespaces: string[];
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  hostNetwork?: boolean;
  leaderElect?: boolean;
  leaseName?: string;
  leaseNamespace?: string;
  concurrency?: number;
  resyncSeconds?: number;
  name?: string;
  /** Extra environment for the process. */
  env?: Record<string, string>;
  /** 'source' (default): the TypeScript sources through tsx; 'dist': the build, as in the image (`mailsync controller`). */
  entry?: 'source' | 'dist';
  /**
   * Run the process in a memory cgroup (v1) with this limit, as the chart's pod runs it: Node
   * sizes its heap from the cgroup limit, and going over it is an OOM kill, as in the pod.
   * Outside a pod V8 sizes the heap from the host's memory and collects lazily, so an RSS
   * measured without it is not the pod's.
   */
  memoryLimitBytes?: number;
}

export interface ControllerProcess {
  readonly name: string;
  readonly metricsPort: number;
  readonly process: ChildProcess;
  /** Everything it logged so far (stdout and stderr). */
  output(): string;
  /** JSON log lines parsed. */
  lines(): Record<string, unknown>[];
  metrics(): Promise<string>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
  readonly exited: Promise<number | null>;
  /** With memoryLimitBytes: how many times the cgroup's OOM killer fired (0 otherwise). */
  oomKills(): number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startController(options: ControllerOptions): Promise<ControllerProcess> {
  const metricsPort = await freePort();
  const entry =
    options.entry === 'dist'
      ? [path.join(ROOT, 'dist', 'main.js'), 'controller']
      : ['--import', 'tsx', path.join(HERE, 'run-controller.ts')];
  const args = [
    ...entry,
    '--namespace',
    options.namespaces.join(','),
    '--worker-image',
    options.image,
    '--metrics-port',
    String(metricsPort),
    '--concurrency',
    String(options.concurrency ?? 4),
    '--resync-seconds',
    String(options.resyncSeconds ?? 15),
    ...(options.hostNetwork === false ? [] : ['--worker-host-network']),
    ...(options.imagePullPolicy ? ['--worker-image-pull-policy', options.imagePullPolicy] : []),
    ...(options.leaderElect
      ? [
          '--leader-elect',
          '--lease-name',
          options.leaseName ?? 'mailsync-e2e',
          '--lease-namespace',
          options.leaseNamespace ?? 'default',
        ]
      : []),
  ];
  const cgroup = options.memoryLimitBytes ? memoryCgroup(options.memoryLimitBytes) : undefined;
  const [command, commandArgs] = cgroup
    ? // the shell joins the cgroup, then becomes node (same pid), so node starts inside it
      ['/bin/sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec "$0" "$@"`, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: {
      ...process.env,
      POD_NAME: options.name ?? `e2e-${metricsPort}`,
      // --worker-host-network is refused outside test mode (src/controller/test-mode.ts)
      ...(options.hostNetwork === false ? {} : { [TEST_MODE_ENV]: '1' }),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Ended by a signal (the OOM killer, SIGKILL), a process has no exit code but a signal code.
  const alive = () => child.exitCode === null && child.signalCode === null;
  let oomKills = 0;
  if (cgroup)
    void exited.then(() => {
      oomKills = cgroupOomKills(cgroup);
      try {
        rmdirSync(cgroup);
      } catch {
        // still busy: an empty group left behind costs nothing
      }
    });
  const metrics = async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    return response.text();
  };
  // Ready once the metrics port answers.
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      await metrics();
      break;
    } catch {
      if (!alive()) throw new Error(`controller exited at start:\n${output}`);
      if (Date.now() > end) throw new Error(`controller did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    name: options.name ?? `e2e-${metricsPort}`,
    metricsPort,
    process: child,
    output: () => output,
    oomKills: () => (cgroup && alive() ? cgroupOomKills(cgroup) : oomKills),
    lines: () =>
      output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    metrics,
    exited,
    stop: async () => {
      if (alive()) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}

const MEMORY_CGROUPS = '/sys/fs/cgroup/memory';

/** A fresh cgroup v1 memory group with this limit (needs root, as the local cluster does). */
function memoryCgroup(limitBytes: number): string {
  if (!existsSync(MEMORY_CGROUPS))
    throw new Error(`memoryLimitBytes: no cgroup v1 memory hierarchy at ${MEMORY_CGROUPS}`);
  const dir = path.join(MEMORY_CGROUPS, `mailsync-controller-${process.pid}-${Date.now()}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(limitBytes));
  return dir;
}

function cgroupOomKills(dir: string): number {
  try {
    const control = readFileSync(path.join(dir, 'memory.oom_control'), 'utf8');
    return Number(/oom_kill (\d+)/.exec(control)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
