import { describe, expect, it } from 'vitest';
import {
  type AdmissionInput,
  autoLimitKey,
  type Candidate,
  type Caps,
  decideAdmission,
  describeHold,
  type GroupCaps,
  type Slot,
} from '../../src/controller/admission/decide.js';
import { groupOf, hostKey } from '../../src/controller/admission/hosts.js';
import { trimMigration } from '../../src/controller/admission/migration-caps.js';

/** "m1:a>b" = a sync of group m1 from host a to host b ("-" = standalone). */
function slot(key: string, spec: string): Slot {
  const [group, hosts] = spec.split(':') as [string, string];
  const [sourceHost, destinationHost] = hosts.split('>') as [string, string];
  return { key, group: group === '-' ? '' : group, sourceHost, destinationHost };
}
const wait = (key: string, spec: string, since: number): Candidate => ({ ...slot(key, spec), since });

function decide(
  running: Slot[],
  waiting: Candidate[],
  caps: Caps,
  groupCaps: Record<string, GroupCaps> = {},
): { start: string[]; queued: Record<string, string> } {
  const input: AdmissionInput = { running, waiting, caps, groupCaps: (g) => groupCaps[g] };
  const result = decideAdmission(input);
  return {
    start: result.start,
    queued: Object.fromEntries(
      [...result.queued].map(([key, q]) => [key, `${q.position} ${q.hold.cap}${q.hold.host ? ` ${q.hold.host}` : ''}`]),
    ),
  };
}

describe('admission: which waiting syncs start', () => {
  it.each([
    [
      'no caps: everything starts, oldest first',
      [],
      [wait('b', '-:x>y', 2), wait('a', '-:x>y', 1)],
      {},
      {},
      ['a', 'b'],
      {},
    ],
    [
      'max-running counts what runs already',
      [slot('r1', '-:x>y'), slot('r2', '-:p>q')],
      [wait('a', '-:x>y', 1), wait('b', '-:x>y', 2), wait('c', '-:x>y', 3)],
      { maxRunning: 3 },
      {},
      ['a'],
      { b: '1 maxRunning', c: '2 maxRunning' },
    ],
    [
      'per host: a sync counts for its source and its destination host',
      [slot('r1', '-:x>y')],
      [wait('a', '-:y>z', 1), wait('b', '-:p>q', 2), wait('c', '-:q>x', 3)],
      { maxRunningPerHost: 1 },
      {},
      ['b'],
      { a: '1 maxRunningPerHost y', c: '2 maxRunningPerHost q' },
    ],
    [
      'per host: the same host on both sides counts once',
      [],
      [wait('a', '-:x>x', 1), wait('b', '-:x>x', 2)],
      { maxRunningPerHost: 2 },
      {},
      ['a', 'b'],
      {},
    ],
    [
      'a host cap does not block younger syncs to other hosts (work conserving)',
      [slot('r1', '-:x>y')],
      [wait('a', '-:x>y', 1), wait('b', '-:s>t', 2)],
      { maxRunningPerHost: 1 },
      {},
      ['b'],
      { a: '1 maxRunningPerHost x' },
    ],
    [
      'migration total and per source/destination host',
      [slot('r1', 'm:x>y')],
      [wait('a', 'm:x>z', 1), wait('b', 'm:s>y', 2), wait('c', 'm:s>t', 3), wait('d', 'm:u>v', 4)],
      {},
      { m: { total: 3, perSourceHost: 1, perDestinationHost: 1 } },
      ['c', 'd'],
      { a: '1 total', b: '2 total' },
    ],
    [
      'migration caps apply to that migration only; standalone syncs have none',
      [slot('r1', 'm:x>y'), slot('r2', 'm:x>y')],
      [wait('a', 'm:x>y', 1), wait('b', 'n:x>y', 2), wait('c', '-:x>y', 3)],
      {},
      { m: { perSourceHost: 2 }, n: { perSourceHost: 5 } },
      ['b', 'c'],
      { a: '1 perSourceHost x' },
    ],
    [
      'concurrency auto: the limit its migration chose per host and role, initial for a host not chosen yet',
      [slot('r1', 'm:x>y'), slot('r2', 'm:x>y'), slot('r3', 'm:w>y')],
      [wait('a', 'm:x>z', 1), wait('b', 'm:w>z', 2), wait('c', 'm:v>y', 3), wait('d', 'm:v>z', 4)],
      {},
      {
        m: {
          auto: { initial: 1 },
          autoLimits: { [autoLimitKey('source', 'x')]: 2, [autoLimitKey('destination', 'y')]: 4 },
        },
      },
      ['c'],
      { a: '1 autoSourceHost x', b: '2 autoSourceHost w', d: '3 autoSourceHost v' },
    ],
    [
      'concurrency auto on the destination side; a static per-host cap still holds below it',
      [slot('r1', 'm:x>y'), slot('r2', 'm:u>y')],
      [wait('a', 'm:s>y', 1), wait('b', 'm:t>z', 2), wait('c', 'm:t>q', 3)],
      {},
      {
        m: {
          perSourceHost: 1,
          auto: {},
          autoLimits: { [autoLimitKey('destination', 'y')]: 2, [autoLimitKey('source', 't')]: 9 },
        },
      },
      ['b'],
      { a: '1 autoDestinationHost y', c: '2 perSourceHost t' },
    ],
  ])('%s', (_what, running, waiting, caps, groupCaps, start, queued) => {
    expect(decide(running, waiting, caps, groupCaps)).toEqual({ start, queued });
  });
});

