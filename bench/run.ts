/**
 * Engine benchmark (`npm run bench`): a deterministic corpus in a real Dovecot
 * source, synced to a real Dovecot destination by `bin/mailsync sync`, side by
 * side with mbsync (isync) on the same corpus and servers.
 *
 * Prints messages/s, MB/s, CPU seconds and peak RSS of: the full sync, a
 * no-change re-run without state, a no-change re-run with the state file, the
 * same for mbsync, and the peak RSS of syncing one 50 MB message. Every sync is
 * checked by listing both servers independently (bytes, flags, dates).
 *
 * Options: --messages N (10000), --scale F (1: message sizes), --seed N (42),
 *          --no-mbsync, --no-big, --json FILE (write the figures as JSON),
 *          --profile DIR (a V8 CPU profile of every mailsync run, --cpu-prof).
 *
 * Under each mailsync figure: where its wall time went (bench/phases.ts).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { type DovecotPair, type DovecotServer, startDovecotPair } from '../test/harness/dovecot.js';
import { compareMailboxes } from '../test/harness/exact-copy.js';
import { connectClient } from '../test/harness/mailbox.js';
import { type CorpusMessage, generateCorpus } from './corpus.js';
import { describeMeasure, ensureDebianTools, type Measure, measured as measureCommand } from './measure.js';
import { describePhases } from './phases.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '42' },
    'no-mbsync': { type: 'boolean', default: false },
    'no-big': { type: 'boolean', default: false },
    json: { type: 'string' },
    profile: { type: 'string' },
  },
});

function ensureTools(): void {
  ensureDebianTools({ time: '/usr/bin/time', isync: '/usr/bin/mbsync' });
}

/** mailsync runs are CPU-profiled with --profile DIR. */
function measured(label: string, command: string, argv: string[], work: { messages: number; bytes: number }) {
  const profiling = args.profile && command !== '/usr/bin/mbsync';
  const env = profiling
    ? { ...process.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(args.profile!)}` }
    : process.env;
  return measureCommand(label, command, argv, work, env);
}

/** Loads the corpus into `user` on the source, one imapflow connection per folder group (independent of the engine). */
async function loadCorpus(server: DovecotServer, user: string, messages: CorpusMessage[]): Promise<void> {
  const byFolder = new Map<string, CorpusMessage[]>();
  for (const m of messages) {
    const target = m.folder === 'INBOX' ? 'INBOX' : server.folder(...m.folder.split('/'));
    if (!byFolder.has(target)) byFolder.set(target, []);
    byFolder.get(target)!.push(m);
  }
  const folders = [...byFolder.keys()].sort();
  // Parents before children: Maildir++ does not create missing parents on APPEND.
  const setup = await connectClient(server, user);
  try {
    const existing = new Set((await setup.list()).map((f) => f.path));
    for (const folder of folders) if (!existing.has(folder)) await setup.mailboxCreate(folder);
  } finally {
    await setup.logout();
  }
  const workers = Array.from({ length: 4 }, async (_, worker) => {
    const client = await connectClient(server, user);
    try {
      for (const folder of folders.filter((_, i) => i % 4 === worker)) {
        for (const m of byFolder.get(folder)!) await client.append(folder, m.raw, m.flags, m.internalDate);
      }
    } finally {
      await client.logout();
    }
  });
  await Promise.all(workers);
}

/** The exact-copy check of test/harness/exact-copy.ts, over the whole mailbox (folder names differ across flavours). */
async function assertSame(pair: DovecotPair, sourceUser: string, destinationUser: string, label: string) {
  const report = await compareMailboxes(
    { server: pair.a, user: sourceUser },
    { server: pair.b, user: destinationUser },
    { folders: false },
  );
  console.log(
    `  verify ${label}: source ${report.sourceMessages} messages, destination ${report.destinationMessages}: ` +
      (report.exact
        ? 'identical (bytes, flags, keywords, dates)'
        : `DIFFERENT (bodies ${report.sameBodies ? 'identical' : 'differ'})`),
  );
  return report.exact;
}

async function mailsyncConfig(pair: DovecotPair, sourceUser: string, destinationUser: string, dir: string) {
  const spec = {
    source: await pair.a.endpoint(sourceUser),
    destination: await pair.b.endpoint(destinationUser),
  };
  const file = path.join(dir, `${sourceUser}-${destinationUser}.yaml`);
  writeFileSync(file, stringify(spec));
  return file;
}

function mbsyncConfig(pair: DovecotPair, sourceUser: string, destinationUser: string, dir: string): string {
  const file = path.join(dir, 'mbsyncrc');
  const store = (name: string, server: DovecotServer, user: string) => `
IMAPAccount ${name}
Host localhost
Port ${server.implicitTlsPort}
User ${user}
Pass ${server.password(user)}
SSLType IMAPS
CertificateFile ${server.caFile}
PipelineDepth 50

IMAPStore ${name}-store
Account ${name}
`;
  writeFileSync(
    file,
    `${store('far', pair.a, sourceUser)}${store('near', pair.b, destinationUser)}
Channel bench
Far :far-store:
Near :near-store:
Patterns * !"Sent Items" !"Deleted Items" !"Junk Email"
Create Near
Sync Pull
CopyArrivalDate yes
SyncState ${dir}/mbsync-state/
`,
    { mode: 0o600 },
  );
  return file;
}

function line(m: Measure): string {
  return describeMeasure(m);
}

async function main(): Promise<void> {
  ensureTools();
  const mailsync = path.join(ROOT, 'bin/mailsync');
  if (!existsSync(path.join(ROOT, 'dist/main.js'))) throw new Error('run `make build` first');
  const dir = mkdtempSync(path.join(tmpdir(), 'mailsync-bench-'));
  const pair = await startDovecotPair({ a: { maxUserIpConnections: 100 }, b: { maxUserIpConnections: 100 } });
  const results: Measure[] = [];
  const verdicts: Record<string, boolean> = {};
  try {
    for (const user of ['bench', 'big']) await pair.a.addUser(user, `src-${user}-pw`);
    for (const user of ['bench', 'mbsync', 'big']) await pair.b.addUser(user, `dst-${user}-pw`);

    const corpus = [
      ...generateCorpus({ seed: Number(args.seed), messages: Number(args.messages), sizeScale: Number(args.scale) }),
    ];
    const corpusBytes = corpus.reduce((sum, m) => sum + m.raw.length, 0);
    console.log(`corpus: ${corpus.length} messages, ${(corpusBytes / 1e6).toFixed(0)} MB (seed ${args.seed})`);
    let t = Date.now();
    await loadCorpus(pair.a, 'bench', corpus);
    console.log(`loaded into the source in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const work = { messages: corpus.length, bytes: corpusBytes };
    const none = { messages: corpus.length, bytes: 0 };

    const config = await mailsyncConfig(pair, 'bench', 'bench', dir);
    const stateFile = path.join(dir, 'state.json');
    const sync = (label: string, extra: string[], w = work) =>
      measured(label, mailsync, ['sync', '--config', config, '--log-format', 'json', ...extra], w);

    results.push(await sync('mailsync full sync', ['--state-file', stateFile]));
    verdicts['mailsync full sync'] = await assertSame(pair, 'bench', 'bench', 'mailsync full sync');
    results.push(await sync('mailsync re-run, no state', [], none));
    results.push(await sync('mailsync re-run, state file', ['--state-file', stateFile], none));
    verdicts['mailsync re-runs'] = await assertSame(pair, 'bench', 'bench', 'mailsync after re-runs');

    if (!args['no-mbsync']) {
      const rc = mbsyncConfig(pair, 'bench', 'mbsync', dir);
      t = Date.now();
      results.push(await measured('mbsync full sync', '/usr/bin/mbsync', ['-c', rc, 'bench'], work));
      verdicts['mbsync full sync'] = await assertSame(pair, 'bench', 'mbsync', 'mbsync full sync');
      results.push(await measured('mbsync re-run (state)', '/usr/bin/mbsync', ['-c', rc, 'bench'], none));
    }

    if (!args['no-big']) {
      const size = 50 * 1024 * 1024;
      const body = Buffer.alloc(size, `${'A'.repeat(76)}\r\n`);
      const raw = Buffer.concat([
        Buffer.from('From: big@example.org\r\nSubject: 50 MB\r\nMessage-ID: <big@example.org>\r\n\r\n'),
        body,
      ]);
      const client = await connectClient(pair.a, 'big');
      await client.append('INBOX', raw, ['\\Seen'], new Date('2024-01-01T00:00:00Z'));
      await client.logout();
      const bigConfig = await mailsyncConfig(pair, 'big', 'big', dir);
      results.push(
        await measured(
          'mailsync one 50 MB message',
          mailsync,
          ['sync', '--config', bigConfig, '--log-format', 'json'],
          {
            messages: 1,
            bytes: raw.length,
          },
        ),
      );
      verdicts['50 MB message'] = await assertSame(pair, 'big', 'big', 'one 50 MB message');
    }
  } finally {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log('\nresults (wall time; rates over the whole corpus; peak RSS of the process)');
  for (const m of results) {
    console.log(line(m));
    if (m.phases) console.log(`    ${describePhases(m.phases)}`);
  }
  const full = results.find((m) => m.label === 'mailsync full sync');
  const mb = results.find((m) => m.label === 'mbsync full sync');
  if (full && mb) console.log(`full sync speed vs mbsync: ${(mb.seconds / full.seconds).toFixed(2)}x`);
  console.log(`exact copies (bytes, flags, keywords, dates): ${JSON.stringify(verdicts)}`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ results, verdicts }, null, 2));
  if (
    Object.entries(verdicts).some(([label, ok]) => !ok && !label.startsWith('mbsync')) ||
    results.some((m) => m.exitCode !== 0 && !m.label.startsWith('mbsync'))
  ) {
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
