/**
 * What the IMAP client path costs for flag updates and deletes: whole engine
 * runs (`runSync`) against two loopback Dovecots (implicit TLS), paired.
 *
 *   npx tsx bench/flags-deletes.ts [--messages 3000] [--rounds 3] [--compare DIR]
 *
 * Per round and engine, on its own user pair (INBOX already copied):
 *   copy    the source INBOX copied into a fresh destination user (the plain
 *           copy path, to see that it did not change);
 *   flags   every source message gets \Flagged (or loses it, every other round):
 *           a run that updates N destination messages (syncFlags);
 *   delete  N extra messages on the destination: a deleteOnDestination run
 *           that expunges them.
 * Then the cost of one login (TLS + LOGIN + LOGOUT) with the raw client and
 * with imapflow, which the imapflow path paid once per side and worker.
 *
 * `--compare DIR`: a second checkout (e.g. `git worktree add /tmp/before
 * <commit>` with node_modules linked) whose engine runs in the same process,
 * in alternating order (A B, then B A), so both see the same machine load.
 * Every run is checked (counters, and the destination's message count).
 * Needs root (the Dovecot harness). Not a test: it prints seconds.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ImapFlow } from 'imapflow';
import pino from 'pino';
import type { Summary } from '../src/api/events.js';
import type { MailSyncSpec } from '../src/api/spec.js';
import { resolveEndpoint } from '../src/sync/endpoint.js';
import { Appender } from '../src/sync/imap-raw/appender.js';
import { RawImapConnection } from '../src/sync/imap-raw/connection.js';
import { type DovecotServer, startDovecotPair } from '../test/harness/dovecot.js';
import { withClient } from '../test/harness/mailbox.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    logins: { type: 'string', default: '20' },
    compare: { type: 'string' },
  },
});
const N = Number(args.messages);
const ROUNDS = Number(args.rounds);
const LOGINS = Number(args.logins);
const logger = pino({ level: 'silent' });

type RunSync = (spec: MailSyncSpec, options: object) => Promise<Summary>;
interface Engine {
  label: string;
  runSync: RunSync;
}

async function loadEngine(label: string, root: string): Promise<Engine> {
  const module = await import(pathToFileURL(path.join(root, 'src/sync/engine.ts')).href);
  return { label, runSync: module.runSync as RunSync };
}

function message(i: number, tag: string): Buffer {
  return Buffer.from(
    `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${tag} ${i}\r\nMessage-ID: <${tag}-${i}@bench>\r\n` +
      `Date: Tue, 05 Mar 2024 07:08:09 +0000\r\n\r\n${'body line 0123456789 abcdefghij\r\n'.repeat(30)}`,
  );
}

/** N messages into a folder over the raw APPEND writer (seeding only, not measured). */
async function seed(server: DovecotServer, user: string, tag: string): Promise<void> {
  const resolved = await resolveEndpoint(await server.endpoint(user), 'destination', { logger });
  const appender = await Appender.open(resolved, { logger });
  for (let start = 0; start < N; start += 200) {
    const batch = Array.from({ length: Math.min(200, N - start) }, (_, k) => ({
      raw: message(start + k, tag),
      flags: [],
      internalDate: new Date(Date.UTC(2024, 0, 1)),
    }));
    const results = await appender.appendBatch('INBOX', batch);
    if (results.some((r) => !r.ok)) throw new Error('seeding failed');
  }
  await appender.close();
}

async function count(server: DovecotServer, user: string): Promise<number> {
  return withClient(server, user, async (client) => {
    const status = await client.status('INBOX', { messages: true });
    return status ? (status.messages ?? 0) : 0;
  });
}

function expectOk(summary: Summary, field: 'flagsUpdated' | 'messagesDeletedOnDestination'): void {
  if (summary.verdict !== 'success' || summary[field] !== N) {
    throw new Error(`unexpected run: ${summary.verdict} ${field}=${summary[field]} (${summary.message})`);
  }
}