describe('admission: fairness', () => {
  it('serves migrations round robin: the group with fewest running gets the next slot', () => {
    const waiting = [
      ...['m1', 'm2', 'm3', 'm4'].map((k, i) => wait(k, 'big:x>y', i)),
      ...['n1', 'n2'].map((k, i) => wait(k, 'small:x>y', 100 + i)),
      wait('s1', '-:x>y', 200),
    ];
    expect(decide([], waiting, { maxRunning: 5 })).toEqual({
      start: ['m1', 'n1', 's1', 'm2', 'n2'],
      queued: { m3: '1 maxRunning', m4: '2 maxRunning' },
    });
  });

  it('a migration with many running waits behind one with none, whatever their ages', () => {
    const running = [slot('r1', 'old:x>y'), slot('r2', 'old:x>y')];
    const waiting = [wait('o1', 'old:x>y', 1), wait('y1', 'young:x>y', 50), wait('y2', 'young:x>y', 51)];
    expect(decide(running, waiting, { maxRunning: 4 })).toEqual({
      start: ['y1', 'y2'],
      queued: { o1: '1 maxRunning' },
    });
  });

  it('gives positions in serving order across groups', () => {
    const waiting = [
      wait('a1', 'a:x>y', 1),
      wait('a2', 'a:x>y', 2),
      wait('a3', 'a:x>y', 3),
      wait('b1', 'b:x>y', 10),
      wait('s1', '-:x>y', 0),
    ];
    const { queued } = decide([slot('r', '-:p>q')], waiting, { maxRunning: 1 });
    // a and b have none running, the standalone group one: a (older head) and b first, then round robin.
    expect(Object.entries(queued).sort((x, y) => Number.parseInt(x[1], 10) - Number.parseInt(y[1], 10))).toEqual([
      ['a1', '1 maxRunning'],
      ['b1', '2 maxRunning'],
      ['s1', '3 maxRunning'],
      ['a2', '4 maxRunning'],
      ['a3', '5 maxRunning'],
    ]);
  });

  it('with a per-host cap, starting one by one never exceeds it and empties the queue fairly', () => {
    // Simulate: each round the oldest running sync ends, the decision admits what fits.
    let running: Slot[] = [];
    const waiting = [
      ...Array.from({ length: 6 }, (_, i) => wait(`a${i}`, 'a:x>y', i)),
      ...Array.from({ length: 3 }, (_, i) => wait(`b${i}`, 'b:x>z', 10 + i)),
    ];
    const order: string[] = [];
    let left = [...waiting];
    for (let round = 0; round < 20 && left.length > 0; round++) {
      const result = decideAdmission({
        running,
        waiting: left,
        caps: { maxRunningPerHost: 2 },
        groupCaps: () => undefined,
      });
      const started = left.filter((c) => result.start.includes(c.key));
      running = [...running, ...started];
      left = left.filter((c) => !result.start.includes(c.key));
      order.push(...result.start);
      const perHost = new Map<string, number>();
      for (const s of running)
        for (const h of new Set([s.sourceHost, s.destinationHost])) perHost.set(h, (perHost.get(h) ?? 0) + 1);
      expect(Math.max(...perHost.values())).toBeLessThanOrEqual(2);
      running = running.slice(1);
    }
    expect(left).toEqual([]);
    expect(order.slice(0, 4)).toEqual(['a0', 'b0', 'a1', 'b1']);
    expect(order).toHaveLength(9);
  });
});

