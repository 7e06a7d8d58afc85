#!/usr/bin/env node
/**
 * Speed of the raw APPEND writer (src/sync/imap-raw) on this machine: N
 * messages of S bytes appended to a private Dovecot on 127.0.0.1 (implicit
 * TLS) in several protocol modes, each into its own folder, each verified by
 * a STATUS count afterwards. Not a test: it prints messages/s and MB/s.
 *
 *   node bench/append-writer.mjs [--messages 2000] [--size 10240] [--batch 50]
 *
 * Needs root (the Dovecot test harness starts dovecot as root) and Node 24
 * (run it with PATH=node_modules/.bin:$PATH). It runs the TypeScript sources
 * directly (Node's type transform), so no build is needed.
 */
import { spawnSync } from 'node:child_process';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TRANSFORM = '--experimental-transform-types';
if (!process.execArgv.includes(TRANSFORM)) {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [TRANSFORM, '--no-warnings', self, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(`Node 24 needed (found ${process.version}): PATH=node_modules/.bin:$PATH node bench/append-writer.mjs`);
  process.exit(2);
}

// The sources import './x.js' for './x.ts' (NodeNext style): map them when running from source.
registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(`${specifier.slice(0, -3)}.ts`, context);
      throw error;
    }
  },
});

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    size: { type: 'string', default: '10240' },
    batch: { type: 'string', default: '50' },
  },
});
const COUNT = Number(values.messages);
const SIZE = Number(values.size);
const BATCH = Number(values.batch);

const { Appender, splitBatches } = await import('../src/sync/imap-raw/appender.ts');
const { startDovecot } = await import('../test/harness/dovecot.ts');
const { ImapFlow } = await import('imapflow');
const pino = (await import('pino')).default;

const logger = pino({ level: 'silent' });

function makeMessage(index) {
  const head = Buffer.from(
    [
      `From: bench${index % 97}@example.org`,
      'To: rcpt@example.org',
      `Subject: bench message ${index}`,
      `Message-ID: <bench-${index}@example.org>`,
      'Date: Tue, 05 Mar 2024 07:08:09 +0000',
      'Content-Type: text/plain; charset=utf-8',
      '',
      '',
    ].join('\r\n'),
  );
  const line = `line of message ${index} - Grüße 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ\r\n`;
  const body = Buffer.alloc(Math.max(0, SIZE - head.length), line, 'utf8');
  const raw = Buffer.concat([head, body]);
  raw.write('\r\n', raw.length - 2); // end on CRLF whatever the fill cut
  return {
    raw,
    flags: index % 3 ? ['\\Seen'] : ['\\Seen', '$Label1'],
    internalDate: new Date(Date.UTC(2020, 0, 1, 0, 0, index % 60)),
  };
}

const corpus = Array.from({ length: COUNT }, (_, i) => makeMessage(i));
const totalBytes = corpus.reduce((sum, m) => sum + m.raw.length, 0);

const server = await startDovecot({ name: 'bench-append' });
const user = 'bench';
await server.addUser(user, 'bench-password');
const endpoint = {
  side: 'destination',
  host: server.host,
  port: server.implicitTlsPort,
  security: 'implicit',
  tls: { ca: [server.caPem] },
  user,
  mechanism: 'PLAIN',
  secret: async () => 'bench-password',
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 120_000,
};

async function imapflowClient() {
  const client = new ImapFlow({
    host: server.host,
    port: server.implicitTlsPort,
    secure: true,
    tls: { ca: [server.caPem] },
    auth: { user, pass: 'bench-password' },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function count(folder) {
  const client = await imapflowClient();
  try {
    return (await client.status(folder, { messages: true })).messages;
  } finally {
    await client.logout();
  }
}

async function createFolder(folder) {
  const client = await imapflowClient();
  try {
    await client.mailboxCreate(folder);
  } finally {
    await client.logout();
  }
}

async function rawMode(options, batchSize) {
  const appender = await Appender.open(endpoint, { logger, ...options });
  return {
    async run(folder) {
      for (const batch of splitBatches(corpus, { maxMessages: batchSize, maxBytes: 8 * 1024 * 1024 })) {
        const results = await appender.appendBatch(folder, batch);
        if (!results.every((r) => r.ok))
          throw new Error(`append failed: ${JSON.stringify(results.find((r) => !r.ok))}`);
      }
    },
    close: () => appender.close(),
  };
}

const modes = [
  ['raw: MULTIAPPEND + LITERAL+', () => rawMode({}, BATCH)],
  ['raw: MULTIAPPEND + LITERAL+ + COMPRESS', () => rawMode({ compress: true }, BATCH)],
  ['raw: single APPENDs pipelined, LITERAL+', () => rawMode({ multiappend: false }, BATCH)],
  ['raw: single APPENDs, sync literals', () => rawMode({ multiappend: false, literals: 'synchronizing' }, BATCH)],
  [
    'imapflow: append() one by one',
    async () => {
      const client = await imapflowClient();
      return {
        async run(folder) {
          for (const m of corpus) await client.append(folder, m.raw, m.flags, m.internalDate);
        },
        close: () => client.logout(),
      };
    },
  ],
];

console.log(
  `# ${COUNT} messages x ${SIZE} bytes (${(totalBytes / 1e6).toFixed(1)} MB), batches of ${BATCH}, Dovecot ${server.host} implicit TLS, Node ${process.version}`,
);
console.log('| mode | seconds | messages/s | MB/s |');
console.log('|---|---:|---:|---:|');
try {
  for (const [index, [name, open]] of modes.entries()) {
    const folder = `INBOX.bench${index}`;
    await createFolder(folder);
    const mode = await open();
    const started = performance.now();
    await mode.run(folder);
    const seconds = (performance.now() - started) / 1000;
    await mode.close();
    const stored = await count(folder);
    if (stored !== COUNT) throw new Error(`${name}: ${stored} messages stored, expected ${COUNT}`);
    console.log(
      `| ${name} | ${seconds.toFixed(2)} | ${Math.round(COUNT / seconds)} | ${(totalBytes / 1e6 / seconds).toFixed(1)} |`,
    );
  }
} finally {
  await server.dispose(); // stop and remove its directory
}
