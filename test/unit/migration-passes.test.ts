import { describe, expect, it } from 'vitest';
import type { PassStatus } from '../../src/api/migration-status.js';
import type { ChildView } from '../../src/controller/migration/child-view.js';
import { countPass } from '../../src/controller/migration/pass-count.js';
import { decidePasses, type PassInput } from '../../src/controller/migration/pass-machine.js';
import { parseSchedule } from '../../src/controller/migration/schedule.js';

const T0 = new Date('2026-12-02T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const child = (
  name: string,
  runPass: string | undefined,
  phase: string,
  extra: Partial<ChildView> = {},
): ChildView => ({
  name,
  phase,
  retryPending: false,
  messages: 0,
  bytes: 0,
  ...(runPass ? { runPass } : {}),
  ...extra,
});

const pass = (id: string, startMinute: number, endMinute?: number, total = 2): PassStatus => ({
  id,
  kind: id.split('-')[0] as PassStatus['kind'],
  startTime: at(startMinute).toISOString(),
  ...(endMinute === undefined ? {} : { endTime: at(endMinute).toISOString() }),
  accounts: { total, succeeded: 0, failed: 0, running: 0, queued: total },
});

const input = (over: Partial<PassInput>): PassInput => ({
  now: at(10),
  passes: [],
  accounts: 2,
  children: [],
  suspend: false,
  finalPass: false,
  ...over,
});

describe('countPass', () => {
  it('counts a child for the pass only once its run belongs to it; running is what runs now', () => {
    const count = countPass('delta-2', 5, [
      child('a', 'delta-2', 'Succeeded', { messages: 10, bytes: 1000 }),
      child('b', 'delta-2', 'Failed', { reason: 'AuthenticationFailed', messages: 1, bytes: 5 }),
      child('c', 'presync-1', 'Succeeded', { messages: 99 }),
      child('d', 'presync-1', 'Running'),
      child('e', 'delta-2', 'Failed', { retryPending: true, reason: 'ConnectFailed' }),
    ]);
    expect(count.accounts).toEqual({ total: 5, succeeded: 1, failed: 1, running: 1, queued: 2 });
    expect(count.messages).toBe(11);
    expect(count.bytes).toBe(1005);
    expect(count.failureReasons).toEqual([{ reason: 'AuthenticationFailed', count: 1 }]);
  });

  it('orders failure reasons by count, then name', () => {
    const count = countPass('p-1', 4, [
      child('a', 'p-1', 'Failed', { reason: 'TLSFailed' }),
      child('b', 'p-1', 'Aborted', { reason: 'Aborted' }),
      child('c', 'p-1', 'Failed', { reason: 'TLSFailed' }),
      child('d', 'p-1', 'Failed', { reason: 'AuthenticationFailed' }),
    ]);
    expect(count.failureReasons).toEqual([
      { reason: 'TLSFailed', count: 2 },
      { reason: 'Aborted', count: 1 },
      { reason: 'AuthenticationFailed', count: 1 },
    ]);
  });
});

