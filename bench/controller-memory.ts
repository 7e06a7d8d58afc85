/**
 * The controller's memory in the benches: its peak RSS (peakRssMiB), and the
 * limit the benches give the controller process: the chart's default
 * (resources.limits.memory), or an override. The controller runs in a memory
 * cgroup with it (test/e2e/helpers/controller-process.ts), so its heap is sized
 * and its overruns are killed as in its pod.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const VALUES = path.resolve(import.meta.dirname, '..', 'charts/mailsync-operator/values.yaml');

export function controllerMemoryBytes(override?: string): number {
  return quantityBytes(override ?? chartControllerMemoryLimit());
}

/** A process' peak RSS so far (VmHWM) in MiB, or undefined once the process is gone. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return undefined;
  }
}

function chartControllerMemoryLimit(): string {
  const values = parseYaml(readFileSync(VALUES, 'utf8')) as { resources?: { limits?: { memory?: string } } };
  const limit = values.resources?.limits?.memory;
  if (!limit) throw new Error(`${VALUES}: no resources.limits.memory`);
  return limit;
}

function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`controller memory: a quantity such as 256Mi, got ${quantity}`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
}
