/**
 * The web console as a separate process (`node dist/main.js console`, the build as in the image),
 * out of cluster with the test's KUBECONFIG, on 127.0.0.1 and a free port: what a browser talks to in
 * the e2e console test. Its JSON log is kept for the secret scan.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './controller-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ConsoleProcess {
  /** http://127.0.0.1:PORT */
  readonly base: string;
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

export async function startConsole(options: {
  namespace: string;
  /** Extra flags (--ca-secret, --admin, --max-messages-per-second ...). */
  args: string[];
}): Promise<ConsoleProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'mailsync-console-'));
  const keyFile = path.join(dir, 'hash.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'dist', 'main.js'),
      'console',
      '--namespace',
      options.namespace,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--hash-key-file',
      keyFile,
      ...options.args,
    ],
    { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`console exited at start:\n${output}`);
    if (Date.now() > end) throw new Error(`console did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
