import type { V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  blockingClaims,
  claimAnnotations,
  claimFromLease,
  claimSince,
  conflictMessage,
  type OwnClaim,
  sharedNamespaces,
  type WatchClaim,
  type Watched,
} from '../../src/controller/release-claim.js';

const NOW = Date.parse('2026-12-03T00:00:00Z');
const STALE_MS = 120_000;
const s = (seconds: number) => NOW + seconds * 1000;

describe('sharedNamespaces', () => {
  it.each<[Watched, Watched, Watched | undefined]>([
    ['all', 'all', 'all'],
    ['all', ['a', 'b'], ['a', 'b']],
    [['a'], 'all', ['a']],
    [['a', 'b'], ['b', 'c'], ['b']],
    [['a'], ['b'], undefined],
    [
      ['a', 'b', 'c'],
      ['c', 'a'],
      ['a', 'c'],
    ],
  ])('%j and %j share %j', (a, b, shared) => {
    expect(sharedNamespaces(a, b)).toEqual(shared);
  });
});

const own = (over: Partial<OwnClaim> = {}): OwnClaim => ({
  release: 'team-b/ms',
  namespaces: ['mail'],
  since: NOW,
  established: false,
  ...over,
});
const other = (over: Partial<WatchClaim> = {}): WatchClaim => ({
  release: 'team-a/ms',
  lease: 'team-a/ms-mailsync-operator',
  namespaces: ['mail'],
  since: s(-3600),
  checkedAt: s(-3600),
  heldUntil: s(10),
  renewedAt: s(-2),
  ...over,
});

/** A release that never led (refused, or still starting). */
const NEVER_HELD = { heldUntil: 0, renewedAt: 0 };

describe('blockingClaims: may this controller start?', () => {
  it.each<[string, Partial<OwnClaim>, Partial<WatchClaim>, 'blocked' | 'starts']>([
    ['another release runs on the same namespace', {}, {}, 'blocked'],
    ['it runs on other namespaces only', {}, { namespaces: ['other'] }, 'starts'],
    ['it runs cluster-wide (overlaps everything)', {}, { namespaces: 'all' }, 'blocked'],
    ['we are cluster-wide and it runs on one namespace', { namespaces: 'all' }, {}, 'blocked'],
    ['both cluster-wide', { namespaces: 'all' }, { namespaces: 'all' }, 'blocked'],
    ['it is our own release (another replica, an older Lease)', {}, { release: 'team-b/ms' }, 'starts'],
    [
      'it runs, and we are established too (both ran before the check existed): we give way',
      { established: true },
      {},
      'blocked',
    ],
    ['its Lease expired 60 s ago (within the stale time: it may be restarting)', {}, { heldUntil: s(-60) }, 'blocked'],
    [
      'its Lease expired 121 s ago and it has not re-checked since: stale',
      {},
      { heldUntil: s(-121), renewedAt: s(-133) },
      'starts',
    ],
    [
      'released 30 s ago (a rolling update), claimed long ago: still counts',
      {},
      { heldUntil: 0, renewedAt: s(-30) },
      'blocked',
    ],
    [
      'released 30 s ago, but we are established: it is only starting',
      { established: true },
      { heldUntil: 0, renewedAt: s(-30) },
      'starts',
    ],
    ['released 200 s ago (uninstalled): stale', {}, { heldUntil: 0, renewedAt: s(-200) }, 'starts'],
    [
      'never held, last checked 200 s ago: stale (a refused release in back-off)',
      {},
      { ...NEVER_HELD, checkedAt: s(-200) },
      'starts',
    ],
    [
      'never held, claimed long ago and re-checked 10 s ago: live, and older',
      {},
      { ...NEVER_HELD, checkedAt: s(-10) },
      'blocked',
    ],
    ['both starting, its claim is older: it wins', {}, { ...NEVER_HELD, since: s(-1), checkedAt: s(-1) }, 'blocked'],
    [
      'both starting, ours is older: we win',
      { since: s(-5) },
      { ...NEVER_HELD, since: s(-1), checkedAt: s(-1) },
      'starts',
    ],
    [
      'both starting at the same instant: the smaller release name wins',
      {},
      { ...NEVER_HELD, since: NOW, checkedAt: NOW },
      'blocked',
    ],
    [
      'same instant, our name is smaller',
      { release: 'team-0/ms' },
      { ...NEVER_HELD, since: NOW, checkedAt: NOW },
      'starts',
    ],
    [
      'it is only starting, we are established (our Lease is held): we keep running',
      { established: true },
      { ...NEVER_HELD, since: s(-9), checkedAt: s(-1) },
      'starts',
    ],
    ['unreadable times, not held: stale', {}, { ...NEVER_HELD, since: 0, checkedAt: 0 }, 'starts'],
  ])('%s', (_case, ownOver, otherOver, expected) => {
    const conflicts = blockingClaims(own(ownOver), [other(otherOver)], NOW, STALE_MS);
    expect(conflicts.length > 0 ? 'blocked' : 'starts').toBe(expected);
  });

  it('names every blocking release, oldest claim first, with the namespaces shared and whether it runs', () => {
    const conflicts = blockingClaims(
      own({ namespaces: ['a', 'b', 'c'] }),
      [
        other({ release: 'x/new', lease: 'x/l', namespaces: ['c'], ...NEVER_HELD, since: s(-5), checkedAt: s(-5) }),
        other({ release: 'y/old', lease: 'y/l', namespaces: 'all', since: s(-50) }),
        other({ release: 'z/apart', lease: 'z/l', namespaces: ['d'] }),
      ],
      NOW,
      STALE_MS,
    );
    expect(conflicts).toEqual([
      { release: 'y/old', lease: 'y/l', shared: ['a', 'b', 'c'], running: true },
      { release: 'x/new', lease: 'x/l', shared: ['c'], running: false },
    ]);
  });
});

