/**
 * The admission decision, pure: given the running syncs, the syncs waiting
 * for a run slot and the caps, which waiting ones start now, and the place in
 * line of the others with the cap that holds them.
 *
 * Caps: controller-wide (`--max-running`, `--max-running-per-host`: a run
 * counts once for each distinct host it connects to) and per migration
 * (`spec.concurrency.total`, `perSourceHost`, `perDestinationHost`, and the
 * per-host limits `spec.concurrency.auto` chose, in the migration's status).
 *
 * Fairness: the queue is served across groups (migrations; standalone
 * MailSyncs are one group) by giving the next slot to the group with the
 * fewest running syncs (round robin when they are equal), oldest first inside
 * a group. A sync held by a host cap does not block younger syncs of its group
 * that go to other hosts.
 */
import type { AutoConcurrency } from '../../api/migration-spec.js';
import { autoSettings, type HostRole } from './aimd.js';
import { STANDALONE } from './hosts.js';

export interface Caps {
  /** Running syncs at most, controller-wide (undefined or 0: no cap). */
  maxRunning?: number;
  /** Running syncs at most per host, controller-wide. */
  maxRunningPerHost?: number;
}

export interface GroupCaps {
  total?: number;
  perSourceHost?: number;
  perDestinationHost?: number;
  /** spec.concurrency.auto: per host, the limit its migration chose (autoLimits), `initial` before it chose. */
  auto?: AutoConcurrency;
  /** status.concurrency.hosts of the migration, by autoLimitKey(role, host). */
  autoLimits?: Readonly<Record<string, number>>;
}

export const autoLimitKey = (role: HostRole, host: string) => `${role}\n${host}`;

/** The running syncs the migration's auto concurrency allows against `host` in `role` now. */
export function autoLimit(group: GroupCaps, role: HostRole, host: string): number | undefined {
  const settings = autoSettings(group, role);
  if (!settings) return undefined;
  return group.autoLimits?.[autoLimitKey(role, host)] ?? settings.initial;
}

export interface Slot {
  key: string;
  /** "namespace/migration", or STANDALONE. */
  group: string;
  sourceHost: string;
  destinationHost: string;
}

export interface Candidate extends Slot {
  /** Oldest first inside a group (ms since the epoch; ties by key). */
  since: number;
}

export type CapName =
  | 'maxRunning'
  | 'maxRunningPerHost'
  | 'total'
  | 'perSourceHost'
  | 'perDestinationHost'
  | 'autoSourceHost'
  | 'autoDestinationHost';

export interface Hold {
  cap: CapName;
  limit: number;
  host?: string;
  group?: string;
}

export interface AdmissionInput {
  running: readonly Slot[];
  waiting: readonly Candidate[];
  caps: Caps;
  groupCaps(group: string): GroupCaps | undefined;
}

export interface AdmissionResult {
  /** Keys to start now, in the order they were given their slots. */
  start: string[];
  /** The others: place in line (1 = next) and the cap that holds them. */
  queued: Map<string, { position: number; hold: Hold }>;
}

const positive = (n: number | undefined): n is number => n !== undefined && n > 0;

/** Running syncs counted the ways the caps need. */
class Counts {
  total = 0;
  readonly perHost = new Map<string, number>();
  readonly perGroup = new Map<string, number>();
  readonly perGroupSource = new Map<string, number>();
  readonly perGroupDestination = new Map<string, number>();

