/**
 * Watch claims: which Helm release's controller watches which namespaces, so that two releases never
 * reconcile the same MailSyncs (each has its own leader Lease, so leader election alone would let
 * both run). Each controller writes its claim on its own leader Lease (label + annotations); at start
 * it reads every other claim and refuses to start when one overlaps its namespaces. Pure: the Lease
 * in, the decision out (release-check.ts does the API calls).
 *
 * Who wins an overlap:
 * - a release whose leader is renewing its Lease (it runs) beats one that is only starting;
 * - between two starting releases (neither holds its Lease: both just installed, or both were down),
 *   the earlier claim wins, ties broken by release name, so both come to the same answer. A claim
 *   keeps its start (claimed-since) while its release keeps checking or leading, so a restart does
 *   not make it younger;
 * - a claim not renewed and not re-checked for longer than the stale time (its release was
 *   uninstalled, scaled to zero, or is refused and waits in a long back-off) blocks nobody; until
 *   then a release between two leaders (a rolling update) still counts, as a starting one.
 * Both sides write before they read, so two releases starting at the same moment see each other.
 * The claim times come from the controllers' clocks: nodes whose clocks differ by more than the
 * gap between two starts could both win (NTP keeps that well under a second).
 */
import type { V1Lease } from '@kubernetes/client-node';

export const LABEL_WATCH_CLAIM = 'mailsync.io/watch-claim';
export const ANNOTATION_RELEASE = 'mailsync.io/release';
export const ANNOTATION_WATCH_NAMESPACES = 'mailsync.io/watch-namespaces';
export const ANNOTATION_CLAIMED_SINCE = 'mailsync.io/claimed-since';
export const ANNOTATION_CHECKED_AT = 'mailsync.io/checked-at';

/** The namespaces a controller watches: a list, or every namespace. */
export type Watched = 'all' | readonly string[];

export interface WatchClaim {
  /** `<namespace>/<name>` of the Helm release. */
  release: string;
  /** `<namespace>/<name>` of the Lease holding the claim. */
  lease: string;
  namespaces: Watched;
  /** Since when the release claims these namespaces without a break (ms since the epoch; 0 when unreadable). */
  since: number;
  /** When one of its controllers last checked (and so re-wrote the claim) (ms; 0 when unreadable). */
  checkedAt: number;
  /** Until when its leader's last renewal holds the Lease (ms; 0 when nobody holds it). */
  heldUntil: number;
  /**
   * The Lease's last renewTime (ms; 0 when never renewed), also when nobody holds it: a leader that
   * stops (a rolling update) releases the Lease with a last renewal, and its release's claim lives on.
   */
  renewedAt: number;
}

export interface OwnClaim {
  release: string;
  namespaces: Watched;
  since: number;
  /** Our own Lease is held right now (another replica of this release, or our previous process, leads). */
  established: boolean;
}

export interface ClaimConflict {
  release: string;
  lease: string;
  /** The namespaces both watch ('all' when both watch every namespace). */
  shared: Watched;
  /** The other release runs (its leader renews its Lease). */
  running: boolean;
}

export function watchedFromList(namespaces: readonly string[]): Watched {
  return namespaces.length === 0 ? 'all' : [...new Set(namespaces)].sort();
}

export function claimAnnotations(
  release: string,
  namespaces: Watched,
  since: number,
  now: number,
): Record<string, string> {
  return {
    [ANNOTATION_RELEASE]: release,
    [ANNOTATION_WATCH_NAMESPACES]: namespaces === 'all' ? '*' : namespaces.join(','),
    [ANNOTATION_CLAIMED_SINCE]: new Date(since).toISOString(),
    [ANNOTATION_CHECKED_AT]: new Date(now).toISOString(),
  };
}

const time = (value: unknown): number => {
  const ms = value ? Date.parse(String(value)) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
};

