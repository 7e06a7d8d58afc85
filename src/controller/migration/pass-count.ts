/**
 * The accounts, messages and bytes of one pass, counted from the children:
 * a child counts for the pass once its run belongs to it (see child-view.ts).
 */
import { MAX_FAILURE_REASONS } from '../../api/migration.js';
import type { FailureReason, PassAccounts } from '../../api/migration-status.js';
import type { ChildView } from './child-view.js';

export interface PassCount {
  accounts: PassAccounts;
  messages: number;
  bytes: number;
  failureReasons: FailureReason[];
}

/**
 * `total` is the number of valid accounts (children not created yet count as
 * queued). Running counts every child whose sync runs now, even one still
 * finishing an earlier pass: that is what the servers see.
 */
export function countPass(passId: string, total: number, children: readonly ChildView[]): PassCount {
  return count(total, children, (child) => child.runPass === passId);
}

/**
 * Between passes: every account by the outcome of its latest run, whatever
 * pass it belonged to (an account added since the last pass ran once since).
 */
export function countLatest(total: number, children: readonly ChildView[]): PassCount {
  return count(total, children, (child) => child.runPass !== undefined);
}

function count(total: number, children: readonly ChildView[], counts: (child: ChildView) => boolean): PassCount {
  let succeeded = 0;
  let failed = 0;
  let running = 0;
  let messages = 0;
  let bytes = 0;
  const reasons = new Map<string, number>();
  for (const child of children) {
    const inPass = counts(child);
    if (inPass) {
      messages += child.messages;
      bytes += child.bytes;
    }
    if (inPass && child.phase === 'Succeeded') succeeded++;
    else if (inPass && (child.phase === 'Failed' || child.phase === 'Aborted') && !child.retryPending) {
      failed++;
      const reason = child.reason ?? 'Unknown';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    } else if (child.phase === 'Running') running++;
  }
  const queued = Math.max(0, total - succeeded - failed - running);
  const failureReasons = [...reasons]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, MAX_FAILURE_REASONS);
  return { accounts: { total, succeeded, failed, running, queued }, messages, bytes, failureReasons };
}
