/**
 * Names of a migration's children: `<migration>-<10 hex>` from a hash of the
 * account pair, so that the same account pair always maps to the same child
 * (editing the account list keeps the others untouched) and the name stays a
 * valid object name and label value (at most 63 characters).
 */
import { createHash } from 'node:crypto';

export const CHILD_HASH_CHARS = 10;
const MAX_NAME = 63;

export interface PairSide {
  host: string;
  port?: number;
  user: string;
}

/** host lowercased without a trailing dot, the port when given, the user as given (IMAP users may be case-sensitive). */
const side = (s: PairSide) => `${s.host.trim().toLowerCase().replace(/\.$/, '')}:${s.port ?? ''}/${s.user}`;

export function accountPairHash(source: PairSide, destination: PairSide): string {
  return createHash('sha256')
    .update(`source=${side(source)}\ndestination=${side(destination)}`)
    .digest('hex')
    .slice(0, CHILD_HASH_CHARS);
}

/** `<migration>-<hash>`, the migration part cut so that the whole has at most 63 characters. */
export function childName(migration: string, source: PairSide, destination: PairSide): string {
  const hash = accountPairHash(source, destination);
  const prefix = migration
    .slice(0, MAX_NAME - CHILD_HASH_CHARS - 1)
    .toLowerCase()
    .replace(/[-.]+$/, '');
  return `${prefix}-${hash}`;
}
