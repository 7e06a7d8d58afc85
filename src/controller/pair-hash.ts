/**
 * The account pair: the exclusivity key of a sync. Two MailSyncs that copy
 * the same source account to the same destination account get the same hash,
 * so they get the same Job name and never run at the same time.
 */
import { createHash } from 'node:crypto';
import type { Endpoint, MailSyncSpec } from '../api/spec.js';

/** Hex characters of the hash used in the Job name ("mailsync-" + 16 = 25 characters). */
export const JOB_HASH_CHARS = 16;
export const JOB_NAME_PREFIX = 'mailsync-';

/** The port the engine will use when none is given: 993 for implicit TLS (and auto, which tries it first), else 143. */
export function effectivePort(endpoint: Pick<Endpoint, 'port' | 'tls'>): number {
  if (endpoint.port !== undefined) return endpoint.port;
  const tls = endpoint.tls ?? 'auto';
  return tls === 'implicit' || tls === 'auto' ? 993 : 143;
}

/** host lowercased without a trailing dot, effective port, user as given (IMAP user names may be case-sensitive). */
export function normaliseAccount(endpoint: Pick<Endpoint, 'host' | 'port' | 'tls' | 'user'>): string {
  const host = endpoint.host.trim().toLowerCase().replace(/\.$/, '');
  return `${host}:${effectivePort(endpoint)}/${endpoint.user}`;
}

/** Hex characters kept of the SHA-256 (160 bits): short enough to be a label value (at most 63). */
export const PAIR_HASH_CHARS = 40;

/** SHA-256 (hex, first 40 characters) of the normalised source and destination accounts; also the label value. */
export function pairHash(spec: Pick<MailSyncSpec, 'source' | 'destination'>): string {
  const text = `source=${normaliseAccount(spec.source)}\ndestination=${normaliseAccount(spec.destination)}`;
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
