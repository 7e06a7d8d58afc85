/**
 * spec.schedule: cron ticks in a time zone, as a CronJob reads them (five
 * fields or @hourly/@daily/@weekly/@monthly/@yearly), and the decision
 * whether a tick calls for a run. Pure: the clock comes in.
 *
 * Like a CronJob with concurrencyPolicy Forbid, a tick that finds a run going
 * on is skipped; after downtime only the most recent missed tick runs.
 */
import { CronExpressionParser } from 'cron-parser';

export const DEFAULT_TIME_ZONE = 'UTC';

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

export class ScheduleError extends Error {
  readonly reason = 'InvalidSchedule';
}

export interface Schedule {
  schedule: string;
  timeZone?: string;
}

function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ScheduleError(`spec.timeZone: unknown time zone '${timeZone}' (use an IANA name such as Europe/Berlin)`);
  }
}

function checkFields(schedule: string): void {
  const text = schedule.trim();
  if (text.startsWith('@')) {
    if (!MACROS.has(text)) {
      throw new ScheduleError(`spec.schedule: '${text}' is not one of ${[...MACROS].join(', ')}`);
    }
    return;
  }
  if (/^(CRON_)?TZ=/.test(text)) {
    throw new ScheduleError('spec.schedule: put the time zone in spec.timeZone, not in the schedule');
  }
  const fields = text.split(/\s+/).length;
  if (fields !== 5) {
    throw new ScheduleError(
      `spec.schedule: '${text}' has ${fields} fields; a schedule has 5 (minute hour day-of-month month day-of-week)`,
    );
  }
}

/** Throws ScheduleError (reason InvalidSchedule) with a message naming the field. */
export function validateSchedule(spec: Schedule): void {
  checkFields(spec.schedule);
  const timeZone = spec.timeZone ?? DEFAULT_TIME_ZONE;
  checkTimeZone(timeZone);
  try {
    CronExpressionParser.parse(spec.schedule.trim(), { tz: timeZone, strict: false }).next();
  } catch (error) {
    throw new ScheduleError(`spec.schedule: '${spec.schedule}': ${(error as Error).message}`);
  }
}

/** The schedule's problem in words (undefined: none, or no schedule). Pure. */
export function scheduleProblem(spec: { schedule?: string; timeZone?: string }): string | undefined {
  if (spec.schedule === undefined) return undefined;
  try {
    validateSchedule({ schedule: spec.schedule, timeZone: spec.timeZone });
    return undefined;
  } catch (error) {
    if (error instanceof ScheduleError) return error.message;
    throw error;
  }
}

function parse(spec: Schedule, currentDate: Date) {
  return CronExpressionParser.parse(spec.schedule.trim(), {
    currentDate,
    tz: spec.timeZone ?? DEFAULT_TIME_ZONE,
  });
}

/** The first tick strictly after `time`. */
export function nextTick(spec: Schedule, time: Date): Date {
  return parse(spec, time).next().toDate();
}

/** The latest tick at or before `time`. */
export function latestTick(spec: Schedule, time: Date): Date {
  return parse(spec, new Date(time.getTime() + 1))
    .prev()
    .toDate();
}

export interface ScheduleInput {
  spec: Schedule;
  /** The tick the last scheduled run was started for (status.lastScheduledAt). */
  lastScheduledAt?: string;
  /** Ticks before this are not owed (the MailSync's creation). */
  since: string;
  /** The last run's start and end (an end is absent while it goes on). */
  lastRun?: { startTime?: string; completionTime?: string };
  now: Date;
}

export interface ScheduleDecision {
  /** A tick that calls for a run now (ISO time), if any. */
  due?: string;
  /** The next tick after now. */
  next: Date;
}

/**
 * The most recent tick since the last scheduled run (or creation) is due when
 * no run was going on at that moment or after it: a run that ended before the
 * tick leaves it owed; a run that was on at the tick (or started after it)
 * took its place.
 */
export function decideSchedule(input: ScheduleInput): ScheduleDecision {
  const { spec, now } = input;
  validateSchedule(spec);
  const next = nextTick(spec, now);
  const tick = latestTick(spec, now);
  const after = Math.max(
    new Date(input.since).getTime(),
    input.lastScheduledAt ? new Date(input.lastScheduledAt).getTime() : Number.NEGATIVE_INFINITY,
  );
  if (tick.getTime() <= after) return { next };
  const run = input.lastRun;
  if (run?.startTime) {
    const ended = run.completionTime ? new Date(run.completionTime).getTime() : Number.POSITIVE_INFINITY;
    if (ended >= tick.getTime()) return { next };
  }
  return { due: tick.toISOString().replace(/\.\d{3}Z$/, 'Z'), next };
}
