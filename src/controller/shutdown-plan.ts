/**
 * How the controller spends its shutdown budget (--shutdown-timeout-seconds) after SIGTERM, in order:
 *   1. drain: no new work is taken; reconciles already running may finish;
 *   2. flush: status changes not yet written (coalesced progress, log lines) are written;
 *   3. release: the leader gives its Lease up, so a standby (or the new pod of a rolling upgrade)
 *      takes over at once instead of waiting out the lease duration.
 * The Lease is released last on purpose: until then this process may still write, and a second
 * leader must not start while it does. Each step gets its own slice, so a hung reconcile cannot eat
 * the time of the release; whatever is left undone when the budget ends is dropped and the process
 * exits, before the kubelet's SIGKILL (terminationGracePeriodSeconds, which the chart keeps larger).
 * A replica that lost the Lease skips the flush: another leader may already own that status.
 * Pure.
 */

export interface ShutdownPlan {
  drainMs: number;
  flushMs: number;
  releaseMs: number;
}

/** The controller's default budget; the chart passes its own (values: shutdown.timeoutSeconds). */
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 20;

/** Flush and release each get a quarter of the budget, at most 5 s (one API request each); drain the rest. */
export function shutdownPlan(budgetSeconds: number): ShutdownPlan {
  const budgetMs = Math.max(0, budgetSeconds) * 1000;
  const reserveMs = Math.min(5000, Math.floor(budgetMs / 4));
  return { drainMs: budgetMs - 2 * reserveMs, flushMs: reserveMs, releaseMs: reserveMs };
}
