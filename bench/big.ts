/**
 * Big-folder benchmark (`npm run bench:big`): one INBOX of N small messages,
 * written straight into the source Dovecot's maildir (test/harness/maildir.ts:
 * writing files takes minutes where APPENDing a million messages would take
 * hours), then synced
 * by `bin/mailsync sync` to an empty destination, re-run without the state
 * file and re-run with it.
 *
 * For each run: wall time, messages/s, CPU seconds and peak RSS (GNU time),
 * at each size of `--messages 10000,200000,1000000`, so the slope shows how
 * memory and speed grow with the folder. The folder holds the cases exact
 * fidelity must handle at scale: about one message in 1,000 is an exact
 * duplicate of the one before it, one in 500 has neither Message-ID nor
 * Received (fallback identity), a third are \Seen and some \Flagged.
 *
 * Checked after each run: exit code 0 (the engine verifies every folder as a
 * multiset of identities) and the destination's message count (doveadm).
 *
 * Options: --messages LIST (10000,200000), --json FILE, --mailsync PATH (another
 * build's bin/mailsync, to compare before and after a change), --prefilled
 * (the destination gets the folder too, written into its maildir, but one
 * message in 100: the first run lists both sides in full and copies 1%, which
 * measures the memory of a million-message folder without the hours a
 * million APPENDs take on a busy machine).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../test/harness/dovecot.js';
import { inboxMessageCount, writeMaildirInbox } from '../test/harness/maildir.js';
import { describeMeasure, ensureDebianTools, type Measure, measured } from './measure.js';
import { describePhases } from './phases.js';

const ROOT = path.resolve(import.meta.dirname, '..');
/** USER_HZ, the unit of /proc/PID/stat times (100 on Linux everywhere that matters). */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000,200000' },
    json: { type: 'string' },
    mailsync: { type: 'string', default: path.join(ROOT, 'bin/mailsync') },
    prefilled: { type: 'boolean', default: false },
  },
});

interface SizeResult {
  messages: number;
  writeSeconds: number;
  stateFileBytes: number;
  results: Measure[];
  verified: boolean;
}

async function benchSize(pair: DovecotPair, count: number, dir: string): Promise<SizeResult> {
  const user = `big${count}`;
  await pair.a.addUser(user, `src-${user}-pw`);
  await pair.b.addUser(user, `dst-${user}-pw`);
  let t = Date.now();
  const [{ bytes }, prefilled] = await Promise.all([
    writeMaildirInbox(pair.a, user, count),
    args.prefilled
      ? writeMaildirInbox(pair.b, user, count, { include: (n) => n % 100 !== 50 })
      : { messages: 0, bytes: 0 },
  ]);
  const writeSeconds = (Date.now() - t) / 1000;
  console.log(
    `\n${count} messages (${(bytes / 1e6).toFixed(0)} MB) written and indexed in ${writeSeconds.toFixed(1)} s` +
      (args.prefilled ? `; the destination has ${prefilled.messages} of them` : ''),
  );

  const config = path.join(dir, `${user}.yaml`);
  writeFileSync(
    config,
    stringify({
      source: await pair.a.endpoint(user),
      destination: await pair.b.endpoint(user),
      folders: { include: ['^INBOX$'] },
    }),
  );
  const stateFile = path.join(dir, `${user}.state.json`);
  const mailsync = path.resolve(args.mailsync);
  // The servers' CPU too: where a rate that falls with the folder's size goes (mailsync or Dovecot).
  const sync = async (label: string, extra: string[], work: { messages: number; bytes: number }) => {
    const before = [dovecotCpuSeconds(pair.a), dovecotCpuSeconds(pair.b)];
    const m = await measured(
      `${label} (${count})`,
      mailsync,
      ['sync', '--config', config, '--log-format', 'json', ...extra],
      work,
    );
    const [source, destination] = [dovecotCpuSeconds(pair.a) - before[0]!, dovecotCpuSeconds(pair.b) - before[1]!];
    return { ...m, dovecotCpuSeconds: { source, destination } };
  };

  const results: Measure[] = [];
  let verified = true;
  const check = async (m: Measure) => {
    const { stdout: _, ...figures } = m as Measure & { stdout?: string };
    results.push(figures);
    const present = await inboxMessageCount(pair.b, user);
    const ok = m.exitCode === 0 && present === count;
    verified &&= ok;
    console.log(describeMeasure(m, 40));
    const servers = (m as Measure & { dovecotCpuSeconds?: { source: number; destination: number } }).dovecotCpuSeconds;
    if (servers)
      console.log(
        `    Dovecot CPU s: source ${servers.source.toFixed(2)}, destination ${servers.destination.toFixed(2)}`,
      );
    if (m.phases) console.log(`    ${describePhases(m.phases)}`);
    console.log(`    destination INBOX: ${present} messages${ok ? '' : ` (expected ${count}): FAILED`}`);
  };
  t = Date.now();
  const first = args.prefilled ? `sync of the last 1%` : 'full sync';
  const copied = { messages: count - prefilled.messages, bytes: bytes - prefilled.bytes };
  await check(await sync(first, ['--state-file', stateFile], args.prefilled ? copied : { messages: count, bytes }));
  await check(await sync('re-run, no state', [], { messages: count, bytes: 0 }));
  await check(await sync('re-run, state file', ['--state-file', stateFile], { messages: count, bytes: 0 }));
  const stateFileBytes = statSync(stateFile, { throwIfNoEntry: false })?.size ?? 0;
  console.log(`    state file: ${stateFileBytes} bytes (${(stateFileBytes / count).toFixed(4)} bytes per message)`);
  // Free the disk before the next size.
  await Promise.all([
    rm(path.join(pair.a.dir, 'mail', user), { recursive: true, force: true }),
    rm(path.join(pair.b.dir, 'mail', user), { recursive: true, force: true }),
  ]);
  return { messages: count, writeSeconds, stateFileBytes, results, verified };
}

/**
 * CPU seconds of a Dovecot server: its master plus every process it has reaped
 * (the imap and imap-login processes of finished connections), from /proc.
 */
function dovecotCpuSeconds(server: DovecotServer): number {
  const pid = readFileSync(path.join(server.dir, 'pgid'), 'utf8').trim();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // after "pid (comm) ": state is field 3; utime, stime, cutime, cstime are fields 14-17
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
  return ticks / CLOCK_TICKS;
}

async function main(): Promise<void> {
  ensureDebianTools({ time: '/usr/bin/time' });
  const sizes = args.messages.split(',').map((s) => Number(s.replaceAll('_', '')));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`--messages: a list of counts, got ${args.messages}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'mailsync-bench-big-'));
  // An imap process holding a million-message maildir needs more than Dovecot's default 256M.
  const pair = await startDovecotPair({ a: { vszLimit: '2G' }, b: { vszLimit: '2G' } });
  const all: SizeResult[] = [];
  try {
    for (const count of sizes) all.push(await benchSize(pair, count, dir));
  } finally {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nresults (wall time; rates over the whole folder; peak RSS of the mailsync process)');
  for (const size of all) for (const m of size.results) console.log(describeMeasure(m, 40));
  const verdict = all.every((s) => s.verified);
  console.log(`every run exit 0 with every message on the destination: ${verdict}`);
  if (args.json) writeFileSync(args.json, JSON.stringify(all, null, 2));
  if (!verdict) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
