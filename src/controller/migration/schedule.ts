/**
 * `spec.schedule` and `spec.timeZone` of a MailMigration, read as a CronJob's:
 * five fields (minute hour day-of-month month day-of-week) or @hourly, @daily,
 * @weekly, @monthly, @yearly/@annually, in an IANA time zone (default UTC).
 */
import { CronExpressionParser } from 'cron-parser';

export interface Schedule {
  /** The first scheduled time strictly after `after`. */
  next(after: Date): Date;
}

export class ScheduleError extends Error {
  readonly reason = 'InvalidSchedule';
}

const MACROS = new Set(['@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@annually']);

function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ScheduleError(`timeZone '${timeZone}' is not an IANA time zone (e.g. Europe/Paris)`);
  }
}

/** Parse once; throws ScheduleError with a message for the condition. */
export function parseSchedule(expression: string, timeZone = 'UTC'): Schedule {
  checkTimeZone(timeZone);
  const text = expression.trim();
  const fields = text.split(/\s+/);
  if (!MACROS.has(text) && fields.length !== 5) {
    throw new ScheduleError(
      `schedule '${expression}' is not a cron schedule of 5 fields (minute hour day month weekday) or @hourly/@daily/@weekly/@monthly/@yearly`,
    );
  }
  // cron-parser reads 6 fields with seconds first: pin seconds to 0.
  const six = MACROS.has(text) ? text : `0 ${text}`;
  try {
    CronExpressionParser.parse(six, { tz: timeZone });
  } catch (error) {
    throw new ScheduleError(`schedule '${expression}': ${(error as Error).message}`);
  }
  return {
    next(after: Date): Date {
      return CronExpressionParser.parse(six, { tz: timeZone, currentDate: after }).next().toDate();
    },
  };
}