/** The claim a Lease carries, or undefined when it carries none. */
export function claimFromLease(lease: V1Lease): WatchClaim | undefined {
  const annotations = lease.metadata?.annotations ?? {};
  const release = annotations[ANNOTATION_RELEASE];
  const list = annotations[ANNOTATION_WATCH_NAMESPACES];
  if (!release || list === undefined) return undefined;
  const namespaces =
    list.trim() === '*'
      ? 'all'
      : watchedFromList(
          list
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
        );
  const spec = lease.spec ?? {};
  const renewed = time(spec.renewTime);
  return {
    release,
    lease: `${lease.metadata?.namespace ?? ''}/${lease.metadata?.name ?? ''}`,
    namespaces,
    since: time(annotations[ANNOTATION_CLAIMED_SINCE]),
    checkedAt: time(annotations[ANNOTATION_CHECKED_AT]),
    heldUntil: spec.holderIdentity && renewed ? renewed + (spec.leaseDurationSeconds ?? 0) * 1000 : 0,
    renewedAt: renewed,
  };
}

const isStale = (claim: WatchClaim, now: number, staleMs: number) =>
  Math.max(claim.heldUntil, claim.renewedAt, claim.checkedAt) + staleMs < now;

const sameWatched = (a: Watched, b: Watched) =>
  a === 'all' || b === 'all' ? a === b : a.length === b.length && a.every((n) => b.includes(n));

/**
 * The claimed-since of the claim we write now: the previous one's when our release held this same
 * claim without a break (it still leads, or re-checked within the stale time), else now.
 */
export function claimSince(
  previous: WatchClaim | undefined,
  release: string,
  namespaces: Watched,
  now: number,
  staleMs: number,
): number {
  const continues =
    previous &&
    previous.since > 0 &&
    previous.release === release &&
    sameWatched(previous.namespaces, namespaces) &&
    !isStale(previous, now, staleMs);
  return continues ? previous.since : now;
}

/** The namespaces both watch: 'all', a non-empty list, or undefined when they share none. */
export function sharedNamespaces(a: Watched, b: Watched): Watched | undefined {
  if (a === 'all') return b;
  if (b === 'all') return a;
  const shared = a.filter((n) => b.includes(n));
  return shared.length > 0 ? shared : undefined;
}

/** The claims that forbid us to start, oldest first. */
export function blockingClaims(
  own: OwnClaim,
  others: readonly WatchClaim[],
  now: number,
  staleMs: number,
): ClaimConflict[] {
  const conflicts: (ClaimConflict & { since: number })[] = [];
  for (const other of others) {
    if (other.release === own.release) continue;
    const shared = sharedNamespaces(own.namespaces, other.namespaces);
    if (!shared) continue;
    if (isStale(other, now, staleMs)) continue;
    const running = other.heldUntil > now;
    const earlier = other.since < own.since || (other.since === own.since && other.release < own.release);
    if (running || (!own.established && earlier)) {
      conflicts.push({ release: other.release, lease: other.lease, shared, running, since: other.since });
    }
  }
  return conflicts
    .sort((a, b) => a.since - b.since || a.release.localeCompare(b.release))
    .map(({ since: _, ...conflict }) => conflict);
}

const describeWatched = (namespaces: Watched) =>
  namespaces === 'all' ? 'all namespaces' : `namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')}`;

/** One line for the log, the pod's termination message and the error. */
export function conflictMessage(own: OwnClaim, conflicts: readonly ClaimConflict[]): string {
  const parts = conflicts.map(
    (c) =>
      `${describeWatched(c.shared)} ${c.shared !== 'all' && c.shared.length === 1 ? 'is' : 'are'} already watched by release ${c.release} ` +
      `(${c.running ? 'running' : 'starting'}; claim on Lease ${c.lease})`,
  );
  return (
    `release ${own.release} refuses to start: ${parts.join('; ')}. Two releases must not watch the same ` +
    'namespaces: uninstall one, or give each its own namespaces (rbac.scope=namespace with disjoint ' +
    'watchNamespaces; a release with rbac.scope=cluster watches all namespaces)'
  );
}
