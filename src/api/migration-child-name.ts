/**
 * Names of a migration's children: `<migration>-<10 hex>` from a hash of the
 * account pair (the same normalised pair as the Job's pair hash), so that the
 * same account pair always maps to the same child (editing the account list
 * leaves the others untouched) and the name stays a valid object name and
 * label value (at most 63 characters).
 */
import { createHash } from 'node:crypto';
import { accountKey } from './endpoint-identity.js';
import type { Endpoint } from './spec.js';

export const CHILD_HASH_CHARS = 10;
const MAX_NAME = 63;

type PairSide = Pick<Endpoint, 'host' | 'port' | 'tls' | 'user'>;

export function accountPairHash(source: PairSide, destination: PairSide): string {
  return createHash('sha256')
    .update(`source=${accountKey(source)}\ndestination=${accountKey(destination)}`)
    .digest('hex')
    .slice(0, CHILD_HASH_CHARS);
}

/** `<migration>-<hash>`, the migration part cut so that the whole has at most 63 characters. */
export function childName(migration: string, source: PairSide, destination: PairSide): string {
  const prefix = migration
    .slice(0, MAX_NAME - CHILD_HASH_CHARS - 1)
    .toLowerCase()
    .replace(/[-.]+$/, '');
  return `${prefix}-${accountPairHash(source, destination)}`;
}
