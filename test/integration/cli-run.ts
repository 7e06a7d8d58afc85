/**
 * Runs the `mailsync` command as a user does: bin/mailsync as a child process,
 * after the TypeScript build (rebuilt when a source file is newer than dist/).
 * Shared by the CLI integration tests.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAILSYNC = path.join(ROOT, 'bin/mailsync');
const execFileP = promisify(execFile);

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(ext)) {
      newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Build dist/ when a source file is newer than it. Someone else's half-written file may fail tsc: report, go on. */
export async function ensureBuilt(): Promise<void> {
  const main = path.join(ROOT, 'dist/main.js');
  if (existsSync(main) && newestMtime(path.join(ROOT, 'dist'), '.js') >= newestMtime(path.join(ROOT, 'src'), '.ts')) {
    return;
  }
  try {
    await execFileP(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', ROOT], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${ROOT}/node_modules/.bin:${process.env.PATH}` },
    });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    console.warn(`tsc reported errors (dist/ was still emitted):\n${out.slice(0, 4000)}`);
  }
}

export function run(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onStdout?: (child: ChildProcess, text: string) => void } = {},
) {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(MAILSYNC, args, { cwd: os.tmpdir(), env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(child, stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
