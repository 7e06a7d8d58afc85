/**
 * A real Prometheus server (the Debian package's binary) for tests: its own config, data directory
 * and port on 127.0.0.1, started by this process and stopped with it.
 *
 *   const prom = await startPrometheus({ jobs: [{ job: 'mailsync-operator', targets: ['127.0.0.1:8080'] }] });
 *   await prom.waitForValue('mailsync_messages_copied_total', (v) => v === 42, 'the copied messages');
 *   await prom.stop();
 *
 * test/prometheus/install-deps.sh installs the package (idempotent); prometheusUnavailable() says
 * why a test cannot run one.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrometheusApi, type Sample } from './api.js';
import { type PrometheusConfig, renderPrometheusConfig } from './config.js';

export type { ActiveTarget, MetricMetadata, Rule, RuleGroup, Sample } from './api.js';
export type { PrometheusConfig, ScrapeJob } from './config.js';

export const INSTALL_DEPS = fileURLToPath(new URL('./install-deps.sh', import.meta.url));
const BINARY = process.env.MAILSYNC_PROMETHEUS ?? 'prometheus';

/** Why no Prometheus can be started here (after trying install-deps.sh once), or undefined. */
export function prometheusUnavailable(): string | undefined {
  const installed = spawnSync('bash', [INSTALL_DEPS], { encoding: 'utf8' });
  if (installed.status !== 0) return `test/prometheus/install-deps.sh failed: ${installed.stderr.trim()}`;
  const version = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return `${BINARY} --version failed: ${version.error ?? version.stderr}`;
  return undefined;
}

export interface Prometheus {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly api: PrometheusApi;
  query(expr: string): Promise<Sample[]>;
  /**
   * Polls `expr` until its single value satisfies `accept` (Prometheus scrapes asynchronously);
   * on timeout throws with what it last saw.
   */
  waitForValue(expr: string, accept: (value: number) => boolean, what: string, timeoutMs?: number): Promise<number>;
  /** Everything the server logged. */
  log(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function launch(dir: string, port: number): { child: ChildProcess; output: () => string } {
  const child = spawn(
    BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { child, output: () => output };
}

export async function startPrometheus(config: PrometheusConfig): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mailsync-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), renderPrometheusConfig(config));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const { child, output } = launch(dir, port);
    const api = new PrometheusApi(`http://127.0.0.1:${port}`);
    const end = Date.now() + 60_000;
    while (child.exitCode === null && !(await api.ready())) {
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`Prometheus did not become ready:\n${output()}`);
      }
      await sleep(100);
    }
    if (child.exitCode !== null) {
      // another process took the port between the probe and the bind: try another one
      if (attempt < 3 && /address already in use/.test(output())) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Prometheus exited with ${child.exitCode}:\n${output()}`);
    }
    return running(dir, port, child, api, output);
  }
}

function running(dir: string, port: number, child: ChildProcess, api: PrometheusApi, output: () => string): Prometheus {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url: api.url,
    port,
    dir,
    api,
    query: (expr) => api.query(expr),
    async waitForValue(expr, accept, what, timeoutMs = 60_000) {
      const end = Date.now() + timeoutMs;
      let last: Sample[] | string = [];
      for (;;) {
        try {
          last = await api.query(expr);
          if (last.length === 1 && accept(last[0]!.value)) return last[0]!.value;
        } catch (error) {
          last = String(error);
        }
        if (Date.now() > end) {
          throw new Error(`Prometheus: timed out waiting for ${what} (${expr}); last result: ${JSON.stringify(last)}`);
        }
        await sleep(500);
      }
    },
    log: output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