const pair = await startDovecotPair({ a: { name: 'bench-fd-a' }, b: { name: 'bench-fd-b' } });
try {
  const engines = [await loadEngine('this checkout', path.resolve(import.meta.dirname, '..'))];
  if (args.compare) engines.push(await loadEngine(path.resolve(args.compare), path.resolve(args.compare)));
  const users = new Map<string, MailSyncSpec>();
  for (const [i, engine] of engines.entries()) {
    const source = `bsrc${i}`;
    const destination = `bdst${i}`;
    await pair.a.addUser(source, `pw-${source}`);
    await pair.b.addUser(destination, `pw-${destination}`);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Dovecot re-reads passwd files by mtime (seconds)
    await seed(pair.a, source, `m${i}`);
    const spec = { source: await pair.a.endpoint(source), destination: await pair.b.endpoint(destination) };
    users.set(engine.label, spec);
    const first = await engine.runSync(spec, { logger, progressIntervalMs: 0 });
    if (first.messagesTransferred !== N) throw new Error(`initial copy: ${first.message}`);
  }
  const times = new Map<string, { copy: number[]; flags: number[]; delete: number[] }>(
    engines.map((e) => [e.label, { copy: [], flags: [], delete: [] }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) {
      const spec = users.get(engine.label)!;
      const sourceUser = spec.source.user;
      const destinationUser = spec.destination.user;
      const fresh = `bcopy${round}x${engines.indexOf(engine)}`;
      await pair.b.addUser(fresh, `pw-${fresh}`);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const copySpec = { ...spec, destination: await pair.b.endpoint(fresh) };
      let start = performance.now();
      const copied = await engine.runSync(copySpec, { logger, progressIntervalMs: 0 });
      if (copied.messagesTransferred !== N || copied.verdict !== 'success') throw new Error(`copy: ${copied.message}`);
      times.get(engine.label)!.copy.push((performance.now() - start) / 1000);
      await withClient(pair.a, sourceUser, async (client) => {
        await client.mailboxOpen('INBOX');
        if (round % 2 === 0) await client.messageFlagsAdd('1:*', ['\\Flagged']);
        else await client.messageFlagsRemove('1:*', ['\\Flagged']);
      });
      start = performance.now();
      expectOk(await engine.runSync(spec, { logger, progressIntervalMs: 0 }), 'flagsUpdated');
      times.get(engine.label)!.flags.push((performance.now() - start) / 1000);

      await seed(pair.b, destinationUser, `extra${round}`);
      start = performance.now();
      expectOk(
        await engine.runSync({ ...spec, deleteOnDestination: true }, { logger, progressIntervalMs: 0 }),
        'messagesDeletedOnDestination',
      );
      times.get(engine.label)!.delete.push((performance.now() - start) / 1000);
      const left = await count(pair.b, destinationUser);
      if (left !== N) throw new Error(`destination holds ${left} messages, expected ${N}`);
    }
  }

  // One login each way, alternating: what a second client path adds per side and worker.
  const resolved = await resolveEndpoint(users.get(engines[0]!.label)!.destination, 'destination', { logger });
  const secret = await resolved.secret();
  const loginTimes = { raw: [] as number[], imapflow: [] as number[] };
  for (let i = 0; i < LOGINS; i++) {
    let start = performance.now();
    const raw = await RawImapConnection.open(resolved, { logger });
    await raw.logout();
    loginTimes.raw.push(performance.now() - start);
    start = performance.now();
    const flow = new ImapFlow({
      host: resolved.host,
      port: resolved.port,
      secure: true,
      tls: resolved.tls,
      auth: { user: resolved.user, pass: secret },
      logger: false,
      disableAutoIdle: true,
      disableCompression: true,
    });
    flow.on('error', () => {});
    await flow.connect();
    await flow.logout();
    loginTimes.imapflow.push(performance.now() - start);
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(2)} s (${xs.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(`\n${N} messages, ${ROUNDS} rounds, two Dovecots on loopback (implicit TLS)`);
  for (const [label, t] of times) {
    console.log(
      `${label}\n  copy run:        ${fmt(t.copy)}\n  flag update run: ${fmt(t.flags)}\n  delete run:      ${fmt(t.delete)}`,
    );
  }
  console.log(
    `login + LOGOUT (median of ${LOGINS}): raw ${median(loginTimes.raw).toFixed(1)} ms, ` +
      `imapflow ${median(loginTimes.imapflow).toFixed(1)} ms`,
  );
} finally {
  await pair.stop();
}
