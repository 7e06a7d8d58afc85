/**
 * UID SEARCH in the selected folder: the UIDs matching `criteria` (for
 * example `DELETED`), ascending. A NO or BAD rejects with ImapCommandError
 * (`FetchFailed`).
 */
import type { CommandRunner } from './command-channel.js';
import { expectOk } from './command-errors.js';

export async function uidSearch(connection: CommandRunner, criteria: string): Promise<number[]> {
  const uids = new Set<number>();
  connection.listen({
    response: (response) => {
      if (response.kind !== 'data' || response.name !== 'SEARCH') return;
      for (const word of response.text.split(' ')) {
        if (/^\d+$/.test(word)) uids.add(Number(word));
      }
    },
  });
  try {
    const result = await connection.command(`UID SEARCH ${criteria}`);
    expectOk(connection, 'FetchFailed', `UID SEARCH ${criteria}`, result);
  } finally {
    connection.listen(undefined);
  }
  return [...uids].sort((a, b) => a - b);
}
