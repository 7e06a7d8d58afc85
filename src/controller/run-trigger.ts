/**
 * Whether a MailSync with no run going on needs a new one, and why:
 * - generation: the spec changed (or it never ran);
 * - requested:  the run-now annotation (mailsync.io/requested-at, as Flux's
 *               reconcile.fluxcd.io/requestedAt) differs from status.lastRequestedAt;
 * - retry:      the last run failed on a retriable reason and its backoff is over;
 * - schedule:   a spec.schedule tick is owed.
 * Otherwise: when to look again (the end of a backoff, the next tick). Pure.
 */
import { ANNOTATION_REQUESTED_AT, type MailSync } from '../api/mailsync.js';
import type { MailSyncStatus } from '../api/status.js';
import { boundRequestedAt } from '../api/status-bounds.js';
import { isoSeconds } from './iso-time.js';
import { decideSchedule, ScheduleError } from './schedule.js';

export type RunTrigger = 'generation' | 'requested' | 'retry' | 'schedule';

export interface TriggerDecision {
  /** Start a run, for this reason (undefined: nothing is due). */
  trigger?: RunTrigger;
  /** The run-now annotation's value: a run started now answers it. */
  requestedAt?: string;
  /** The schedule tick a run started now answers. */
  scheduledAt?: string;
  /** The next schedule tick. */
  nextScheduledAt?: string;
  /** Nothing due: look again then (end of a retry backoff, next tick). */
  wakeAt?: Date;
}

/** The run-now request as status.lastRequestedAt holds it (cut and escaped: a raw long one would never match). */
export function requestedAt(mailSync: MailSync): string | undefined {
  const value = mailSync.metadata.annotations?.[ANNOTATION_REQUESTED_AT]?.trim();
  return value ? boundRequestedAt(value, 'MailSync') : undefined;
}

export function decideTrigger(mailSync: MailSync, status: MailSyncStatus, now: Date): TriggerDecision {
  const generation = mailSync.metadata.generation ?? 0;
  const requested = requestedAt(mailSync);
  const decision: TriggerDecision = requested !== undefined ? { requestedAt: requested } : {};
  const wake = (at: Date) => {
    if (!decision.wakeAt || at < decision.wakeAt) decision.wakeAt = at;
  };

  const spec = mailSync.spec;
  if (spec.schedule) {
    try {
      const schedule = decideSchedule({
        spec: { schedule: spec.schedule, timeZone: spec.timeZone },
        lastScheduledAt: status.lastScheduledAt,
        since: mailSync.metadata.creationTimestamp
          ? isoSeconds(new Date(mailSync.metadata.creationTimestamp))
          : isoSeconds(now),
        lastRun: status.startTime ? { startTime: status.startTime, completionTime: status.completionTime } : undefined,
        now,
      });
      decision.nextScheduledAt = isoSeconds(schedule.next);
      if (schedule.due) decision.scheduledAt = schedule.due;
      wake(schedule.next);
    } catch (error) {
      // An invalid schedule fails the next run's validation (InvalidConfiguration); nothing is scheduled.
      if (!(error instanceof ScheduleError)) throw error;
    }
  }

  if (status.runGeneration === undefined || status.runGeneration < generation) {
    return { ...decision, trigger: 'generation' };
  }
  if (requested !== undefined && requested !== status.lastRequestedAt) return { ...decision, trigger: 'requested' };
  if (status.nextRetryAt) {
    const at = new Date(status.nextRetryAt);
    if (!(at.getTime() > now.getTime())) return { ...decision, trigger: 'retry' };
    wake(at);
  }
  if (decision.scheduledAt) return { ...decision, trigger: 'schedule' };
  return decision;
}