describe('admission helpers', () => {
  it.each([
    ['IMAP.Example.COM.', 'imap.example.com'],
    [' mail.example.org ', 'mail.example.org'],
    ['127.0.0.1', '127.0.0.1'],
  ])('host %j -> %j', (host, key) => {
    expect(hostKey(host)).toBe(key);
  });

  it('groups by migration label within the namespace', () => {
    expect(groupOf({ namespace: 'ns', labels: { 'mailsync.io/migration': 'acme' } })).toBe('ns/acme');
    expect(groupOf({ namespace: 'ns', labels: {} })).toBe('');
  });

  it.each([
    [{ cap: 'maxRunning', limit: 20 }, "20 syncs are running, the controller's --max-running"],
    [
      { cap: 'maxRunningPerHost', limit: 5, host: 'imap.x' },
      "5 syncs are running against imap.x, the controller's --max-running-per-host",
    ],
    [
      { cap: 'perSourceHost', limit: 50, host: 'old.x', group: 'ns/acme' },
      '50 syncs of migration ns/acme are running against source host old.x, its spec.concurrency.perSourceHost',
    ],
    [
      { cap: 'autoDestinationHost', limit: 3, host: 'new.x', group: 'ns/acme' },
      '3 syncs of migration ns/acme are running against destination host new.x, the number its spec.concurrency.auto chose (status.concurrency)',
    ],
  ] as const)('describes %j', (hold, text) => {
    expect(describeHold(hold)).toBe(text);
  });

  it('caches only the caps of a migration, with the limits its auto chose by host', () => {
    const migration = {
      metadata: { name: 'acme', namespace: 'ns', uid: 'u1', resourceVersion: '7' },
      spec: {
        concurrency: { total: 9, auto: { initial: 3 } },
        accounts: Array.from({ length: 1000 }, (_, i) => ({ source: { user: `user${i}` } })),
      },
      status: {
        phase: 'Running',
        concurrency: {
          hosts: [
            { role: 'source' as const, host: 'old.x', limit: 5, reason: 'rose', throughput: 12 },
            { role: 'destination' as const, host: 'new.x', limit: 2, reason: 'halved' },
          ],
          display: 'src old.x=5, dst new.x=2',
        },
        passes: [{ id: 'presync-1' }],
      },
    };
    expect(trimMigration(migration)).toEqual({
      metadata: migration.metadata,
      caps: {
        total: 9,
        auto: { initial: 3 },
        autoLimits: { [autoLimitKey('source', 'old.x')]: 5, [autoLimitKey('destination', 'new.x')]: 2 },
      },
    });
    expect(trimMigration({ metadata: migration.metadata, spec: {} })).toEqual({ metadata: migration.metadata });
  });
});
