/**
 * Message count and total size of a folder (folderSizesOnly): EXAMINE, then
 * `UID FETCH 1:* (RFC822.SIZE)`, one round trip whatever the folder's size.
 * The sizes are what the listing compares (RFC822.SIZE), so the figures
 * match what a sync would copy. A NO or BAD rejects with ImapCommandError.
 */
import { expectOk } from './command-errors.js';
import type { RawImapConnection } from './connection.js';
import { numberValue, parseFetchItems } from './fetch-items.js';
import type { FolderReader } from './folder-reader.js';

export interface FolderSize {
  messages: number;
  bytes: number;
}

export async function folderSize(
  connection: RawImapConnection,
  reader: FolderReader,
  path: string,
): Promise<FolderSize> {
  const opened = await reader.open(path, true);
  if (opened.exists === 0) return { messages: 0, bytes: 0 };
  const sizes = new Map<number, number>();
  connection.listen({
    response: (response) => {
      if (response.kind !== 'data' || response.name !== 'FETCH') return;
      const items = parseFetchItems(response.text, response.literals);
      const uid = numberValue(items.get('UID') ?? null);
      const size = numberValue(items.get('RFC822.SIZE') ?? null);
      if (uid !== undefined && size !== undefined) sizes.set(uid, size);
    },
  });
  try {
    const result = await connection.command('UID FETCH 1:* (RFC822.SIZE)');
    expectOk(connection, 'FetchFailed', `UID FETCH (RFC822.SIZE) in ${path}`, result);
  } finally {
    connection.listen(undefined);
  }
  let bytes = 0;
  for (const size of sizes.values()) bytes += size;
  return { messages: sizes.size, bytes };
}
