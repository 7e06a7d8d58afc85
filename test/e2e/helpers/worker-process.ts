/**
 * Reaching a worker's process from the test, on a node that is this machine
 * (the local cluster). Used to make a worker ignore SIGTERM for real: a
 * stopped process (SIGSTOP) leaves TERM pending, only KILL ends it. On a
 * cluster whose nodes are elsewhere (kind), the process is not found and the
 * test says so.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** PIDs of the processes of the pod (matched through their cgroup, which names the pod UID). */
export function podProcesses(podUid: string): number[] {
  const forms = [podUid, podUid.replaceAll('-', '_')];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cgroup = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
      if (!forms.some((f) => cgroup.includes(f))) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes('main.js') && cmdline.includes('worker')) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}
