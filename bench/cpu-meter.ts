/**
 * Where a benchmark's CPU went, read from /proc (Linux): the whole
 * machine's busy time (/proc/stat), and the processes alive at both ends
 * of the span by name, children they reaped included (cutime/cstime).
 * Orphans are reparented to init (pid 1) and reaped there: a worker pod's
 * processes (its shim exits with them), runc, `parallel`'s mbsyncs once
 * their parent is gone. Init's reaped CPU is reported apart as "orphans
 * reaped by init"; what nobody alive reaped is in the machine's total only
 * ("everything else").
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second (USER_HZ: 100 on every Linux this runs on). */
const TICKS = 100;

export interface CpuSnapshot {
  /** Busy seconds of the whole machine since boot (all CPUs: user, nice, system, irq, softirq, steal). */
  machine: number;
  /** Busy seconds per live process id, with its name (key -1: the orphans init reaped). */
  processes: Map<number, { name: string; seconds: number }>;
}

export function cpuSnapshot(): CpuSnapshot {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]! + (fields[7] ?? 0);
  const processes = new Map<number, { name: string; seconds: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    // After the name: state is field 3; utime, stime, cutime, cstime are fields 14-17.
    const rest = stat.slice(close + 2).split(' ');
    const own = Number(rest[11]) + Number(rest[12]);
    const reaped = Number(rest[13]) + Number(rest[14]);
    if (entry === '1') {
      // Init's own work is small; what it reaped is everyone's orphans.
      processes.set(1, { name, seconds: own / TICKS });
      processes.set(-1, { name: 'orphans reaped by init (worker pods, runc, ...)', seconds: reaped / TICKS });
    } else {
      processes.set(Number(entry), { name, seconds: (own + reaped) / TICKS });
    }
  }
  return { machine: busy / TICKS, processes };
}

/**
 * Busy seconds between two snapshots: the machine's, and by process name (processes alive at both ends);
 * `labels` names some processes apart by pid (the benchmark's controller is a `node` like any other).
 */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  labels: Record<number, string> = {},
): { machine: number; byName: Map<string, number> } {
  const byName = new Map<string, number>();
  for (const [pid, now] of after.processes) {
    const then = before.processes.get(pid);
    if (!then || then.name !== now.name) continue;
    const label = labels[pid] ?? now.name;
    byName.set(label, (byName.get(label) ?? 0) + Math.max(0, now.seconds - then.seconds));
  }
  return { machine: after.machine - before.machine, byName };
}

/** "CPU-s per account" lines: the machine's, then the largest named parts, then everything else. */
function cpuPerAccountLines(
  span: { machine: number; byName: Map<string, number> },
  accounts: number,
  top = 8,
): string[] {
  const named = [...span.byName].sort((a, b) => b[1] - a[1]);
  const shown = named.slice(0, top);
  const shownSum = shown.reduce((sum, [, s]) => sum + s, 0);
  const per = (s: number) => (s / accounts).toFixed(3).padStart(7);
  return [
    `${per(span.machine)}  the whole machine (${span.machine.toFixed(1)} CPU-s over ${accounts} accounts)`,
    ...shown.map(([name, s]) => `${per(s)}    ${name}`),
    `${per(Math.max(0, span.machine - shownSum))}    everything else (processes that ended inside the span and no living process reaped)`,
  ];
}

/** Print `title`, then the CPU-s per account lines, indented. */
export function printCpuPerAccount(
  title: string,
  span: { machine: number; byName: Map<string, number> },
  accounts: number,
): void {
  console.log(title);
  for (const line of cpuPerAccountLines(span, accounts)) console.log(`  ${line}`);
}
