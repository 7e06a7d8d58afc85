/**
 * Hands a step's new status to the status writer and records an Event when
 * the phase or the Ready reason changed (one Event per transition).
 */
import { ConditionType, type MailSyncStatus } from '../api/status.js';
import { findCondition } from '../kube/conditions.js';
import type { StepInput } from './context.js';
import { migrationOwner } from './migration-owner.js';
import { readyReason } from './transitions.js';

/** Ready reasons that are not worth an Event nor a write of their own (a step on the way to Running). */
const QUIET_REASONS = new Set(['PodPending']);
/**
 * A migration's children record no Event for these steps either: their status has them, the
 * migration counts them, and a 10,000-account migration would write 30,000 Events (one API
 * request each) that say what its status says. Their outcomes and warnings are recorded.
 */
const QUIET_FOR_MIGRATION_CHILDREN = new Set(['Queued', 'JobCreated', 'Running']);
const WARNING_REASONS = new Set(['SecretNotFound', 'SecretKeyNotFound', 'InvalidConfiguration', 'JobDeleted']);

export async function commitStatus(
  input: StepInput,
  next: MailSyncStatus,
  options: { flush?: boolean; eventMessage?: string } = {},
): Promise<void> {
  const { ctx, mailSync, status: before } = input;
  const reason = readyReason(next);
  // A quiet step (a pod pending) within the same phase is written with the next window or phase change.
  const quiet = before.phase === next.phase && reason !== undefined && QUIET_REASONS.has(reason);
  ctx.status.update(
    mailSync,
    (draft) => {
      for (const key of Object.keys(draft)) delete (draft as Record<string, unknown>)[key];
      Object.assign(draft, structuredClone(next));
    },
    { quiet },
  );
  input.status = next;
  const quietEvent =
    QUIET_REASONS.has(reason ?? '') ||
    (QUIET_FOR_MIGRATION_CHILDREN.has(reason ?? '') && migrationOwner(mailSync) !== undefined);
  if (reason && (before.phase !== next.phase || readyReason(before) !== reason) && !quietEvent) {
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
