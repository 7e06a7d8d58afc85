/**
 * Retries of failed runs (spec.retry): whether a failed run gets another
 * attempt, when (exponential backoff with full jitter), and how the status
 * says so (retries, nextRetryAt, the Retrying condition). Pure: the clock
 * and the random source come in.
 *
 * A retry is a new run (a new Job) of the same spec. Within one run the Job
 * itself may already have retried the worker pod (spec.backoffLimit), and a
 * pod interrupted by a drain or an eviction resumes the same run: neither
 * counts as an attempt here.
 */
import { isRetriable } from '../api/retry-policy.js';
import type { Retry } from '../api/spec.js';
import { ConditionType, type MailSyncStatus } from '../api/status.js';
import { removeCondition, setCondition } from '../kube/conditions.js';
import { isoSeconds } from './iso-time.js';
import type { Outcome } from './outcome.js';
import type { StepContext } from './transitions.js';

export const RETRY_DEFAULTS: Required<Retry> = { limit: 3, initialBackoffSeconds: 10, maxBackoffSeconds: 600 };

export function retrySettings(spec: Retry | undefined): Required<Retry> {
  const settings = { ...RETRY_DEFAULTS, ...spec };
  return { ...settings, maxBackoffSeconds: Math.max(settings.maxBackoffSeconds, 1) };
}

/**
 * Seconds to wait before retry number `retry` (1 = the first retry): uniform
 * in [1, min(max, initial * 2^(retry-1))] ("full jitter": many syncs that
 * failed together against one server do not come back together).
 */
export function backoffSeconds(retry: number, settings: Required<Retry>, random: () => number): number {
  const ceiling = Math.min(settings.maxBackoffSeconds, settings.initialBackoffSeconds * 2 ** Math.max(0, retry - 1));
  return Math.max(1, Math.round(random() * ceiling));
}

export type RetryVerdict =
  | { retry: true; at: Date; retryNumber: number }
  | { retry: false; why: 'Succeeded' | 'NotRetriable' | 'RetriesExhausted' };

export function decideRetry(input: {
  outcome: Pick<Outcome, 'phase' | 'reason'>;
  /** Attempts made so far, the failed one included. */
  attempts: number;
  settings: Required<Retry>;
  now: Date;
  random: () => number;
}): RetryVerdict {
  const { outcome, attempts, settings } = input;
  if (outcome.phase === 'Succeeded') return { retry: false, why: 'Succeeded' };
  if (outcome.phase !== 'Failed' || !isRetriable(outcome.reason)) return { retry: false, why: 'NotRetriable' };
  const retryNumber = attempts;
  if (retryNumber > settings.limit) return { retry: false, why: 'RetriesExhausted' };
  const seconds = backoffSeconds(retryNumber, settings, input.random);
  return { retry: true, at: new Date(input.now.getTime() + seconds * 1000), retryNumber };
}

/** The finished run's status with the retry verdict: nextRetryAt and the Retrying condition. */
export function withRetryVerdict(
  status: MailSyncStatus,
  ctx: StepContext,
  outcome: Pick<Outcome, 'reason'>,
  verdict: RetryVerdict,
  settings: Required<Retry>,
): MailSyncStatus {
  const { nextRetryAt: _n, ...rest } = status;
  const attempts = (status.retries ?? 0) + 1;
  if (verdict.retry) {
    const at = isoSeconds(verdict.at);
    return {
      ...rest,
      nextRetryAt: at,
      conditions: setCondition(
        status.conditions,
        {
          type: ConditionType.Retrying,
          status: 'True',
          reason: outcome.reason,
          message: `attempt ${attempts} of ${settings.limit + 1} failed (${outcome.reason}); retry ${verdict.retryNumber} at ${at}`,
        },
        ctx.generation,
        ctx.now,
      ),
    };
  }
  if (verdict.why === 'Succeeded') {
    return { ...rest, conditions: removeCondition(status.conditions, ConditionType.Retrying) };
  }
  const message =
    verdict.why === 'RetriesExhausted'
      ? `${attempts} attempts failed; no more retries (spec.retry.limit ${settings.limit})`
      : `${outcome.reason} is not retried (docs/exit-codes.md); a spec change or a run-now request starts a new run`;
  return {
    ...rest,
    conditions: setCondition(
      status.conditions,
      { type: ConditionType.Retrying, status: 'False', reason: verdict.why, message },
      ctx.generation,
      ctx.now,
    ),
  };
}
