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
 */
import type { Filters } from '../api/spec.js';
import { passesFilters } from './filters.js';
import { diffFlags } from './flags.js';
import type { FlagUpdate, FolderPlan, MessageMeta } from './types.js';

export interface PlanOptions {
  syncFlags: boolean;
  deleteOnDestination: boolean;
  filters?: Filters;
  now: Date;
  /** The destination folder's PERMANENTFLAGS (keywords it cannot store are not compared). */
  destinationPermanentFlags?: string[];
}

function byUid(a: MessageMeta, b: MessageMeta): number {
  return a.uid - b.uid;
}

function groupByIdentity(messages: readonly MessageMeta[]): Map<string, MessageMeta[]> {
  const groups = new Map<string, MessageMeta[]>();
  for (const message of [...messages].sort(byUid)) {
    const group = groups.get(message.identity);
    if (group) group.push(message);
    else groups.set(message.identity, [message]);
  }
  return groups;
}

export function planFolder(
  source: readonly MessageMeta[],
  destination: readonly MessageMeta[],
  options: PlanOptions,
): FolderPlan {
  const plan: FolderPlan = {
    copy: [],
    flagUpdates: [],
    deleteOnDestination: [],
    alreadyPresent: 0,
    duplicates: 0,
    filteredOut: 0,
  };
  const destinationGroups = groupByIdentity(destination);

  for (const [identity, copies] of groupByIdentity(source)) {
    const twins = destinationGroups.get(identity) ?? [];
    const kept = copies.filter((message) => passesFilters(message, options.filters, options.now));
    const filtered = copies.length - kept.length;

    const keptPaired = Math.min(kept.length, twins.length);
    const filteredPaired = Math.min(filtered, twins.length - keptPaired);
    const present = keptPaired + filteredPaired;

    plan.copy.push(...kept.slice(keptPaired));
    plan.filteredOut += filtered - filteredPaired;
    plan.alreadyPresent += present;
    plan.duplicates += Math.max(0, present - 1);

    if (options.syncFlags) {
      for (let i = 0; i < keptPaired; i++) {
        const twin = twins[i]!;
        const { add, remove } = diffFlags(kept[i]!.flags, twin.flags, options.destinationPermanentFlags);
        if (add.length > 0 || remove.length > 0) plan.flagUpdates.push({ destinationUid: twin.uid, add, remove });
      }
    }
    if (options.deleteOnDestination) {
      plan.deleteOnDestination.push(...twins.slice(copies.length).map((message) => message.uid));
    }
  }

  if (options.deleteOnDestination) {
    const sourceIdentities = new Set(source.map((message) => message.identity));
    for (const [identity, copies] of destinationGroups) {
      if (!sourceIdentities.has(identity)) {
        plan.deleteOnDestination.push(...copies.map((message) => message.uid));
      }
    }
  }

  plan.copy.sort(byUid);
  plan.flagUpdates.sort((a: FlagUpdate, b: FlagUpdate) => a.destinationUid - b.destinationUid);
  plan.deleteOnDestination.sort((a, b) => a - b);
  return plan;
}
