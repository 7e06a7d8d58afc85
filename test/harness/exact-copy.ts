/**
 * "The destination is an exact copy of the source": the check the benchmark
 * (bench/run.ts) and the fault matrix (test/integration/faults) use. Both
 * servers are listed independently of the engine (mailbox.ts: BODY.PEEK[],
 * FLAGS, INTERNALDATE) and compared as multisets of "folder sha256 flags date"
 * lines: every source message once, bodies byte-identical, flags and keywords,
 * INTERNALDATE, and no extra copy. Folder names are compared without the
 * personal prefix and with `/` as separator, so the two harness flavours
 * ('INBOX.Work.Sub' and 'Work/Sub') match; `folders: false` drops the folder
 * (the benchmark's whole-mailbox comparison).
 */
import type { DovecotServer } from './dovecot.js';
import { type ListedFolder, listMailbox } from './mailbox.js';

export interface MailboxDigest {
  /** One sorted line per message: "[folder ]sha256 flags internalDate". */
  lines: string[];
  bytes: number;
}

/** 'INBOX.Work.Sub' (prefix INBOX., separator .) and 'Work/Sub' both become 'Work/Sub'; INBOX stays INBOX. */
export function neutralFolderName(server: Pick<DovecotServer, 'prefix' | 'separator'>, path: string): string {
  const bare = server.prefix && path.startsWith(server.prefix) ? path.slice(server.prefix.length) : path;
  return bare.split(server.separator).join('/');
}

export function digestOf(
  server: Pick<DovecotServer, 'prefix' | 'separator'>,
  listing: ListedFolder[],
  options: { folders?: boolean } = {},
): MailboxDigest {
  const withFolder = options.folders ?? true;
  const lines: string[] = [];
  let bytes = 0;
  for (const folder of listing) {
    const name = neutralFolderName(server, folder.path);
    for (const m of folder.messages) {
      lines.push(`${withFolder ? `${name} ` : ''}${m.sha256} ${m.flags.join(',')} ${m.internalDate}`);
      bytes += m.size;
    }
  }
  return { lines: lines.sort(), bytes };
}

/** All messages of a mailbox as one sorted multiset (see digestOf). */
export async function mailboxDigest(
  server: DovecotServer,
  user: string,
  options: { folders?: boolean } = {},
): Promise<MailboxDigest> {
  return digestOf(server, await listMailbox(server, user), options);
}

export interface ExactCopyReport {
  /** The destination holds exactly the source's messages (multiset equality). */
  exact: boolean;
  /** The same bodies, ignoring flags and dates. */
  sameBodies: boolean;
  sourceMessages: number;
  destinationMessages: number;
  /** Source lines without a destination twin (k source copies need k destination copies). */
  missing: string[];
  /** Destination lines without a source twin: extra copies (duplicates) or altered messages. */
  extra: string[];
}

/** Multiset difference of two sorted line lists. */
function difference(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of b) counts.set(line, (counts.get(line) ?? 0) + 1);
  const left: string[] = [];
  for (const line of a) {
    const n = counts.get(line) ?? 0;
    if (n > 0) counts.set(line, n - 1);
    else left.push(line);
  }
  return left;
}

export function compareDigests(source: MailboxDigest, destination: MailboxDigest): ExactCopyReport {
  const missing = difference(source.lines, destination.lines);
  const extra = difference(destination.lines, source.lines);
  const bodies = (lines: string[]) => lines.map((line) => line.split(' ').at(-3)!).sort();
  const sourceBodies = bodies(source.lines);
  const destinationBodies = bodies(destination.lines);
  return {
    exact: missing.length === 0 && extra.length === 0,
    sameBodies:
      sourceBodies.length === destinationBodies.length && sourceBodies.every((b, i) => b === destinationBodies[i]),
    sourceMessages: source.lines.length,
    destinationMessages: destination.lines.length,
    missing,
    extra,
  };
}

/** Lists both mailboxes and compares them (see the module comment). */
export async function compareMailboxes(
  source: { server: DovecotServer; user: string },
  destination: { server: DovecotServer; user: string },
  options: { folders?: boolean } = {},
): Promise<ExactCopyReport> {
  const [src, dst] = await Promise.all([
    mailboxDigest(source.server, source.user, options),
    mailboxDigest(destination.server, destination.user, options),
  ]);
  return compareDigests(src, dst);
}
