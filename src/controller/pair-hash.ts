/**
 * The account pair: the exclusivity key of a sync. Two MailSyncs that copy
 * the same source account to the same destination account get the same hash,
 * so they get the same Job name and never run at the same time.
 */
import { createHash } from 'node:crypto';
import { accountKey } from '../api/endpoint-identity.js';
import type { MailSyncSpec } from '../api/spec.js';

/** Hex characters of the hash used in the Job name ("mailsync-" + 16 = 25 characters). */
export const JOB_HASH_CHARS = 16;
export const JOB_NAME_PREFIX = 'mailsync-';

/** Hex characters kept of the SHA-256 (160 bits): short enough to be a label value (at most 63). */
export const PAIR_HASH_CHARS = 40;

/**
 * SHA-256 (hex, first 40 characters) of the normalised source and destination
 * accounts (src/api/endpoint-identity.ts); also the label value.
 */
export function pairHash(spec: Pick<MailSyncSpec, 'source' | 'destination'>): string {
  const text = `source=${accountKey(spec.source)}\ndestination=${accountKey(spec.destination)}`;
  return createHash('sha256').update(text).digest('hex').slice(0, PAIR_HASH_CHARS);
}

/** Job name for the pair: `mailsync-<16 hex>`, well under the 63 characters a Job name may have. */
export function jobNameForPair(hash: string): string {
  return `${JOB_NAME_PREFIX}${hash.slice(0, JOB_HASH_CHARS)}`;
}

/**
 * Name of the ConfigMap holding a MailSync's spec (for the worker) and delta
 * state (between runs). Derived from the MailSync name; cut and suffixed with a
 * hash when too long for a DNS subdomain.
 */
export function configMapName(mailSyncName: string): string {
  const name = `mailsync-${mailSyncName}`;
  if (name.length <= 253) return name;
  const suffix = createHash('sha256').update(mailSyncName).digest('hex').slice(0, 10);
  return `${name.slice(0, 253 - 11).replace(/[-.]+$/, '')}-${suffix}`;
}
