/** Text of the demo's progress line and final summary, from a MailSync's status (pure functions). */
import type { MailSyncStatus } from '../src/api/status.js';
import { formatBytes, formatDuration } from '../src/api/units-text.js';

const BAR_WIDTH = 24;

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH)) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/** One line: name, phase, bar, done/total, rate, ETA, folders; or why it waits. */
export function progressLine(name: string, status: MailSyncStatus | undefined, elapsedSeconds: number): string {
  const phase = status?.phase ?? 'Pending';
  const parts = [`${name}`, phase.padEnd(9)];
  const p = status?.progress;
  if (p?.messagesTotal !== undefined) {
    const done = (p.messagesCopied ?? 0) + (p.messagesSkipped ?? 0) + (p.messagesFailed ?? 0);
    parts.push(bar(done, p.messagesTotal), `${p.messagesCopied ?? 0}/${p.messagesTotal} copied`);
    if (p.rate) parts.push(p.rate);
    if (p.etaSeconds !== undefined && phase === 'Running') parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
    if (p.foldersTotal !== undefined) parts.push(`folders ${p.foldersDone ?? 0}/${p.foldersTotal}`);
  } else {
    const ready = status?.conditions?.find((c) => c.type === 'Ready');
    if (ready && ready.status !== 'True') parts.push(`(${ready.reason})`);
  }
  parts.push(`  ${formatDuration(elapsedSeconds)}`);
  return parts.join('  ');
}

/** The final summary, from status.summary (the worker's own statistics). */
export function summaryLines(status: MailSyncStatus): string[] {
  const s = status.summary ?? {};
  const lines = [`phase:        ${status.phase}${s.reason ? ` (${s.reason})` : ''}`];
  if (s.verdict) lines.push(`verdict:      ${s.verdict}${s.message ? `: ${s.message}` : ''}`);
  if (s.messagesTransferred !== undefined) {
    lines.push(
      `messages:     ${s.messagesTransferred} copied, ${s.messagesSkipped ?? 0} already there, ` +
        `${s.messagesFailed ?? 0} failed`,
    );
  }
  if (s.foldersSynced !== undefined) {
    lines.push(`folders:      ${s.foldersSynced} synced, ${s.foldersCreated ?? 0} created on the destination`);
  }
  if (s.bytesTransferred !== undefined) lines.push(`bytes:        ${formatBytes(s.bytesTransferred)}`);
  if (s.durationSeconds !== undefined) {
    const rate = s.messagesPerSecond !== undefined ? ` (${s.messagesPerSecond.toFixed(1)} msg/s)` : '';
    lines.push(`duration:     ${formatDuration(s.durationSeconds)}${rate}`);
  }
  if (s.errors !== undefined) lines.push(`errors:       ${s.errors}, reconnects ${s.reconnects ?? 0}`);
  if (status.lastError) lines.push(`last error:   ${status.lastError.reason}: ${status.lastError.message}`);
  return lines;
}
