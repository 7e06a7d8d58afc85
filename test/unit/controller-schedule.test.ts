import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import type { MailSyncStatus } from '../../src/api/status.js';
import { decideTrigger } from '../../src/controller/run-trigger.js';
import {
  decideSchedule,
  latestTick,
  nextTick,
  ScheduleError,
  validateSchedule,
} from '../../src/controller/schedule.js';

const at = (iso: string) => new Date(iso);

describe('schedule validation', () => {
  it.each([
    ['*/5 * * * *', undefined],
    ['0 2 * * 1-5', 'Europe/Berlin'],
    ['@hourly', undefined],
    ['@daily', 'America/New_York'],
  ])('accepts %s (%s)', (schedule, timeZone) => {
    expect(() => validateSchedule({ schedule, timeZone })).not.toThrow();
  });

  it.each([
    ['0 0 * * * *', undefined, /has 6 fields; a schedule has 5/],
    ['* * *', undefined, /has 3 fields/],
    ['@every 5m', undefined, /'@every 5m' is not one of/],
    ['@reboot', undefined, /is not one of/],
    ['TZ=UTC 0 * * * *', undefined, /spec.timeZone/],
    ['61 * * * *', undefined, /spec.schedule: '61 \* \* \* \*'/],
    ['* * * * *', 'Mars/Olympus', /unknown time zone 'Mars\/Olympus'/],
  ])('rejects %s (%s) with a clear message', (schedule, timeZone, message) => {
    let error: unknown;
    try {
      validateSchedule({ schedule, timeZone });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScheduleError);
    expect((error as ScheduleError).reason).toBe('InvalidSchedule');
    expect((error as Error).message).toMatch(message);
  });
});

describe('ticks in a time zone', () => {
  it.each([
    // schedule, zone, time, next tick, latest tick
    ['*/5 * * * *', 'UTC', '2026-01-01T10:02:30Z', '2026-01-01T10:05:00Z', '2026-01-01T10:00:00Z'],
    ['*/5 * * * *', 'UTC', '2026-01-01T10:05:00Z', '2026-01-01T10:10:00Z', '2026-01-01T10:05:00Z'],
    ['0 2 * * *', 'Europe/Berlin', '2026-01-15T12:00:00Z', '2026-01-16T01:00:00Z', '2026-01-15T01:00:00Z'],
    ['0 2 * * *', 'Europe/Berlin', '2026-07-15T12:00:00Z', '2026-07-16T00:00:00Z', '2026-07-15T00:00:00Z'],
    ['0 9 * * 1', 'America/New_York', '2026-01-07T00:00:00Z', '2026-01-12T14:00:00Z', '2026-01-05T14:00:00Z'],
  ])('%s in %s at %s: next %s, latest %s', (schedule, timeZone, now, next, latest) => {
    expect(nextTick({ schedule, timeZone }, at(now)).toISOString()).toBe(at(next).toISOString());
    expect(latestTick({ schedule, timeZone }, at(now)).toISOString()).toBe(at(latest).toISOString());
  });
});

describe('is a tick due?', () => {
  const spec = { schedule: '*/5 * * * *' };
  const since = '2026-01-01T09:00:00Z';
  it.each([
    ['the first tick after creation, nothing ran since', {}, '2026-01-01T09:05:10Z', '2026-01-01T09:05:00Z'],
    ['not before the first tick', {}, '2026-01-01T09:04:59Z', undefined],
    [
      'a run ended before the tick',
      { lastRun: { startTime: '2026-01-01T09:01:00Z', completionTime: '2026-01-01T09:02:00Z' } },
      '2026-01-01T09:05:01Z',
      '2026-01-01T09:05:00Z',
    ],
    [
      'skipped: a run was going on at the tick (Forbid)',
      { lastRun: { startTime: '2026-01-01T09:04:00Z', completionTime: '2026-01-01T09:06:00Z' } },
      '2026-01-01T09:07:00Z',
      undefined,
    ],
    [
      'skipped: a run is going on now',
      { lastRun: { startTime: '2026-01-01T09:04:00Z' } },
      '2026-01-01T09:07:00Z',
      undefined,
    ],
    [
      'taken: a run started after the tick (e.g. a spec change)',
      { lastRun: { startTime: '2026-01-01T09:05:30Z', completionTime: '2026-01-01T09:06:00Z' } },
      '2026-01-01T09:07:00Z',
      undefined,
    ],
    ['already run for this tick', { lastScheduledAt: '2026-01-01T09:05:00Z' }, '2026-01-01T09:09:00Z', undefined],
    [
      'after downtime only the latest missed tick',
      {
        lastScheduledAt: '2026-01-01T09:05:00Z',
        lastRun: { startTime: '2026-01-01T09:05:01Z', completionTime: '2026-01-01T09:06:00Z' },
      },
      '2026-01-01T10:33:00Z',
      '2026-01-01T10:30:00Z',
    ],
  ])('%s', (_what, over, now, due) => {
    const decision = decideSchedule({ spec, since, now: at(now), ...over });
    expect(decision.due).toBe(due);
    expect(decision.next.getTime()).toBeGreaterThan(at(now).getTime());
  });
});

