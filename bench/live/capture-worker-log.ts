/**
 * Records one real worker's JSON log, with each line's time since the start,
 * as the fixture the stand-in worker of `npm run bench:live` replays
 * (bench/live/worker-log.tsv: "<ms since start>\t<JSON line>").
 *
 * A real sync: `bin/mailsync sync --log-format json` (the worker's engine and
 * event stream) between two real Dovecot servers, 120 small messages in two
 * folders, throttled to 2 messages/s so that the run lasts about a minute
 * and carries the engine's regular progress events, as a long pod would.
 *
 *   npm run build && npx tsx bench/live/capture-worker-log.ts [--messages 120] [--rate 2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startDovecotPair } from '../../test/harness/dovecot.js';
import { appendMessages } from '../../test/harness/mailbox.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURE = path.join(ROOT, 'bench/live/worker-log.tsv');

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '120' }, rate: { type: 'string', default: '2' } },
});
const messages = Number(values.messages);

function message(i: number): string {
  return [
    `From: sender${i % 7}@example.test`,
    'To: user@example.test',
    `Subject: bench message ${i}`,
    `Message-ID: <live-${i}@example.test>`,
    `Date: ${new Date(Date.UTC(2026, 0, 1, 0, i % 60)).toUTCString()}`,
    '',
    `Body of message ${i}. `.repeat(20),
    '',
  ].join('\r\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailsync-capture-'));
  const pair = await startDovecotPair();
  try {
    await pair.a.addUser('replay', 'src-replay-pw');
    await pair.b.addUser('replay', 'dst-replay-pw');
    const all = Array.from({ length: messages }, (_, i) => ({ raw: message(i) }));
    await appendMessages(pair.a, 'replay', 'INBOX', all.slice(0, messages / 2));
    await appendMessages(pair.a, 'replay', pair.a.folder('Archive'), all.slice(messages / 2));
    const config = path.join(dir, 'sync.yaml');
    writeFileSync(
      config,
      stringify({
        source: await pair.a.endpoint('replay'),
        destination: await pair.b.endpoint('replay'),
        throttle: { maxMessagesPerSecond: Number(values.rate) },
      }),
    );
    const started = Date.now();
    const child = spawn(path.join(ROOT, 'bin/mailsync'), ['sync', '--config', config, '--log-format', 'json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const rows: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.trim()) rows.push(`${Date.now() - started}\t${line}`);
    }
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`mailsync sync exited with ${code}`);
    writeFileSync(FIXTURE, `${rows.join('\n')}\n`);
    console.log(`${rows.length} lines over ${((Date.now() - started) / 1000).toFixed(1)} s -> ${FIXTURE}`);
  } finally {
    await pair.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
