/**
 * Watches the demo MailSync until it ends: a refreshing progress line on a terminal (plain lines,
 * one per change, otherwise), then the final summary from status.summary and the destination's
 * message count, checked over IMAP independently of the operator. Exit code 0 only when the sync
 * Succeeded and the destination holds as many messages as the source.
 *
 *   node --import tsx demo/progress.ts --namespace mailsync-demo --name demo
 */
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import type { MailSync } from '../src/api/mailsync.js';
import { TERMINAL_PHASES } from '../src/api/status.js';
import { countMessages } from './count-messages.js';
import { progressLine, summaryLines } from './render.js';
import { readState } from './state.js';

const execFileP = promisify(execFile);

const { values } = parseArgs({
  options: {
    namespace: { type: 'string', default: 'mailsync-demo' },
    name: { type: 'string', default: 'demo' },
    timeout: { type: 'string', default: '900' },
  },
});
const namespace = values.namespace;
const name = values.name;
const kubectl = process.env.KUBECTL ?? 'kubectl';
const tty = process.stdout.isTTY === true;
const HEARTBEAT_MS = 15_000;

async function getMailSync(): Promise<MailSync | undefined> {
  try {
    const { stdout } = await execFileP(kubectl, ['-n', namespace, 'get', 'mailsync', name, '-o', 'json']);
    return JSON.parse(stdout) as MailSync;
  } catch {
    return undefined; // a transient API error: the next poll tries again
  }
}

async function watch(): Promise<MailSync> {
  const started = Date.now();
  const deadline = started + Number(values.timeout) * 1000;
  let lastLine = '';
  let lastPrinted = 0;
  for (;;) {
    const ms = await getMailSync();
    const elapsed = (Date.now() - started) / 1000;
    const line = progressLine(name, ms?.status, elapsed);
    if (tty) {
      process.stdout.write(`\r\x1b[K${line}`);
    } else {
      // without a terminal: a line when something changed, and a heartbeat now and then
      const changed = line.replace(/\s+\S+$/, '') !== lastLine.replace(/\s+\S+$/, '');
      if (changed || Date.now() - lastPrinted > HEARTBEAT_MS) {
        console.log(line);
        lastPrinted = Date.now();
      }
    }
    lastLine = line;
    const phase = ms?.status?.phase;
    // a success is reported with the worker's summary; a failure may come without one
    if (phase && TERMINAL_PHASES.has(phase) && (ms?.status?.summary || phase !== 'Succeeded')) {
      if (tty) process.stdout.write('\n');
      return ms;
    }
    if (Date.now() > deadline) {
      if (tty) process.stdout.write('\n');
      throw new Error(`${name} did not finish within ${values.timeout} s (phase ${phase ?? 'none'})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function main(): Promise<number> {
  const state = readState();
  const ms = await watch();
  const status = ms.status!;
  console.log('\nSummary (status.summary, written by the worker):');
  for (const line of summaryLines(status)) console.log(`  ${line}`);
  if (status.phase !== 'Succeeded') {
    console.log('\nLast lines of the worker log (status.logTail):');
    for (const line of (status.logTail ?? []).slice(-10)) console.log(`  ${line}`);
    return 1;
  }
  const [source, destination] = await Promise.all([
    countMessages(state.source, state.caPem),
    countMessages(state.destination, state.caPem),
  ]);
  console.log('\nChecked over IMAP, independently of the operator:');
  console.log(`  source:       ${source.messages} messages in ${source.folders} folders`);
  console.log(`  destination:  ${destination.messages} messages in ${destination.folders} folders`);
  const transferred = status.summary?.messagesTransferred;
  if (destination.messages === source.messages && transferred === destination.messages) {
    console.log(`  OK: every source message is on the destination, and the worker reported ${transferred} copied`);
    return 0;
  }
  console.log(`  MISMATCH: the worker reported ${transferred} copied`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`progress: ${(error as Error).message}`);
    process.exit(1);
  },
);