describe('run triggers', () => {
  const NOW = at('2026-01-01T12:00:00Z');
  const ms = (meta: Partial<MailSync['metadata']> = {}, spec: Partial<MailSync['spec']> = {}): MailSync => ({
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailSync',
    metadata: { name: 'a', namespace: 'ns', generation: 2, creationTimestamp: at('2026-01-01T08:00:00Z'), ...meta },
    spec: { source: { host: 's', user: 'u' }, destination: { host: 'd', user: 'u' }, ...spec },
  });
  const done: MailSyncStatus = {
    phase: 'Succeeded',
    runGeneration: 2,
    startTime: '2026-01-01T11:50:00Z',
    completionTime: '2026-01-01T11:51:00Z',
  };
  const requested = { annotations: { 'mailsync.io/requested-at': '2026-01-01T11:59:00Z' } };
  const hourly = { schedule: '0 * * * *' };

  it.each([
    ['never ran', 'generation', ms(), {}],
    ['spec changed', 'generation', ms({ generation: 3 }), done],
    ['spec changed and run-now: one run answers both', 'generation', ms({ generation: 3, ...requested }), done],
    ['run-now, new value', 'requested', ms(requested), done],
    ['run-now, value answered', undefined, ms(requested), { ...done, lastRequestedAt: '2026-01-01T11:59:00Z' }],
    [
      'run-now, a value longer than status holds, answered (its cut form)',
      undefined,
      ms({ annotations: { 'mailsync.io/requested-at': `\u001b${'r'.repeat(1000)}` } }),
      { ...done, lastRequestedAt: `\\x1b${'r'.repeat(249)}...` },
    ],
    ['run-now, empty value', undefined, ms({ annotations: { 'mailsync.io/requested-at': ' ' } }), done],
    ['retry due', 'retry', ms(), { ...done, phase: 'Failed', nextRetryAt: '2026-01-01T12:00:00Z' }],
    ['retry later', undefined, ms(), { ...done, phase: 'Failed', nextRetryAt: '2026-01-01T12:00:30Z' }],
    ['schedule tick owed', 'schedule', ms({}, hourly), done],
    ['schedule tick answered', undefined, ms({}, hourly), { ...done, lastScheduledAt: '2026-01-01T12:00:00Z' }],
    ['invalid schedule: nothing scheduled', undefined, ms({}, { schedule: 'nonsense' }), done],
    ['up to date', undefined, ms(), done],
  ] as const)('%s -> %s', (_what, trigger, mailSync, status) => {
    expect(decideTrigger(mailSync, status as MailSyncStatus, NOW).trigger).toBe(trigger);
  });

  it('tells what a run started now answers, and when to look again', () => {
    const withAll = ms({ ...requested }, hourly);
    expect(decideTrigger(withAll, done, NOW)).toEqual({
      trigger: 'requested',
      requestedAt: '2026-01-01T11:59:00Z',
      scheduledAt: '2026-01-01T12:00:00Z',
      nextScheduledAt: '2026-01-01T13:00:00Z',
      wakeAt: at('2026-01-01T13:00:00Z'),
    });
    const backoff = { ...done, phase: 'Failed' as const, nextRetryAt: '2026-01-01T12:00:30Z' };
    expect(decideTrigger(ms({}, hourly), { ...backoff, lastScheduledAt: '2026-01-01T12:00:00Z' }, NOW)).toEqual({
      nextScheduledAt: '2026-01-01T13:00:00Z',
      wakeAt: at('2026-01-01T12:00:30Z'),
    });
  });
});
