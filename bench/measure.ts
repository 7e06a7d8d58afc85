/**
 * Runs one command under GNU time (`/usr/bin/time`) and reads back what the
 * benchmarks report: wall seconds, CPU seconds (user + sys) and peak RSS
 * (the largest process of the tree), plus where a mailsync run's wall time
 * went (phases.ts, from its JSON event lines).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Phases, phasesOf } from './phases.js';

export interface Measure {
  label: string;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  messages: number;
  bytes: number;
  exitCode: number;
  phases?: Phases;
}

/** Installs the Debian packages a benchmark needs when their binary is missing. */
export function ensureDebianTools(tools: Record<string, string>): void {
  const missing = Object.entries(tools)
    .filter(([, binary]) => !existsSync(binary))
    .map(([pkg]) => pkg);
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(' ')} (Debian)`);
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export async function measured(
  label: string,
  command: string,
  argv: string[],
  work: { messages: number; bytes: number },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Measure & { stdout: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-time-'));
  const timeFile = path.join(dir, 'time');
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, command, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  // After spawn() returns: forking this (big) process is not the child's startup.
  const spawnedAt = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exitCode: number = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const phases = phasesOf(stdout, spawnedAt, Date.now());
  const [elapsed, user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(dir, { recursive: true, force: true });
  if (exitCode !== 0) console.error(`${label}: exit ${exitCode}\n${stderr.slice(-2000)}\n${stdout.slice(-2000)}`);
  return {
    label,
    seconds: elapsed!,
    cpuSeconds: user! + sys!,
    peakRssMb: rssKb! / 1024,
    ...work,
    exitCode,
    stdout,
    ...(phases ? { phases } : {}),
  };
}

/** One result line: wall time, rates over the work, CPU, peak RSS, exit code. */
export function describeMeasure(m: Measure, labelWidth = 34): string {
  const mps = m.messages / m.seconds;
  const mbps = m.bytes / 1e6 / m.seconds;
  return `${m.label.padEnd(labelWidth)} ${m.seconds.toFixed(2).padStart(8)} s ${mps.toFixed(0).padStart(7)} msg/s ${mbps.toFixed(1).padStart(7)} MB/s ${m.cpuSeconds.toFixed(2).padStart(7)} CPU s ${m.peakRssMb.toFixed(0).padStart(5)} MB RSS  exit ${m.exitCode}`;
}
