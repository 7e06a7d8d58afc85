/**
 * The demo's two IMAP servers: a pair of real Dovecot servers on 127.0.0.1 (test/harness), a `demo`
 * user on each, the source filled with generated mail. Writes the connection details to the state
 * file, then stays up until SIGTERM or SIGINT (make demo-down), when it stops both servers and
 * removes their files.
 *
 *   node --import tsx demo/imap-servers.ts [--messages 300] [--size-scale 0.2]
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateCorpus } from '../bench/corpus.js';
import { startDovecotPair } from '../test/harness/dovecot.js';
import { loadCorpus } from './load-corpus.js';
import { STATE_FILE, writeState } from './state.js';

const USER = 'demo';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '300' },
    'size-scale': { type: 'string', default: '0.2' },
  },
});

const password = () => randomBytes(18).toString('base64url');

async function main(): Promise<void> {
  const pair = await startDovecotPair();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return; // a second signal while stopping changes nothing
    stopping = true;
    console.log(`imap-servers: ${signal}: stopping both servers`);
    rmSync(STATE_FILE, { force: true });
    await pair.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const source = { host: pair.a.host, port: pair.a.implicitTlsPort, user: USER, password: password() };
  const destination = { host: pair.b.host, port: pair.b.implicitTlsPort, user: USER, password: password() };
  await pair.a.addUser(USER, source.password);
  await pair.b.addUser(USER, destination.password);
  const corpus = [...generateCorpus({ messages: Number(values.messages), sizeScale: Number(values['size-scale']) })];
  await loadCorpus(pair.a, USER, corpus);
  const sourceBytes = corpus.reduce((sum, m) => sum + m.raw.length, 0);
  writeState({
    pid: process.pid,
    source,
    destination,
    caPem: pair.a.caPem,
    sourceMessages: corpus.length,
    sourceBytes,
    startedAt: new Date().toISOString(),
  });
  console.log(
    `imap-servers: source 127.0.0.1:${source.port} (${corpus.length} messages, ` +
      `${(sourceBytes / 1e6).toFixed(1)} MB), destination 127.0.0.1:${destination.port}; state in ${STATE_FILE}`,
  );
  // stays up: the Dovecot processes and the signal handlers keep the event loop alive
  setInterval(() => {}, 1 << 30);
}

main().catch((error: unknown) => {
  console.error(`imap-servers: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