describe('conflictMessage', () => {
  it('says which namespaces are watched by which release, and what to do', () => {
    const message = conflictMessage(own(), [
      { release: 'team-a/ms', lease: 'team-a/ms-mailsync-operator', shared: ['mail'], running: true },
    ]);
    expect(message).toBe(
      'release team-b/ms refuses to start: namespace mail is already watched by release team-a/ms ' +
        '(running; claim on Lease team-a/ms-mailsync-operator). Two releases must not watch the same namespaces: ' +
        'uninstall one, or give each its own namespaces (rbac.scope=namespace with disjoint watchNamespaces; ' +
        'a release with rbac.scope=cluster watches all namespaces)',
    );
  });

  it.each<[Watched, string]>([
    ['all', 'all namespaces are already watched by release'],
    [['a', 'b'], 'namespaces a, b are already watched by release'],
  ])('%j', (shared, text) => {
    expect(conflictMessage(own(), [{ release: 'r/x', lease: 'r/l', shared, running: false }])).toContain(text);
  });
});

describe('claimFromLease', () => {
  const lease = (annotations: Record<string, string>, spec: V1Lease['spec'] = {}): V1Lease => ({
    metadata: { namespace: 'team-a', name: 'lock', annotations },
    spec,
  });

  it('reads back what claimAnnotations writes, held until renewTime + leaseDuration', () => {
    const claim = claimFromLease(
      lease(claimAnnotations('team-a/ms', ['b', 'a'], s(-300), s(-30)), {
        holderIdentity: 'pod-1',
        renewTime: new Date(s(-2)).toISOString() as unknown as Date,
        leaseDurationSeconds: 12,
      }),
    );
    expect(claim).toEqual({
      release: 'team-a/ms',
      lease: 'team-a/lock',
      namespaces: ['a', 'b'],
      since: s(-300),
      checkedAt: s(-30),
      heldUntil: s(10),
      renewedAt: s(-2),
    });
  });

  it.each<[string, Record<string, string>, V1Lease['spec'], Partial<WatchClaim> | undefined]>([
    ['all namespaces', claimAnnotations('r/x', 'all', NOW, NOW), {}, { namespaces: 'all', heldUntil: 0 }],
    [
      'a Lease released on shutdown (no holder)',
      claimAnnotations('r/x', ['a'], NOW, NOW),
      { holderIdentity: '', renewTime: new Date(NOW) },
      { heldUntil: 0, renewedAt: NOW },
    ],
    ['a plain leader Lease (no claim)', {}, { holderIdentity: 'p' }, undefined],
    [
      'a bad claim time',
      { ...claimAnnotations('r/x', ['a'], NOW, NOW), 'mailsync.io/claimed-since': 'yesterday' },
      {},
      { since: 0, checkedAt: NOW },
    ],
  ])('%s', (_case, annotations, spec, expected) => {
    const claim = claimFromLease(lease(annotations, spec));
    if (expected === undefined) expect(claim).toBeUndefined();
    else expect(claim).toMatchObject(expected);
  });
});

describe('claimSince: a claim keeps its start while it continues', () => {
  const previous = other({
    release: 'team-b/ms',
    namespaces: ['mail'],
    ...NEVER_HELD,
    since: s(-600),
    checkedAt: s(-30),
  });
  it.each<[string, WatchClaim | undefined, Watched, number]>([
    ['no previous claim', undefined, ['mail'], NOW],
    ['re-checked 30 s ago, same namespaces: keeps its start', previous, ['mail'], s(-600)],
    [
      'its leader renewed it (it runs): keeps its start',
      { ...previous, checkedAt: s(-3000), heldUntil: s(5) },
      ['mail'],
      s(-600),
    ],
    ['stale (nobody renewed or checked for 200 s): starts anew', { ...previous, checkedAt: s(-200) }, ['mail'], NOW],
    [
      'its leader released the Lease 20 s ago (a rolling update): keeps its start',
      { ...previous, checkedAt: s(-3000), renewedAt: s(-20) },
      ['mail'],
      s(-600),
    ],
    ['other namespaces now: a new claim', previous, ['mail', 'more'], NOW],
    ['another release wrote it (the Lease was reused)', { ...previous, release: 'x/y' }, ['mail'], NOW],
    ['unreadable start', { ...previous, since: 0 }, ['mail'], NOW],
  ])('%s', (_case, prev, namespaces, expected) => {
    expect(claimSince(prev, 'team-b/ms', namespaces, NOW, STALE_MS)).toBe(expected);
  });
});
