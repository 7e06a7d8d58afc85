/**
 * Presence checks on identities as multisets: the verification pass (is every
 * selected source message on the destination, as many times as in the
 * source?) and the move (deleteOnSource: which source UIDs are proven to be
 * on the destination, so deleting them loses nothing), and which twins a server
 * changed (8-bit header bytes rewritten).
 *
 * Both walk the two lists in identity order (see plan.ts): no per-message
 * object, 4 bytes a message for each order.
 */
import type { MessageList } from './message-list.js';
import { walkIdentityGroups } from './plan.js';

/** Which source messages are expected on the destination (by index); all of them by default. */
export type Expected = (sourceIndex: number) => boolean;

const ALL: Expected = () => true;

/**
 * UIDs of the expected source messages without a destination twin (k source
 * copies need k destination copies; the copies with the highest UIDs are the
 * ones missing), ascending.
 */
export function missingOnDestination(
  source: MessageList,
  destination: MessageList,
  expected: Expected = ALL,
): number[] {
  return verifyFolder(source, destination, expected).missing;
}

/** Source UIDs whose copy is on the destination: with k source copies and j destination copies, min(k, j) of them. */
export function sourceUidsSafeToDelete(
  source: MessageList,
  destination: MessageList,
  expected: Expected = ALL,
): number[] {
  const uids: number[] = [];
  pairUp(source, destination, expected, (uid, paired) => {
    if (paired) uids.push(uid);
  });
  return uids.sort((a, b) => a - b);
}

/**
 * Source UIDs whose destination twin has other 8-bit header bytes (identity.ts): the destination
 * server rewrote the copy (Cyrus's munge8bit turns them into 'X'). The twin is recognised, so
 * nothing is copied again; the copy is not byte-identical, which the run reports. Ascending.
 */
export function changedOnDestination(
  source: MessageList,
  destination: MessageList,
  expected: Expected = ALL,
): number[] {
  return verifyFolder(source, destination, expected).changed;
}

/** The verification pass in one walk: missingOnDestination and changedOnDestination. */
export function verifyFolder(
  source: MessageList,
  destination: MessageList,
  expected: Expected = ALL,
): { missing: number[]; changed: number[] } {
  const missing: number[] = [];
  const changed: number[] = [];
  // Nearly every folder has no 8-bit header bytes on either side: then no twin can differ in them.
  const compareBytes = source.hasEightBitHeaders || destination.hasEightBitHeaders;
  pairUp(source, destination, expected, (uid, paired, sourceIndex, twin) => {
    if (!paired) missing.push(uid);
    else if (compareBytes && !source.sameEightBitBytes(sourceIndex, destination, twin)) changed.push(uid);
  });
  return { missing: missing.sort((a, b) => a - b), changed: changed.sort((a, b) => a - b) };
}

/**
 * Each expected source message, in UID order within its identity, with whether a destination copy
 * is left for it (and which: `twin`, a destination index, when paired).
 */
function pairUp(
  source: MessageList,
  destination: MessageList,
  expected: Expected,
  each: (uid: number, paired: boolean, sourceIndex: number, twin: number) => void,
): void {
  const sourceOrder = source.identityOrder();
  const destinationOrder = destination.identityOrder();
  walkIdentityGroups(source, sourceOrder, destination, destinationOrder, (s0, s1, d0, d1) => {
    let next = d0;
    for (let p = s0; p < s1; p++) {
      const index = sourceOrder[p]!;
      if (!expected(index)) continue;
      const paired = next < d1;
      each(source.uid(index), paired, index, paired ? destinationOrder[next]! : -1);
      if (paired) next++;
    }
  });
}
