/**
 * The worker's JSON lines for a terminal: the shared text of each line
 * (api/event-text.ts, the same words as status.logTail) with the local
 * time in front, and, for the final summary, imapsync's statistics block in
 * place of the one-line totals, followed by the verdict. Pure.
 */

import { type LogRecord, lineText, verdictLine } from '../api/event-text.js';
import type { Summary } from '../api/events.js';
import { printable } from '../api/printable.js';
import { formatBytes, formatDuration, plural } from '../api/units-text.js';

export interface HumanFormatOptions {
  /** Renders pino's `time` (epoch ms); default local HH:MM:SS. */
  clock?: (epochMs: number) => string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const localClock = (ms: number) => {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
};

/** One log line rendered with its time: "12:34:56 Folder INBOX done: ...". */
export function formatLine(line: LogRecord, options: HumanFormatOptions = {}): string {
  if (line.event === 'summary' && typeof line.summary === 'object' && line.summary !== null) {
    return formatSummary(line.summary as Summary)
      .map(printable)
      .join('\n');
  }
  const clock = options.clock ?? localClock;
  const prefix = typeof line.time === 'number' ? `${clock(line.time)} ` : '';
  return lineText(line)
    .map((text, i) => (i === 0 ? `${prefix}${text}` : text))
    .join('\n');
}

const row = (label: string, value: string) => `${label.padEnd(34)}: ${value}`;
const count = (v: number | undefined) => v ?? 0;

function verification(s: Summary): string {
  if (s.verificationMissing > 0) {
    return `${plural(s.verificationMissing, 'folder')} with messages missing on the destination`;
  }
  if (s.mode !== 'sync') return `not applicable (${s.mode})`;
  // A run that stopped early verified only the folders it finished.
  if (s.verdict === 'failed' || s.verdict === 'aborted') return 'incomplete: the run did not finish';
  return 'no folder misses a message';
}

function dryRunRows(d: NonNullable<Summary['dryRun']>): string[] {
  return [
    '---- Dry run: what a real run would do',
    row('Messages to copy', `${d.wouldCopy} (${formatBytes(d.wouldCopyBytes)})`),
    row('Flag updates', String(d.wouldUpdateFlags)),
    row('Deletions on host2', String(d.wouldDeleteOnDestination)),
    row('Folders to create', String(d.wouldCreateFolders)),
  ];
}

function folderSizeRows(sizes: NonNullable<Summary['folderSizes']>): string[] {
  const lines = ['---- Folder sizes (source | destination)'];
  for (const f of sizes) {
    const dst = f.destination
      ? `${f.destination.messages} msgs, ${formatBytes(f.destination.bytes)}`
      : 'does not exist';
    lines.push(row(f.folder, `${f.source.messages} msgs, ${formatBytes(f.source.bytes)} | ${dst}`));
  }
  return lines;
}

/** imapsync's "++++ Statistics" block, ending with the shared verdict line. */
export function formatSummary(s: Summary): string[] {
  const folderNotes: string[] = [];
  if (s.foldersCreated > 0) folderNotes.push(`${s.foldersCreated} created`);
  if (count(s.foldersUnchanged) > 0) folderNotes.push(`${count(s.foldersUnchanged)} unchanged`);
  const lines = [
    '++++ Statistics',
    row('Transfer started on', s.startTime),
    row('Transfer ended on', s.endTime),
    row('Transfer time', formatDuration(s.durationSeconds)),
    row('Mode', s.mode),
    row('Folders synced', `${s.foldersSynced}${folderNotes.length ? ` (${folderNotes.join(', ')})` : ''}`),
    row('Messages transferred', String(s.messagesTransferred)),
    ...(count(s.messagesChanged) > 0 ? [row('Messages changed on the way', String(s.messagesChanged))] : []),
    ...(count(s.messagesChangedByServer) > 0
      ? [row('Messages changed by the destination server', String(s.messagesChangedByServer))]
      : []),
    row('Messages skipped', String(s.messagesSkipped)),
    row('Messages found duplicate on host1', String(s.duplicatesSkipped)),
  ];
  if (s.crossDuplicatesSkipped !== undefined) {
    lines.push(row('Messages skipped as cross duplicates', String(s.crossDuplicatesSkipped)));
  }
  if (s.messagesFilteredOut !== undefined) lines.push(row('Messages filtered out', String(s.messagesFilteredOut)));
  lines.push(
    row('Messages failed', String(s.messagesFailed)),
    row('Messages deleted on host1', String(s.messagesDeletedOnSource)),
    row('Messages deleted on host2', String(s.messagesDeletedOnDestination)),
    row('Flags updated', String(s.flagsUpdated)),
    row('Total bytes transferred', `${s.bytesTransferred} (${formatBytes(s.bytesTransferred)})`),
    row('Message rate', `${s.messagesPerSecond} messages/s`),
    row('Average bandwidth rate', `${formatBytes(s.bytesPerSecond)}/s`),
    row('Reconnections', String(s.reconnects)),
    row('Biggest message', `${s.biggestMessageBytes} (${formatBytes(s.biggestMessageBytes)})`),
    ...(s.peakMemoryBytes !== undefined ? [row('Peak memory', formatBytes(s.peakMemoryBytes))] : []),
    row('Errors', String(s.errors)),
    row('Verification', verification(s)),
  );
  if (s.dryRun) lines.push(...dryRunRows(s.dryRun));
  if (s.folderSizes && s.folderSizes.length > 0) lines.push(...folderSizeRows(s.folderSizes));
  lines.push('++++ End statistics', verdictLine(s));
  return lines;
}
