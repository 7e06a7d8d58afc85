/**
 * The one renderer of the worker's log lines (events of api/events.ts and
 * plain pino lines) into readable text. The CLI (`--log-format human`) and
 * the controller (status.logTail, `kubectl describe`, Events) both print
 * these words, so a terminal and a cluster tell the same story. Only what
 * surrounds the text differs: the clock, whether progress lines are kept,
 * and the CLI's imapsync-style statistics block in front of the verdict.
 *
 * The input is a parsed JSON line, not a typed SyncEvent: it comes from
 * another process (another version, perhaps), and a field missing or of the
 * wrong type must still render something, never throw.
 */
import type { Summary } from './events.js';
import { printable } from './printable.js';
import { formatBytes, formatDuration, plural } from './units-text.js';

/** One parsed line of the worker's log: an engine event (has `event`) or a plain pino line. */
export type LogRecord = Readonly<Record<string, unknown>>;

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const record = (v: unknown): LogRecord => (typeof v === 'object' && v !== null ? (v as LogRecord) : {});

/** The prefix of a plain line by pino level; info has none. */
const LEVEL_LABEL: Record<number, string> = { 10: 'TRACE ', 20: 'DEBUG ', 40: 'WARNING ', 50: 'ERROR ', 60: 'FATAL ' };

/** Fields pino adds to every line, and the event envelope: not worth printing. */
const ENVELOPE = new Set(['level', 'time', 'pid', 'hostname', 'schema', 'event', 'msg']);

function progressText(p: LogRecord): string {
  const copied = num(p.messagesCopied);
  const skipped = num(p.messagesSkipped);
  const failed = num(p.messagesFailed);
  const parts = [
    `${num(p.foldersDone)}/${num(p.foldersTotal)} folders`,
    `${copied + skipped + failed}/${num(p.messagesTotal)} messages (${copied} copied, ${skipped} skipped, ${failed} failed)`,
    formatBytes(num(p.bytesCopied)),
    `${num(p.messagesPerSecond)} msg/s`,
    `${formatBytes(num(p.bytesPerSecond))}/s`,
  ];
  if (typeof p.etaSeconds === 'number') parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  return `Progress: ${parts.join(', ')}`;
}

function folderPlanText(e: LogRecord): string {
  const parts = [`${num(e.copy)} to copy (${formatBytes(num(e.copyBytes))})`, `${num(e.alreadyPresent)} already there`];
  if (num(e.duplicates) > 0) parts.push(`${num(e.duplicates)} duplicates`);
  if (num(e.flagUpdates) > 0) parts.push(`${num(e.flagUpdates)} flag updates`);
  if (num(e.deleteOnDestination) > 0) parts.push(`${num(e.deleteOnDestination)} to delete on the destination`);
  if (num(e.filteredOut) > 0) parts.push(`${num(e.filteredOut)} filtered out`);
  const prefix = e.dryRun ? 'Dry run: folder' : 'Folder';
  return `${prefix} ${str(e.folder)} -> ${str(e.destinationFolder)}: ${parts.join(', ')}`;
}

function folderEndText(e: LogRecord): string {
  if (e.unchanged) return `Folder ${str(e.folder)}: unchanged since the last run`;
  const parts = [`${num(e.copied)} copied`, `${num(e.skipped)} skipped`, `${num(e.failed)} failed`];
  if (num(e.flagsUpdated) > 0) parts.push(`${num(e.flagsUpdated)} flags updated`);
  if (num(e.deletedOnDestination) > 0) parts.push(`${num(e.deletedOnDestination)} deleted on the destination`);
  if (num(e.deletedOnSource) > 0) parts.push(`${num(e.deletedOnSource)} deleted on the source`);
  let line = `Folder ${str(e.folder)} done: ${parts.join(', ')}`;
  if (typeof e.missing === 'number') {
    line += num(e.missing) === 0 ? ', verified' : `, VERIFICATION FAILED: ${num(e.missing)} missing on the destination`;
  }
  return line;
}

function folderSizeText(e: LogRecord): string {
  const side = (v: unknown) => {
    if (v === undefined || v === null) return 'does not exist';
    const s = record(v);
    return `${plural(num(s.messages), 'message')}, ${formatBytes(num(s.bytes))}`;
  };
  return `Folder ${str(e.folder)}: source ${side(e.source)}; destination ${str(e.destinationFolder)}: ${side(e.destination)}`;
}

