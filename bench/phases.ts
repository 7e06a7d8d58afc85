/**
 * Where a mailsync run's wall time went, from its JSON event lines (pino
 * `time` in ms) and the moments the bench spawned it and saw it exit:
 *
 *   startup   spawn -> `start` (node, module loading, config)
 *   connect   `start` -> `folders` (logins, folder tree, creations, STATUS)
 *   folders   `folders` -> last `folder.end` (the workers)
 *   end       last `folder.end` -> exit (state file, LOGOUT, summary)
 *
 * and, summed over folders (they overlap: N workers), listing (`folder.begin`
 * -> `folder.plan`, both sides listed) and copy+verify (`folder.plan` ->
 * `folder.end`).
 */
export interface Phases {
  startup: number;
  connect: number;
  folders: number;
  end: number;
  listing: number;
  copyAndVerify: number;
}

interface Event {
  event?: string;
  time?: number;
  folder?: string;
}

export function phasesOf(stdout: string, spawnedAt: number, exitedAt: number): Phases | undefined {
  const events: Event[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as Event);
    } catch {
      // not an event line
    }
  }
  const at = (name: string) => events.find((e) => e.event === name)?.time;
  const start = at('start');
  if (start === undefined) return undefined;
  const folders = at('folders') ?? start;
  const ends = events.filter((e) => e.event === 'folder.end' && e.time !== undefined).map((e) => e.time!);
  const lastEnd = ends.length > 0 ? Math.max(...ends) : folders;
  const begun = new Map<string, number>();
  const planned = new Map<string, number>();
  let listing = 0;
  let copyAndVerify = 0;
  for (const e of events) {
    if (e.folder === undefined || e.time === undefined) continue;
    if (e.event === 'folder.begin') begun.set(e.folder, e.time);
    if (e.event === 'folder.plan' && begun.has(e.folder)) {
      listing += e.time - begun.get(e.folder)!;
      planned.set(e.folder, e.time);
    }
    if (e.event === 'folder.end' && planned.has(e.folder)) copyAndVerify += e.time - planned.get(e.folder)!;
  }
  const s = (ms: number) => Math.max(0, ms) / 1000;
  return {
    startup: s(start - spawnedAt),
    connect: s(folders - start),
    folders: s(lastEnd - folders),
    end: s(exitedAt - lastEnd),
    listing: s(listing),
    copyAndVerify: s(copyAndVerify),
  };
}

export function describePhases(p: Phases): string {
  const f = (x: number) => `${x.toFixed(2)} s`;
  return (
    `startup ${f(p.startup)} | connect+folder tree+STATUS ${f(p.connect)} | folders ${f(p.folders)} ` +
    `(summed over folders: listing ${f(p.listing)}, copy+verify ${f(p.copyAndVerify)}) | end ${f(p.end)}`
  );
}
