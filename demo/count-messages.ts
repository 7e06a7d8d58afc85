/**
 * Counts a mailbox's messages over IMAP (STATUS MESSAGES on every selectable folder): the demo's
 * check of the destination, independent of what the operator reports.
 */
import { ImapFlow } from 'imapflow';
import type { DemoAccount } from './state.js';

export interface MailboxCount {
  messages: number;
  folders: number;
}

export async function countMessages(account: DemoAccount, caPem: string): Promise<MailboxCount> {
  const client = new ImapFlow({
    host: account.host,
    port: account.port,
    secure: true,
    tls: { ca: [caPem] },
    auth: { user: account.user, pass: account.password },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    let messages = 0;
    let folders = 0;
    for (const folder of await client.list()) {
      if (folder.flags.has('\\Noselect') || folder.flags.has('\\NonExistent')) continue;
      const status = await client.status(folder.path, { messages: true });
      const count = status ? (status.messages ?? 0) : 0;
      messages += count;
      if (count > 0) folders++;
    }
    return { messages, folders };
  } finally {
    await client.logout().catch(() => client.close());
  }
}
