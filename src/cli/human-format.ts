/**
 * The worker's JSON events (src/api/events.ts) as lines for a terminal, and
 * the final summary as a statistics block in imapsync's style. Pure: takes the
 * parsed pino object, returns text. Unknown events still print something.
 */
import type { Progress, Summary } from '../api/events.js';

type Line = Record<string, unknown>;

export interface HumanFormatOptions {
  /** Renders pino's `time` (epoch ms); default local HH:MM:SS. */
  clock?: (epochMs: number) => string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const localClock = (ms: number) => {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
};

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${pad2(m)}m${pad2(rest)}s` : `${m}m${pad2(rest)}s`;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function formatProgress(p: Progress): string {
  const done = p.messagesCopied + p.messagesSkipped + p.messagesFailed;
  const parts = [
    `${p.foldersDone}/${p.foldersTotal} folders`,
    `${done}/${p.messagesTotal} messages (${p.messagesCopied} copied, ${p.messagesSkipped} skipped, ${p.messagesFailed} failed)`,
    formatBytes(p.bytesCopied),
    `${p.messagesPerSecond} msg/s`,
    `${formatBytes(p.bytesPerSecond)}/s`,
  ];
  if (p.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  return `Progress: ${parts.join(', ')}`;
}

function formatFolderPlan(e: Line): string {
  const parts = [`${num(e.copy)} to copy (${formatBytes(num(e.copyBytes))})`, `${num(e.alreadyPresent)} already there`];
  if (num(e.duplicates) > 0) parts.push(`${num(e.duplicates)} duplicates`);
  if (num(e.flagUpdates) > 0) parts.push(`${num(e.flagUpdates)} flag updates`);
  if (num(e.deleteOnDestination) > 0) parts.push(`${num(e.deleteOnDestination)} to delete on the destination`);
  if (num(e.filteredOut) > 0) parts.push(`${num(e.filteredOut)} filtered out`);
  const prefix = e.dryRun ? 'Dry run: folder' : 'Folder';
  return `${prefix} ${str(e.folder)} -> ${str(e.destinationFolder)}: ${parts.join(', ')}`;
}

function formatFolderEnd(e: Line): string {
  if (e.unchanged) return `Folder ${str(e.folder)}: unchanged since the last run`;
  const parts = [`${num(e.copied)} copied`, `${num(e.skipped)} skipped`, `${num(e.failed)} failed`];
  if (num(e.flagsUpdated) > 0) parts.push(`${num(e.flagsUpdated)} flags updated`);
  if (num(e.deletedOnDestination) > 0) parts.push(`${num(e.deletedOnDestination)} deleted on the destination`);
  if (num(e.deletedOnSource) > 0) parts.push(`${num(e.deletedOnSource)} deleted on the source`);
  let line = `Folder ${str(e.folder)} done: ${parts.join(', ')}`;
  if (e.missing !== undefined) {
    line += num(e.missing) === 0 ? ', verified' : `, VERIFICATION FAILED: ${num(e.missing)} missing on the destination`;
  }
  return line;
}

function formatFolderSize(e: Line): string {
  const src = e.source as { messages: number; bytes: number } | undefined;
  const dst = e.destination as { messages: number; bytes: number } | undefined;
  const side = (s?: { messages: number; bytes: number }) =>
    s ? `${plural(s.messages, 'message')}, ${formatBytes(s.bytes)}` : 'does not exist';
  return `Folder ${str(e.folder)}: source ${side(src)}; destination ${str(e.destinationFolder)}: ${side(dst)}`;
}

/** The readable text of one event or log line (several lines for the summary). */
export function formatEvent(line: Line): string {
  switch (line.event) {
    case 'start':
      return `Sync started (${str(line.mode)}): ${str(line.source)} -> ${str(line.destination)}`;
    case 'connected': {
      const caps = Array.isArray(line.capabilities) ? line.capabilities.length : 0;
      return `Connected to the ${str(line.side)} (${str(line.tls)}, ${plural(caps, 'capability', 'capabilities')})`;
    }
    case 'folders': {
      const total = line.messagesTotal !== undefined ? `, ${plural(num(line.messagesTotal), 'message')}` : '';
      return `${plural(num(line.total), 'folder')} to sync${total}`;
    }
    case 'folder.begin':
      return `Folder ${str(line.folder)} -> ${str(line.destinationFolder)} (${plural(num(line.messages), 'message')})`;
    case 'folder.plan':
      return formatFolderPlan(line);
    case 'folder.create':
      return `${line.dryRun ? 'Would create' : 'Created'} folder ${str(line.folder)}`;
    case 'folder.size':
      return formatFolderSize(line);
    case 'folder.end':
      return formatFolderEnd(line);
    case 'progress':
      return formatProgress(line.progress as Progress);
    case 'message.error': {
      const uid = line.uid !== undefined ? ` UID ${str(line.uid)}` : '';
      return `WARNING message${uid} in ${str(line.folder)} not copied (${str(line.reason)}): ${str(line.error)}`;
    }
    case 'error': {
      const side = line.side ? ` on the ${str(line.side)}` : '';
      return `ERROR ${str(line.reason)}${side}: ${str(line.error)}`;
    }
    case 'reconnect':
      return `Reconnecting to the ${str(line.side)} (attempt ${num(line.attempt)})`;
    case 'abort':
      return `Stopping on ${str(line.signal)}: no new messages, finishing the one in flight (send it again to quit at once)`;
    case 'summary':
      return formatSummary(line.summary as Summary).join('\n');
    case undefined:
      return formatPlainLine(line);
    default: {
      const { level: _l, time: _t, pid: _p, hostname: _h, schema: _s, event, msg: _m, ...rest } = line;
      return `${str(event)} ${JSON.stringify(rest)}`;
    }
  }
}

const LEVEL_LABEL: Record<number, string> = { 10: 'TRACE ', 20: 'DEBUG ', 40: 'WARNING ', 50: 'ERROR ', 60: 'FATAL ' };

function formatPlainLine(line: Line): string {
  const label = LEVEL_LABEL[num(line.level)] ?? '';
  const { level: _l, time: _t, pid: _p, hostname: _h, msg, err, ...rest } = line;
  let text = `${label}${str(msg)}`;
  const fields = Object.entries(rest).filter(([, v]) => v !== undefined);
  if (fields.length > 0)
    text += ` ${fields.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`;
  if (err && typeof err === 'object' && 'message' in err) text += `: ${str((err as { message: unknown }).message)}`;
  return text;
}

/** One log line rendered with its time: "12:34:56 Folder INBOX done: ...". */
export function formatLine(line: Line, options: HumanFormatOptions = {}): string {
  const text = formatEvent(line);
  if (line.event === 'summary') return text;
  const clock = options.clock ?? localClock;
  return typeof line.time === 'number' ? `${clock(line.time)} ${text}` : text;
}

const row = (label: string, value: string) => `${label.padEnd(34)}: ${value}`;

function verification(s: Summary): string {
  if (s.verificationMissing > 0) {
    return `${plural(s.verificationMissing, 'folder')} with messages missing on the destination`;
  }
  if (s.mode !== 'sync') return `not applicable (${s.mode})`;
  // A run that stopped early verified only the folders it finished.
  if (s.verdict === 'failed' || s.verdict === 'aborted') return 'incomplete: the run did not finish';
  return 'no folder misses a message';
}

/** imapsync's "++++ Statistics" block, with mailsync's verdict. */
export function formatSummary(s: Summary): string[] {
  const lines = ['++++ Statistics'];
  lines.push(row('Transfer started on', s.startTime));
  lines.push(row('Transfer ended on', s.endTime));
  lines.push(row('Transfer time', formatDuration(s.durationSeconds)));
  lines.push(row('Mode', s.mode));
  const folderNotes: string[] = [];
  if (s.foldersCreated > 0) folderNotes.push(`${s.foldersCreated} created`);
  if (num(s.foldersUnchanged) > 0) folderNotes.push(`${num(s.foldersUnchanged)} unchanged`);
  lines.push(row('Folders synced', `${s.foldersSynced}${folderNotes.length ? ` (${folderNotes.join(', ')})` : ''}`));
  lines.push(row('Messages transferred', String(s.messagesTransferred)));
  lines.push(row('Messages skipped', String(s.messagesSkipped)));
  lines.push(row('Messages found duplicate on host1', String(s.duplicatesSkipped)));
  if (s.messagesFilteredOut !== undefined) lines.push(row('Messages filtered out', String(s.messagesFilteredOut)));
  lines.push(row('Messages failed', String(s.messagesFailed)));
  lines.push(row('Messages deleted on host1', String(s.messagesDeletedOnSource)));
  lines.push(row('Messages deleted on host2', String(s.messagesDeletedOnDestination)));
  lines.push(row('Flags updated', String(s.flagsUpdated)));
  lines.push(row('Total bytes transferred', `${s.bytesTransferred} (${formatBytes(s.bytesTransferred)})`));
  lines.push(row('Message rate', `${s.messagesPerSecond} messages/s`));
  lines.push(row('Average bandwidth rate', `${formatBytes(s.bytesPerSecond)}/s`));
  lines.push(row('Reconnections', String(s.reconnects)));
  lines.push(row('Biggest message', `${s.biggestMessageBytes} (${formatBytes(s.biggestMessageBytes)})`));
  lines.push(row('Errors', String(s.errors)));
  lines.push(row('Verification', verification(s)));
  if (s.dryRun) {
    const d = s.dryRun;
    lines.push('---- Dry run: what a real run would do');
    lines.push(row('Messages to copy', `${d.wouldCopy} (${formatBytes(d.wouldCopyBytes)})`));
    lines.push(row('Flag updates', String(d.wouldUpdateFlags)));
    lines.push(row('Deletions on host2', String(d.wouldDeleteOnDestination)));
    lines.push(row('Folders to create', String(d.wouldCreateFolders)));
  }
  if (s.folderSizes && s.folderSizes.length > 0) {
    lines.push('---- Folder sizes (source | destination)');
    for (const f of s.folderSizes) {
      const dst = f.destination
        ? `${f.destination.messages} msgs, ${formatBytes(f.destination.bytes)}`
        : 'does not exist';
      lines.push(row(f.folder, `${f.source.messages} msgs, ${formatBytes(f.source.bytes)} | ${dst}`));
    }
  }
  lines.push('++++ End statistics');
  lines.push(`Verdict: ${s.verdict} (${s.reason}, exit code ${s.exitCode}): ${s.message}`);
  return lines;
}
