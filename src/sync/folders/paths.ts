/**
 * Small helpers on mailbox paths: INBOX handling, namespace prefixes,
 * splitting on the hierarchy delimiter, and a deterministic order.
 */
import type { MailboxTree, PersonalNamespace } from '../types.js';

/** RFC 3501: the name INBOX is case-insensitive (`inbox`, `Inbox` and `INBOX` are the same mailbox). */
export function isInbox(path: string): boolean {
  return path.toUpperCase() === 'INBOX';
}

export function splitPath(path: string, delimiter: string): string[] {
  return delimiter === '' ? [path] : path.split(delimiter);
}

/** The path with a leading INBOX component (any case) spelled `INBOX`, so `inbox.Sent` and `INBOX.Sent` compare equal. */
export function canonicalPath(path: string, delimiter: string): string {
  const [first, ...rest] = splitPath(path, delimiter);
  if (first === undefined || !isInbox(first)) return path;
  return ['INBOX', ...rest].join(delimiter);
}

/** The hierarchy delimiter of a tree: the namespace's, else the one its folders report, else `/`. */
export function treeDelimiter(tree: MailboxTree): string {
  if (tree.namespace.delimiter) return tree.namespace.delimiter;
  return tree.folders.find((folder) => folder.delimiter)?.delimiter ?? '/';
}

/**
 * The personal namespace prefix, always ending with the delimiter when not
 * empty (a few servers announce `INBOX` instead of `INBOX.`).
 */
export function namespacePrefix(namespace: PersonalNamespace, delimiter: string): string {
  const { prefix } = namespace;
  if (prefix === '' || delimiter === '' || prefix.endsWith(delimiter)) return prefix;
  return prefix + delimiter;
}

/**
 * The path without the namespace prefix, or undefined when the path is not
 * under it. The INBOX part of an `INBOX.` prefix matches in any case.
 */
export function stripPrefix(path: string, prefix: string): string | undefined {
  if (prefix === '') return path;
  const head = path.slice(0, prefix.length);
  const matches =
    head === prefix || (prefix.toUpperCase().startsWith('INBOX') && head.toUpperCase() === prefix.toUpperCase());
  return matches ? path.slice(prefix.length) : undefined;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Deterministic order: INBOX first, then component by component in code
 * unit order (a parent sorts before its children). No locale involved, so the
 * order is the same on every machine.
 */
export function comparePaths(a: string, b: string, delimiter: string): number {
  const aInbox = isInbox(a);
  const bInbox = isInbox(b);
  if (aInbox !== bInbox) return aInbox ? -1 : 1;
  const aParts = splitPath(a, delimiter);
  const bParts = splitPath(b, delimiter);
  for (let i = 0; i < Math.min(aParts.length, bParts.length); i++) {
    const order = compareStrings(aParts[i]!, bParts[i]!);
    if (order !== 0) return order;
  }
  return aParts.length - bParts.length;
}