/** The last line of every run, here and after the CLI's statistics block. */
export function verdictLine(s: Partial<Summary> | LogRecord): string {
  return `Verdict: ${str(s.verdict)} (${str(s.reason)}, exit code ${num(s.exitCode)}): ${str(s.message)}`;
}

/** "transferred 120, skipped 3, failed 0, 1.91 MiB in 9 s (13.3 msg/s)": the totals in one line (logTail, Events). */
export function summaryTotals(s: Partial<Summary> | LogRecord | undefined): string {
  if (!s) return 'no summary from the worker';
  return (
    `transferred ${num(s.messagesTransferred)}, skipped ${num(s.messagesSkipped)}, failed ${num(s.messagesFailed)}, ` +
    `${formatBytes(num(s.bytesTransferred))} in ${formatDuration(num(s.durationSeconds))} (${num(s.messagesPerSecond)} msg/s)`
  );
}

function plainLineText(line: LogRecord): string {
  const { err, ...rest } = line;
  let text = `${LEVEL_LABEL[num(line.level)] ?? ''}${str(line.msg)}`;
  const fields = Object.entries(rest).filter(([k, v]) => !ENVELOPE.has(k) && v !== undefined);
  if (fields.length > 0) {
    text += ` ${fields.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`;
  }
  if (err && typeof err === 'object' && 'message' in err) text += `: ${str((err as { message: unknown }).message)}`;
  return text;
}

function unknownEventText(line: LogRecord): string {
  const rest = Object.fromEntries(Object.entries(line).filter(([k]) => !ENVELOPE.has(k)));
  return `${str(line.event)} ${JSON.stringify(rest)}`;
}

/**
 * The readable lines of one worker log line (two for the summary, one for everything else), control characters
 * escaped: folder names and error texts come from IMAP servers, and these lines reach terminals and status.
 */
export function lineText(line: LogRecord): string[] {
  return rawLineText(line).map(printable);
}

function rawLineText(line: LogRecord): string[] {
  switch (line.event) {
    case undefined:
      return [plainLineText(line)];
    case 'start':
      return [`Sync started (${str(line.mode)}): ${str(line.source)} -> ${str(line.destination)}`];
    case 'connected': {
      const caps = Array.isArray(line.capabilities) ? line.capabilities.length : 0;
      return [`Connected to the ${str(line.side)} (${str(line.tls)}, ${plural(caps, 'capability', 'capabilities')})`];
    }
    case 'folders': {
      const total = line.messagesTotal !== undefined ? `, ${plural(num(line.messagesTotal), 'message')}` : '';
      return [`${plural(num(line.total), 'folder')} to sync${total}`];
    }
    case 'folder.begin':
      return [
        `Folder ${str(line.folder)} -> ${str(line.destinationFolder)} (${plural(num(line.messages), 'message')})`,
      ];
    case 'folder.plan':
      return [folderPlanText(line)];
    case 'folder.create':
      return [`${line.dryRun ? 'Would create' : 'Created'} folder ${str(line.folder)}`];
    case 'folder.size':
      return [folderSizeText(line)];
    case 'folder.end':
      return [folderEndText(line)];
    case 'progress':
      return [progressText(record(line.progress))];
    case 'message.error': {
      const uid = line.uid !== undefined ? ` UID ${str(line.uid)}` : '';
      return [`WARNING message${uid} in ${str(line.folder)} not copied (${str(line.reason)}): ${str(line.error)}`];
    }
    case 'error': {
      const side = line.side ? ` on the ${str(line.side)}` : '';
      return [`ERROR ${str(line.reason)}${side}: ${str(line.error)}`];
    }
    case 'reconnect':
      return [`WARNING reconnecting to the ${str(line.side)} (attempt ${num(line.attempt)})`];
    case 'abort':
      return [
        `WARNING stopping on ${str(line.signal)}: no new messages, finishing the one in flight (send it again to quit at once)`,
      ];
    case 'summary': {
      const summary = record(line.summary);
      return [`Totals: ${summaryTotals(summary)}`, verdictLine(summary)];
    }
    default:
      return [unknownEventText(line)];
  }
}
