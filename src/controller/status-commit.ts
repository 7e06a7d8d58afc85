/**
 * Hands a step's new status to the status writer and records an Event when
 * the phase or the Ready reason changed (one Event per transition).
 */
import { ConditionType, type MailSyncStatus } from '../api/status.js';
import { findCondition } from '../kube/conditions.js';
import type { StepInput } from './context.js';
import { readyReason } from './transitions.js';

/** Ready reasons that are not worth an Event of their own (a step on the way to Running). */
const QUIET_REASONS = new Set(['PodPending']);
const WARNING_REASONS = new Set(['SecretNotFound', 'SecretKeyNotFound', 'InvalidConfiguration', 'JobDeleted']);

export async function commitStatus(
  input: StepInput,
  next: MailSyncStatus,
  options: { flush?: boolean; eventMessage?: string } = {},
): Promise<void> {
  const { ctx, mailSync, status: before } = input;
  ctx.status.update(mailSync, (draft) => {
    for (const key of Object.keys(draft)) delete (draft as Record<string, unknown>)[key];
    Object.assign(draft, structuredClone(next));
  });
  input.status = next;
  const reason = readyReason(next);
  if (reason && (before.phase !== next.phase || readyReason(before) !== reason) && !QUIET_REASONS.has(reason)) {
    const ready = findCondition(next.conditions, ConditionType.Ready);
    const warning = next.phase === 'Failed' || WARNING_REASONS.has(reason);
    ctx.events.record(
      mailSync,
      warning ? 'Warning' : 'Normal',
      reason,
      options.eventMessage ?? ready?.message ?? reason,
    );
  }
  if (options.flush) await ctx.status.flush(mailSync);
}
