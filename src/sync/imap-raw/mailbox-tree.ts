/**
 * The folder tree of an account over a raw connection: NAMESPACE (personal
 * prefix and delimiter) and LIST with subscriptions and special-use
 * attributes (`LIST "" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)` where
 * LIST-EXTENDED is offered, else LIST and LSUB).
 *
 * The result follows what imapflow's list() gave the engine before: names
 * decoded from modified UTF-7, `INBOX` spelled in capitals and always
 * subscribed, `\NonExistent` folders also `\Noselect`, and `specialUse` only
 * from the server's attributes (each role given to one folder: the shallowest,
 * then the first by name), special-use folders listed first.
 */
import { decodeMailboxUtf7 } from '../folders/mutf7.js';
import type { FolderInfo, MailboxTree } from '../types.js';
import type { RawImapConnection } from './connection.js';
import { parseValues, stringValue } from './fetch-items.js';
import { LimitExceeded, MAX_LISTED_MAILBOXES, MAX_MAILBOX_NAME_BYTES } from './limits.js';
import type { Response } from './response-parser.js';

/** RFC 6154 attributes, in the order imapflow checks them. */
const SPECIAL_USE = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'];
const SORT_ORDER = ['\\Inbox', '\\Flagged', '\\Sent', '\\Drafts', '\\All', '\\Archive', '\\Junk', '\\Trash'];

interface Listed {
  path: string;
  delimiter: string;
  flags: string[];
  subscribed: boolean;
}

export async function listMailboxTree(connection: RawImapConnection): Promise<MailboxTree> {
  const namespace = connection.capabilities.has('NAMESPACE') ? await personalNamespace(connection) : undefined;
  const extended = connection.capabilities.has('LIST-EXTENDED');
  const specialUse = connection.capabilities.has('SPECIAL-USE');
  let listed: Listed[] | undefined;
  if (extended) {
    const returns = `SUBSCRIBED CHILDREN${specialUse ? ' SPECIAL-USE' : ''}`;
    listed = await runList(connection, `LIST "" "*" RETURN (${returns})`, 'LIST');
  }
  listed ??= await runList(connection, 'LIST "" "*"', 'LIST');
  if (!listed) throw new Error('LIST failed');
  if (!listed.some((folder) => folder.subscribed)) {
    // No subscription known yet (no LIST-EXTENDED, or really none): ask LSUB.
    const subscribed = new Set((await runList(connection, 'LSUB "" "*"', 'LSUB'))?.map((f) => f.path) ?? []);
    for (const folder of listed) if (subscribed.has(folder.path)) folder.subscribed = true;
  }
  const folders: FolderInfo[] = listed.map((folder) => ({
    path: folder.path,
    delimiter: folder.delimiter,
    flags: folder.flags,
    subscribed: folder.subscribed || folder.path === 'INBOX',
  }));
  if (specialUse) assignSpecialUse(folders);
  const fallbackDelimiter = namespace?.delimiter ?? folders.find((f) => f.delimiter)?.delimiter ?? '/';
  for (const folder of folders) folder.delimiter ||= fallbackDelimiter;
  return {
    folders: sortLikeImapflow(folders),
    namespace: { prefix: namespace?.prefix ?? '', delimiter: fallbackDelimiter },
  };
}

async function personalNamespace(connection: RawImapConnection): Promise<{ prefix: string; delimiter?: string }> {
  let personal: { prefix: string; delimiter?: string } | undefined;
  await withListener(connection, 'NAMESPACE', (response) => {
    if (response.kind !== 'data' || response.name !== 'NAMESPACE') return;
    const [first] = parseValues(response.text, response.literals);
    const entry = Array.isArray(first) ? first[0] : undefined;
    if (!Array.isArray(entry)) return;
    personal = { prefix: stringValue(entry[0] ?? null) ?? '', delimiter: stringValue(entry[1] ?? null) };
  });
  return personal ?? { prefix: '', delimiter: '.' };
}

