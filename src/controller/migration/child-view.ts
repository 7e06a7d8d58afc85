/**
 * What a migration reads of one child MailSync to count a pass: which pass its
 * current (or last) run belongs to, how far it is, and why it failed.
 */
import type { MailSync } from '../../api/mailsync.js';

export interface ChildView {
  name: string;
  phase?: string;
  /** The pass the child's current (or last) run belongs to; undefined before its first run. */
  runPass?: string;
  /** A failed run that the MailSync controller will retry (not finished for the pass). */
  retryPending: boolean;
  messages: number;
  bytes: number;
  /** Why the last run failed (status.lastError.reason). */
  reason?: string;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Aborted']);

export function childView(child: MailSync): ChildView {
  const status = child.status ?? {};
  // The MailSync controller records the mailsync.io/requested-at value a run answers when it starts
  // (the first run of a child created with the annotation included).
  const runPass = status.lastRequestedAt;
  const terminal = status.phase !== undefined && TERMINAL.has(status.phase);
  const summary = terminal ? status.summary : undefined;
  const view: ChildView = {
    name: child.metadata.name ?? '',
    retryPending: status.nextRetryAt !== undefined,
    messages: summary?.messagesTransferred ?? status.progress?.messagesCopied ?? 0,
    bytes: summary?.bytesTransferred ?? status.progress?.bytesCopied ?? 0,
  };
  if (status.phase) view.phase = status.phase;
  if (runPass) view.runPass = runPass;
  const reason = status.lastError?.reason ?? (status.phase === 'Aborted' ? 'Aborted' : undefined);
  if (reason) view.reason = reason;
  return view;
}
