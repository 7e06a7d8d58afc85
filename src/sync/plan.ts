/**
 * The plan for one folder pair: what to append, which flags to fix, what to
 * delete, from the two sides' message lists (identity, UID, flags, size,
 * INTERNALDATE).
 *
 * Messages are compared as a multiset of identities: when the source holds k
 * copies of an identity and the destination j, the copies are paired in UID
 * order and the k - j source copies without a twin (the ones with the highest
 * UIDs) are copied. After a finished sync every source copy has a twin, so a
 * re-run copies nothing; and since appended copies get higher destination
 * UIDs, the pairing stays the same from run to run (flags follow their twin).
 *
 * Filters (size, age) decide which source messages this run touches:
 * - a filtered source message without a destination twin is not copied
 *   (counted in filteredOut);
 * - one that has a twin counts as already present, but its flags are left
 *   alone;
 * - deleteOnDestination never deletes the twin of a filtered source message:
 *   filtering is "leave these alone", not "remove these". Twins are given to
 *   the messages that pass the filters first (those are the ones this tool
 *   copies), then to the filtered ones.
 * So every source message lands in exactly one of copy, alreadyPresent and
 * filteredOut.
 *
 * deleteOnDestination (imapsync --delete2): destination copies beyond the
 * source's count of their identity, and those of identities the source does
 * not have, are deleted.
 *
 * Memory: both sides are compact MessageLists; each is ordered by (identity,
 * UID) into one index array (4 bytes a message) and the two orders are walked
 * together, group by group. The copies are a selection of source indexes;
 * only the changes (flag updates, deletes) are objects.
 */
import type { Filters } from '../api/spec.js';
import { type Filterable, passesFilters } from './filters.js';
import { diffFlags } from './flags.js';
import type { MessageList, MessageSelection } from './message-list.js';
import type { FlagUpdate } from './types.js';

export interface FolderPlan {
  /** Source messages to append to the destination, in source UID order. */
  copy: MessageSelection;
  /** Destination messages whose flags differ from their source twin. */
  flagUpdates: FlagUpdate[];
  /** Destination UIDs to delete (only with deleteOnDestination). */
  deleteOnDestination: number[];
  /** Source messages already present on the destination. */
  alreadyPresent: number;
  /** Of alreadyPresent, the extra copies of an identity seen more than once in the source folder. */
  duplicates: number;
  /** Source messages skipped by size/age filters. */
  filteredOut: number;
}

export interface PlanOptions {
  syncFlags: boolean;
  deleteOnDestination: boolean;
  filters?: Filters;
  now: Date;
  /** The destination folder's PERMANENTFLAGS (keywords it cannot store are not compared). */
  destinationPermanentFlags?: string[];
}

/** Whether message `index` of `list` passes the size and age filters. */
export function passesAt(list: MessageList, index: number, filters: Filters | undefined, now: Date): boolean {
  if (!filters) return true;
  const message: Filterable = { size: list.size(index), internalDate: new Date(list.internalDateMs(index)) };
  return passesFilters(message, filters, now);
}

/**
 * Runs of equal identity in two identity orders, walked together: `each` gets
 * each identity's source run [s0, s1) and destination run [d0, d1) (either may
 * be empty) as positions in the orders.
 */
export function walkIdentityGroups(
  source: MessageList,
  sourceOrder: Uint32Array,
  destination: MessageList,
  destinationOrder: Uint32Array,
  each: (s0: number, s1: number, d0: number, d1: number) => void,
): void {
  let s = 0;
  let d = 0;
  while (s < sourceOrder.length || d < destinationOrder.length) {
    let cmp: number;
    if (s >= sourceOrder.length) cmp = 1;
    else if (d >= destinationOrder.length) cmp = -1;
    else cmp = source.compareIdentity(sourceOrder[s]!, destination, destinationOrder[d]!);
    let s1 = s;
    let d1 = d;
    if (cmp <= 0) {
      s1 = s + 1;
      while (s1 < sourceOrder.length && source.compareIdentity(sourceOrder[s]!, source, sourceOrder[s1]!) === 0) s1++;
    }
    if (cmp >= 0) {
      d1 = d + 1;
      while (
        d1 < destinationOrder.length &&
        destination.compareIdentity(destinationOrder[d]!, destination, destinationOrder[d1]!) === 0
      )
        d1++;
    }
    each(s, s1, d, d1);
    s = s1;
    d = d1;
  }
}

export function planFolder(source: MessageList, destination: MessageList, options: PlanOptions): FolderPlan {
  const flagUpdates: FlagUpdate[] = [];
  const deleteOnDestination: number[] = [];
  let copyIndexes = new Uint32Array(0);
  let copyCount = 0;
  let alreadyPresent = 0;
  let duplicates = 0;
  let filteredOut = 0;
  const sourceOrder = source.identityOrder();
  const destinationOrder = destination.identityOrder();
  const kept: number[] = [];

  walkIdentityGroups(source, sourceOrder, destination, destinationOrder, (s0, s1, d0, d1) => {
    const copies = s1 - s0;
    const twins = d1 - d0;
    // Source copies in UID order: those passing the filters get twins first.
    kept.length = 0;
    for (let p = s0; p < s1; p++) {
      const index = sourceOrder[p]!;
      if (passesAt(source, index, options.filters, options.now)) kept.push(index);
    }
    const filtered = copies - kept.length;
    const keptPaired = Math.min(kept.length, twins);
    const filteredPaired = Math.min(filtered, twins - keptPaired);
    const present = keptPaired + filteredPaired;

    for (let i = keptPaired; i < kept.length; i++) {
      if (copyCount === copyIndexes.length) {
        const bigger = new Uint32Array(Math.max(64, copyIndexes.length * 2));
        bigger.set(copyIndexes);
        copyIndexes = bigger;
      }
      copyIndexes[copyCount++] = kept[i]!;
    }
    filteredOut += filtered - filteredPaired;
    alreadyPresent += present;
    duplicates += Math.max(0, present - 1);

    if (options.syncFlags) {
      for (let i = 0; i < keptPaired; i++) {
        const twin = destinationOrder[d0 + i]!;
        const { add, remove } = diffFlags(
          source.flags(kept[i]!),
          destination.flags(twin),
          options.destinationPermanentFlags,
        );
        if (add.length > 0 || remove.length > 0) {
          flagUpdates.push({ destinationUid: destination.uid(twin), add, remove });
        }
      }
    }
    if (options.deleteOnDestination) {
      // Twins beyond the source's count (all of them when the source has none of this identity).
      for (let p = d0 + copies; p < d1; p++) deleteOnDestination.push(destination.uid(destinationOrder[p]!));
    }
  });

  const copyOrder = copyIndexes.slice(0, copyCount).sort((a, b) => source.uid(a) - source.uid(b));
  const copy = source.select(copyOrder);
  flagUpdates.sort((a, b) => a.destinationUid - b.destinationUid);
  deleteOnDestination.sort((a, b) => a - b);
  return { copy, flagUpdates, deleteOnDestination, alreadyPresent, duplicates, filteredOut };
}
