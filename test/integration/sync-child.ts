/**
 * Runs the engine in a child process (test/fixtures/run-sync.ts through tsx,
 * the way the CLI/worker run it: process signals wired to the abort) and
 * follows its JSON event lines, so tests can signal it at a chosen moment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../src/api/events.js';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { summaryOf } from '../harness/worker-events.js';
import type { CapturedEvent } from './sync-helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/run-sync.ts');

export interface ChildRun {
  child: ChildProcess;
  events: CapturedEvent[];
  stderr: () => string;
  /** Resolves with the first event matching `predicate` (rejects if the process exits first). */
  waitFor: (predicate: (event: CapturedEvent) => boolean) => Promise<CapturedEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  summary: () => Summary | undefined;
}

export async function spawnSync(spec: MailSyncSpec, env: Record<string, string> = {}): Promise<ChildRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mailsync-child-'));
  const specFile = path.join(dir, 'spec.json');
  await writeFile(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, specFile], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: CapturedEvent[] = [];
  const waiters: { predicate: (e: CapturedEvent) => boolean; resolve: (e: CapturedEvent) => void }[] = [];
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let parsed: CapturedEvent;
      try {
        parsed = JSON.parse(line) as CapturedEvent;
      } catch {
        continue;
      }
      if (!('event' in parsed)) continue;
      events.push(parsed);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(parsed)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(parsed);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    events,
    stderr: () => stderr,
    exited,
    waitFor: (predicate) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code }) =>
          reject(new Error(`child exited (${code}) before the awaited event; stderr:\n${stderr}`)),
        );
      });
    },
    summary: () => summaryOf(events),
  };
}