describe('decidePasses', () => {
  const hourly = parseSchedule('0 * * * *');

  it.each<[string, Partial<PassInput>, { phase: string; current?: string; started?: string; ended?: string }]>([
    ['no accounts yet: no pass', { accounts: 0 }, { phase: 'Pending' }],
    ['suspended before the first pass', { suspend: true }, { phase: 'Suspended' }],
    ['creation starts the presync pass', {}, { phase: 'Running', current: 'presync-1', started: 'presync-1' }],
    [
      'a pass runs while accounts are left',
      {
        passes: [pass('presync-1', 0)],
        children: [child('a', 'presync-1', 'Succeeded'), child('b', 'presync-1', 'Running')],
      },
      { phase: 'Running', current: 'presync-1' },
    ],
    [
      'the last account ends the pass; no schedule: waiting',
      {
        passes: [pass('presync-1', 0)],
        children: [child('a', 'presync-1', 'Succeeded'), child('b', 'presync-1', 'Failed')],
      },
      { phase: 'Waiting', current: 'presync-1', ended: 'presync-1' },
    ],
    [
      'a pending retry keeps the pass open',
      {
        passes: [pass('presync-1', 0)],
        children: [child('a', 'presync-1', 'Succeeded'), child('b', 'presync-1', 'Failed', { retryPending: true })],
      },
      { phase: 'Running', current: 'presync-1' },
    ],
    [
      'an ended pass waits for the next scheduled time',
      { passes: [pass('presync-1', 0, 5)], schedule: hourly, now: at(30) },
      { phase: 'Waiting', current: 'presync-1' },
    ],
    [
      'the scheduled time starts a delta pass',
      { passes: [pass('presync-1', 0, 5)], schedule: hourly, now: at(61) },
      { phase: 'Running', current: 'delta-2', started: 'delta-2' },
    ],
    [
      'a time reached while the pass ran is skipped (next after its end)',
      { passes: [pass('presync-1', 0, 65)], schedule: hourly, now: at(70) },
      { phase: 'Waiting', current: 'presync-1' },
    ],
    [
      'finalPass starts the final pass once the running one ends',
      {
        passes: [pass('presync-1', 0)],
        finalPass: true,
        children: [child('a', 'presync-1', 'Succeeded'), child('b', 'presync-1', 'Succeeded')],
      },
      { phase: 'Running', current: 'final-2', started: 'final-2', ended: 'presync-1' },
    ],
    [
      'finalPass does not cut a running pass short',
      { passes: [pass('delta-3', 0)], finalPass: true, children: [child('a', 'delta-3', 'Running')] },
      { phase: 'Running', current: 'delta-3' },
    ],
    [
      'the end of the final pass completes the migration',
      {
        passes: [pass('presync-1', 0, 5), pass('final-2', 6)],
        finalPass: true,
        children: [child('a', 'final-2', 'Succeeded'), child('b', 'final-2', 'Failed')],
      },
      { phase: 'Completed', current: 'final-2', ended: 'final-2' },
    ],
    [
      'a completed migration starts nothing more',
      { passes: [pass('final-2', 0, 5)], finalPass: true, schedule: hourly, now: at(600) },
      { phase: 'Completed', current: 'final-2' },
    ],
    [
      'suspended: a pass whose runs were aborted does not end',
      {
        passes: [pass('presync-1', 0)],
        suspend: true,
        children: [child('a', 'presync-1', 'Aborted'), child('b', 'presync-1', 'Aborted')],
      },
      { phase: 'Suspended', current: 'presync-1' },
    ],
    [
      'suspended: no new pass starts at the scheduled time',
      { passes: [pass('presync-1', 0, 5)], schedule: hourly, now: at(61), suspend: true },
      { phase: 'Suspended', current: 'presync-1' },
    ],
  ])('%s', (_name, over, expected) => {
    const decision = decidePasses(input(over));
    expect({
      phase: decision.phase,
      current: decision.current?.id,
      started: decision.started?.id,
      ended: decision.ended?.id,
    }).toEqual({ current: undefined, started: undefined, ended: undefined, ...expected });
  });

  const done = [child('a', 'presync-1', 'Succeeded'), child('b', 'presync-1', 'Succeeded')];
  it.each<[string, Partial<PassInput>, { phase: string; current?: string; started?: string; answered?: string }]>([
    [
      'a new run-now value between passes starts a delta pass at once',
      { passes: [pass('presync-1', 0, 5)], requestedAt: 'r1', schedule: hourly, now: at(30) },
      { phase: 'Running', current: 'delta-2', started: 'delta-2', answered: 'r1' },
    ],
    [
      'a value already answered starts nothing',
      { passes: [pass('delta-2', 0, 5)], requestedAt: 'r1', lastRequestedAt: 'r1' },
      { phase: 'Waiting', current: 'delta-2', answered: 'r1' },
    ],
    [
      'a request made while a pass runs waits for it',
      {
        passes: [pass('presync-1', 0)],
        requestedAt: 'r2',
        lastRequestedAt: 'r1',
        children: [child('a', 'presync-1', 'Succeeded'), child('b', 'presync-1', 'Running')],
      },
      { phase: 'Running', current: 'presync-1', answered: 'r1' },
    ],
    [
      '... and is answered by a delta pass once it ended',
      { passes: [pass('presync-1', 0)], requestedAt: 'r2', lastRequestedAt: 'r1', children: done },
      { phase: 'Running', current: 'delta-2', started: 'delta-2', answered: 'r2' },
    ],
    [
      'a migration created with the annotation: the presync pass answers it',
      { requestedAt: 'r1' },
      { phase: 'Running', current: 'presync-1', started: 'presync-1', answered: 'r1' },
    ],
    [
      'finalPass wins over run now, and answers it',
      { passes: [pass('presync-1', 0, 5)], requestedAt: 'r1', finalPass: true },
      { phase: 'Running', current: 'final-2', started: 'final-2', answered: 'r1' },
    ],
    [
      'suspended: a request waits',
      { passes: [pass('presync-1', 0, 5)], requestedAt: 'r1', suspend: true },
      { phase: 'Suspended', current: 'presync-1' },
    ],
    [
      'completed: a request starts nothing',
      { passes: [pass('final-2', 0, 5)], requestedAt: 'r1', finalPass: true },
      { phase: 'Completed', current: 'final-2' },
    ],
  ])('run now: %s', (_name, over, expected) => {
    const decision = decidePasses(input(over));
    expect({
      phase: decision.phase,
      current: decision.current?.id,
      started: decision.started?.id,
      answered: decision.lastRequestedAt,
    }).toEqual({ current: undefined, started: undefined, answered: undefined, ...expected });
  });

  it('between passes, counts each account by its latest run (one added since the pass counts too)', () => {
    const decision = decidePasses(
      input({
        accounts: 3,
        passes: [pass('presync-1', 0, 5)],
        children: [
          child('a', 'presync-1', 'Succeeded'),
          child('b', 'presync-1', 'Failed', { reason: 'TLSFailed' }),
          child('new', 'presync-1', 'Running'),
        ],
      }),
    );
    expect(decision.accounts).toEqual({ total: 3, succeeded: 1, failed: 1, running: 1, queued: 0 });
    expect(decision.failureReasons).toEqual([{ reason: 'TLSFailed', count: 1 }]);
    expect(decision.current?.accounts).toEqual(pass('presync-1', 0, 5).accounts);
  });

  it('gives the next pass time while waiting', () => {
    const decision = decidePasses(input({ passes: [pass('presync-1', 0, 5)], schedule: hourly, now: at(30) }));
    expect(decision.nextPassTime?.toISOString()).toBe(at(60).toISOString());
  });

  it("computes the pass's rate and the rule-of-three ETA from its own pace", () => {
    const decision = decidePasses(
      input({
        now: at(10),
        accounts: 4,
        passes: [pass('presync-1', 0, undefined, 4)],
        children: [
          child('a', 'presync-1', 'Succeeded', { messages: 3000, bytes: 1 }),
          child('b', 'presync-1', 'Running', { messages: 0 }),
        ],
      }),
    );
    // 1 of 4 finished in 10 minutes: 30 minutes left; 3000 messages in 600 s.
    expect(decision.current).toMatchObject({
      etaSeconds: 1800,
      eta: '30m00s',
      messagesPerSecond: 5,
      rate: '5.0 msg/s',
    });
    expect(decision.current?.accounts).toEqual({ total: 4, succeeded: 1, failed: 0, running: 1, queued: 2 });
  });

  it('keeps at most 10 passes, numbering on from the last one', () => {
    const passes = Array.from({ length: 10 }, (_, i) => pass(`delta-${i + 1}`, i * 60, i * 60 + 5));
    const decision = decidePasses(input({ passes, schedule: hourly, now: at(10 * 60 + 1) }));
    expect(decision.started?.id).toBe('delta-11');
    expect(decision.passes).toHaveLength(10);
    expect(decision.passes[0]?.id).toBe('delta-2');
  });
});

describe('parseSchedule', () => {
  it.each([
    ['0 2 * * *', 'Europe/Paris', '2026-12-02T00:30:00Z', '2026-12-02T01:00:00.000Z'],
    ['@daily', undefined, '2026-12-02T00:30:00Z', '2026-12-03T00:00:00.000Z'],
    ['*/15 * * * *', undefined, '2026-12-02T00:30:00Z', '2026-12-02T00:45:00.000Z'],
  ])('%s in %s after %s is %s', (expression, timeZone, after, next) => {
    expect(parseSchedule(expression, timeZone).next(new Date(after)).toISOString()).toBe(next);
  });

  it.each([
    ['0 2 * *', undefined, 'not a cron schedule of 5 fields'],
    ['* * * * * *', undefined, 'not a cron schedule of 5 fields'],
    ['61 * * * *', undefined, "schedule '61 * * * *'"],
    ['@daily', 'Mars/Olympus', 'not an IANA time zone'],
  ])('refuses %s (time zone %s)', (expression, timeZone, message) => {
    expect(() => parseSchedule(expression, timeZone)).toThrow(message);
  });
});