  add(slot: Slot): void {
    this.total++;
    for (const host of hostsOf(slot)) bump(this.perHost, host);
    bump(this.perGroup, slot.group);
    bump(this.perGroupSource, `${slot.group}\n${slot.sourceHost}`);
    bump(this.perGroupDestination, `${slot.group}\n${slot.destinationHost}`);
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function hostsOf(slot: Slot): string[] {
  return slot.sourceHost === slot.destinationHost ? [slot.sourceHost] : [slot.sourceHost, slot.destinationHost];
}

/** The first cap `candidate` would exceed, if any. */
function holdOf(candidate: Slot, counts: Counts, input: AdmissionInput): Hold | undefined {
  const { caps } = input;
  if (positive(caps.maxRunning) && counts.total >= caps.maxRunning) {
    return { cap: 'maxRunning', limit: caps.maxRunning };
  }
  if (positive(caps.maxRunningPerHost)) {
    for (const host of hostsOf(candidate)) {
      if ((counts.perHost.get(host) ?? 0) >= caps.maxRunningPerHost) {
        return { cap: 'maxRunningPerHost', limit: caps.maxRunningPerHost, host };
      }
    }
  }
  if (candidate.group === STANDALONE) return undefined;
  const group = input.groupCaps(candidate.group);
  if (!group) return undefined;
  if (positive(group.total) && (counts.perGroup.get(candidate.group) ?? 0) >= group.total) {
    return { cap: 'total', limit: group.total, group: candidate.group };
  }
  const source = counts.perGroupSource.get(`${candidate.group}\n${candidate.sourceHost}`) ?? 0;
  if (positive(group.perSourceHost) && source >= group.perSourceHost) {
    return { cap: 'perSourceHost', limit: group.perSourceHost, host: candidate.sourceHost, group: candidate.group };
  }
  const destination = counts.perGroupDestination.get(`${candidate.group}\n${candidate.destinationHost}`) ?? 0;
  if (positive(group.perDestinationHost) && destination >= group.perDestinationHost) {
    return {
      cap: 'perDestinationHost',
      limit: group.perDestinationHost,
      host: candidate.destinationHost,
      group: candidate.group,
    };
  }
  if (group.auto) {
    const sourceLimit = autoLimit(group, 'source', candidate.sourceHost);
    if (sourceLimit !== undefined && source >= sourceLimit) {
      return { cap: 'autoSourceHost', limit: sourceLimit, host: candidate.sourceHost, group: candidate.group };
    }
    const destinationLimit = autoLimit(group, 'destination', candidate.destinationHost);
    if (destinationLimit !== undefined && destination >= destinationLimit) {
      return {
        cap: 'autoDestinationHost',
        limit: destinationLimit,
        host: candidate.destinationHost,
        group: candidate.group,
      };
    }
  }
  return undefined;
}

const byAge = (a: Candidate, b: Candidate) => a.since - b.since || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Which group is served next: fewest running, then the oldest candidate, then the name. */
function before(
  a: { group: string; count: number; head: Candidate },
  b: { group: string; count: number; head: Candidate },
): boolean {
  if (a.count !== b.count) return a.count < b.count;
  const age = byAge(a.head, b.head);
  if (age !== 0) return age < 0;
  return a.group < b.group;
}

function groupsOf(waiting: readonly Candidate[]): Map<string, Candidate[]> {
  const groups = new Map<string, Candidate[]>();
  for (const candidate of waiting) {
    const list = groups.get(candidate.group);
    if (list) list.push(candidate);
    else groups.set(candidate.group, [candidate]);
  }
  for (const list of groups.values()) list.sort(byAge);
  return groups;
}

export function decideAdmission(input: AdmissionInput): AdmissionResult {
  const counts = new Counts();
  for (const slot of input.running) counts.add(slot);
  const groups = groupsOf(input.waiting);
  const start: string[] = [];

  // Admit while some group has a candidate that fits every cap.
  for (;;) {
    if (positive(input.caps.maxRunning) && counts.total >= input.caps.maxRunning) break;
    let best: { group: string; count: number; head: Candidate; index: number } | undefined;
    for (const [group, list] of groups) {
      const index = list.findIndex((c) => holdOf(c, counts, input) === undefined);
      if (index < 0) continue;
      const option = { group, count: counts.perGroup.get(group) ?? 0, head: list[index]!, index };
      if (!best || before(option, best)) best = option;
    }
    if (!best) break;
    groups.get(best.group)!.splice(best.index, 1);
    counts.add(best.head);
    start.push(best.head.key);
  }

  // The rest in the order they would be served if every cap opened at once.
  const queued = new Map<string, { position: number; hold: Hold }>();
  const served = new Map(counts.perGroup);
  const heads = new Map([...groups].filter(([, list]) => list.length > 0).map(([g]) => [g, 0]));
  let position = 0;
  while (heads.size > 0) {
    let next: { group: string; count: number; head: Candidate } | undefined;
    for (const [group, index] of heads) {
      const option = { group, count: served.get(group) ?? 0, head: groups.get(group)![index]! };
      if (!next || before(option, next)) next = option;
    }
    const { group, head } = next!;
    served.set(group, (served.get(group) ?? 0) + 1);
    const index = heads.get(group)! + 1;
    if (index < groups.get(group)!.length) heads.set(group, index);
    else heads.delete(group);
    // Every candidate left is held by some cap (else the loop above would have admitted it).
    const hold = holdOf(head, counts, input) ?? { cap: 'maxRunning', limit: input.caps.maxRunning ?? 0 };
    queued.set(head.key, { position: ++position, hold });
  }
  return { start, queued };
}

/** The hold in words, for the Queued condition (no position: it changes often, the condition should not). */
export function describeHold(hold: Hold): string {
  switch (hold.cap) {
    case 'maxRunning':
      return `${hold.limit} syncs are running, the controller's --max-running`;
    case 'maxRunningPerHost':
      return `${hold.limit} syncs are running against ${hold.host}, the controller's --max-running-per-host`;
    case 'total':
      return `${hold.limit} syncs of migration ${hold.group} are running, its spec.concurrency.total`;
    case 'perSourceHost':
      return `${hold.limit} syncs of migration ${hold.group} are running against source host ${hold.host}, its spec.concurrency.perSourceHost`;
    case 'perDestinationHost':
      return `${hold.limit} syncs of migration ${hold.group} are running against destination host ${hold.host}, its spec.concurrency.perDestinationHost`;
    case 'autoSourceHost':
      return `${hold.limit} syncs of migration ${hold.group} are running against source host ${hold.host}, the number its spec.concurrency.auto chose (status.concurrency)`;
    case 'autoDestinationHost':
      return `${hold.limit} syncs of migration ${hold.group} are running against destination host ${hold.host}, the number its spec.concurrency.auto chose (status.concurrency)`;
  }
}
