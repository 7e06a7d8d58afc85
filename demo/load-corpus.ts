/**
 * Fills a demo mailbox with the benchmark's deterministic corpus (bench/corpus.ts), over a few
 * plain imapflow connections: independent of the sync engine, like a user's existing mail.
 */
import type { CorpusMessage } from '../bench/corpus.js';
import type { DovecotServer } from '../test/harness/dovecot.js';
import { connectClient } from '../test/harness/mailbox.js';

const CONNECTIONS = 3;

export async function loadCorpus(server: DovecotServer, user: string, messages: CorpusMessage[]): Promise<void> {
  const byFolder = new Map<string, CorpusMessage[]>();
  for (const m of messages) {
    // corpus folders use '/': translate to the server's prefix and separator
    const target = m.folder === 'INBOX' ? 'INBOX' : server.folder(...m.folder.split('/'));
    byFolder.set(target, [...(byFolder.get(target) ?? []), m]);
  }
  const folders = [...byFolder.keys()];
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      const client = await connectClient(server, user);
      try {
        const existing = new Set((await client.list()).map((f) => f.path));
        for (const folder of folders.filter((_, i) => i % CONNECTIONS === worker)) {
          if (!existing.has(folder)) {
            await client.mailboxCreate(folder);
            await client.mailboxSubscribe(folder);
          }
          for (const m of byFolder.get(folder)!) await client.append(folder, m.raw, m.flags, m.internalDate);
        }
      } finally {
        await client.logout();
      }
    }),
  );
}