/** One LIST or LSUB; undefined when the server refuses the command (BAD). */
async function runList(connection: RawImapConnection, command: string, name: string): Promise<Listed[] | undefined> {
  const folders: Listed[] = [];
  const result = await withListener(connection, command, (response) => {
    if (response.kind !== 'data' || response.name !== name) return;
    const [flagList, delimiterValue, nameValue] = parseValues(response.text, response.literals);
    const rawName = stringValue(nameValue ?? null);
    if (rawName === undefined) return;
    if (rawName.length > MAX_MAILBOX_NAME_BYTES) {
      throw new LimitExceeded(`a mailbox name of ${rawName.length} bytes (at most ${MAX_MAILBOX_NAME_BYTES})`);
    }
    const delimiter = stringValue(delimiterValue ?? null) ?? '';
    const flags = (Array.isArray(flagList) ? flagList : []).filter((f): f is string => typeof f === 'string');
    let path = decodeMailboxUtf7(rawName);
    if (path.toUpperCase() === 'INBOX') path = 'INBOX';
    if (delimiter && path.startsWith(delimiter)) path = path.slice(1);
    const subscribed = flags.some((f) => f.toLowerCase() === '\\subscribed');
    const kept = flags.filter((f) => f.toLowerCase() !== '\\subscribed');
    if (kept.some((f) => f.toLowerCase() === '\\nonexistent') && !kept.some((f) => f.toLowerCase() === '\\noselect')) {
      kept.push('\\Noselect');
    }
    folders.push({ path, delimiter, flags: kept, subscribed });
  });
  if (result === 'BAD') return undefined;
  if (result !== 'OK') throw new Error(`${name} failed`);
  return folders;
}

async function withListener(
  connection: RawImapConnection,
  command: string,
  onResponse: (response: Response) => void,
): Promise<string> {
  let failure: unknown;
  connection.listen({
    response: (response) => {
      try {
        if (!failure) onResponse(response);
      } catch (error) {
        // A bound broken: the connection cuts itself (ServerMisbehavedError for every waiter).
        if (error instanceof LimitExceeded) throw error;
        failure = error;
      }
    },
    // Mailbox names may come as literals: a name's worth, no more.
    literal: (_prefix, size) => {
      if (size > MAX_MAILBOX_NAME_BYTES) {
        throw new LimitExceeded(`a mailbox name literal of ${size} bytes (at most ${MAX_MAILBOX_NAME_BYTES})`);
      }
      return Buffer.allocUnsafe(size);
    },
    maxResponses: MAX_LISTED_MAILBOXES,
  });
  try {
    const result = await connection.command(command);
    if (failure) throw failure;
    return result.status;
  } finally {
    connection.listen(undefined);
  }
}

/** Each special-use role to one folder with that attribute: the shallowest, then the first by path. */
function assignSpecialUse(folders: FolderInfo[]): void {
  const depth = (f: FolderInfo) => (f.delimiter ? f.path.split(f.delimiter).length : 1);
  const candidates = folders
    .map((folder) => {
      const flags = new Set(folder.flags.map((f) => f.toLowerCase()));
      const role = SPECIAL_USE.find((flag) => flags.has(flag.toLowerCase()));
      return { folder, role };
    })
    .filter((c): c is { folder: FolderInfo; role: string } => c.role !== undefined)
    .sort((a, b) => depth(a.folder) - depth(b.folder) || a.folder.path.localeCompare(b.folder.path));
  const taken = new Set<string>();
  for (const { folder, role } of candidates) {
    if (taken.has(role)) continue;
    folder.specialUse = role;
    taken.add(role);
  }
}

function sortLikeImapflow(folders: FolderInfo[]): FolderInfo[] {
  const role = (f: FolderInfo) => (f.path === 'INBOX' ? '\\Inbox' : f.specialUse);
  const parts = (f: FolderInfo) => (f.delimiter ? f.path.split(f.delimiter) : [f.path]);
  return folders.sort((a, b) => {
    const ra = role(a);
    const rb = role(b);
    if (ra && !rb) return -1;
    if (!ra && rb) return 1;
    if (ra && rb) return SORT_ORDER.indexOf(ra) - SORT_ORDER.indexOf(rb);
    const pa = parts(a);
    const pb = parts(b);
    for (let i = 0; i < pa.length; i++) {
      if (pa[i] !== pb[i]) return pa[i]!.localeCompare(pb[i] ?? '');
    }
    return a.path.localeCompare(b.path);
  });
}
