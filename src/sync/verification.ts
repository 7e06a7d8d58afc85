/**
 * Presence checks on identities as multisets: the verification pass (is every
 * selected source message on the destination, as many times as in the
 * source?) and the move (deleteOnSource: which source UIDs are proven to be
 * on the destination, so deleting them loses nothing).
 */
import type { MessageMeta } from './types.js';

function countIdentities(messages: readonly MessageMeta[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m.identity, (counts.get(m.identity) ?? 0) + 1);
  return counts;
}

/** Source messages without a destination twin (k source copies need k destination copies). */
export function missingOnDestination(
  source: readonly MessageMeta[],
  destination: readonly MessageMeta[],
): MessageMeta[] {
  const available = countIdentities(destination);
  const missing: MessageMeta[] = [];
  for (const m of source) {
    const left = available.get(m.identity) ?? 0;
    if (left > 0) available.set(m.identity, left - 1);
    else missing.push(m);
  }
  return missing;
}

/** Source UIDs whose copy is on the destination: with k source copies and j destination copies, min(k, j) of them. */
export function sourceUidsSafeToDelete(source: readonly MessageMeta[], destination: readonly MessageMeta[]): number[] {
  const available = countIdentities(destination);
  const uids: number[] = [];
  for (const m of source) {
    const left = available.get(m.identity) ?? 0;
    if (left > 0) {
      available.set(m.identity, left - 1);
      uids.push(m.uid);
    }
  }
  return uids;
}
