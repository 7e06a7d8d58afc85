/**
 * Parsing the worker's log as the API server returns it with
 * `timestamps=true`: "<RFC3339Nano timestamp> <pino JSON line>". Pure.
 */
import type { SyncEvent } from '../api/events.js';

export interface TimestampedLine {
  /** Kubelet timestamp as written (RFC 3339 with up to 9 fraction digits). */
  timestamp: string;
  /** The same timestamp in nanoseconds since the epoch, for ordering. */
  nanos: bigint;
  text: string;
}

export type WorkerLine =
  | { kind: 'event'; event: SyncEvent; level: number; time?: number; msg?: string }
  | { kind: 'log'; level: number; time?: number; msg: string }
  | { kind: 'raw'; text: string };

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) ?/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp; undefined when it is not one. */
export function timestampNanos(timestamp: string): bigint | undefined {
  const match = TIMESTAMP.exec(timestamp);
  if (!match) return undefined;
  const millis = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(millis)) return undefined;
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return BigInt(millis) * 1_000_000n + fraction;
}

/** The second a timestamp falls in, as RFC 3339 (the API's sinceTime has second precision). */
export function sinceTimeOf(timestamp: string): string | undefined {
  const nanos = timestampNanos(timestamp);
  if (nanos === undefined) return undefined;
  return new Date(Number(nanos / 1_000_000_000n) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Split "<timestamp> <text>"; lines without a timestamp (should not happen) are undefined. */
export function splitTimestamp(line: string): TimestampedLine | undefined {
  const match = TIMESTAMP.exec(line);
  if (!match) return undefined;
  const timestamp = match[0].trimEnd();
  const nanos = timestampNanos(timestamp);
  if (nanos === undefined) return undefined;
  return { timestamp, nanos, text: line.slice(match[0].length) };
}

/** Interpret one worker stdout line: an engine event, a plain pino line, or anything else. */
export function parseWorkerLine(text: string): WorkerLine {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { kind: 'raw', text: trimmed };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { kind: 'raw', text: trimmed };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { kind: 'raw', text: trimmed };
  const record = parsed as Record<string, unknown>;
  const level = typeof record.level === 'number' ? record.level : 30;
  const time = typeof record.time === 'number' ? record.time : undefined;
  const msg = typeof record.msg === 'string' ? record.msg : undefined;
  if (typeof record.event === 'string') {
    return { kind: 'event', event: record as unknown as SyncEvent, level, time, msg };
  }
  return { kind: 'log', level, time, msg: msg ?? trimmed };
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: '', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}

function clock(time: number | undefined): string {
  return time === undefined ? '' : `${new Date(time).toISOString().slice(11, 19)} `;
}

/** The readable lines an event contributes to logTail ([] for events that only update progress). */
function describeEvent(event: SyncEvent): string[] {
  switch (event.event) {
    case 'start':
      return [`start ${event.mode}: ${event.source} -> ${event.destination}`];
    case 'connected':
      return [`connected to ${event.side} (${event.tls})`];
    case 'folders':
      return [`${event.total} folders${event.messagesTotal !== undefined ? `, ${event.messagesTotal} messages` : ''}`];
    case 'folder.begin':
      return [`folder ${event.folder} -> ${event.destinationFolder}: ${event.messages} messages`];
    case 'folder.end':
      return [
        `folder ${event.folder} done: ${event.copied} copied, ${event.skipped} skipped, ${event.failed} failed` +
          (event.unchanged ? ' (unchanged)' : '') +
          (event.missing ? `, ${event.missing} MISSING on destination` : ''),
      ];
    case 'folder.plan':
      return [
        `${event.dryRun ? 'would copy' : 'to copy'} ${event.copy} messages (${formatBytes(event.copyBytes)}) ` +
          `from ${event.folder} to ${event.destinationFolder}`,
      ];
    case 'folder.create':
      return [`${event.dryRun ? 'would create' : 'created'} folder ${event.folder}`];
    case 'folder.size':
      return [
        `size ${event.folder}: ${event.source.messages} messages ${formatBytes(event.source.bytes)}` +
          (event.destination
            ? ` / ${event.destinationFolder}: ${event.destination.messages} messages ${formatBytes(event.destination.bytes)}`
            : ` / ${event.destinationFolder}: absent`),
      ];
    case 'progress':
      return [];
    case 'message.error':
      return [
        `WARN ${event.folder}${event.uid !== undefined ? ` uid ${event.uid}` : ''}: ${event.reason}: ${event.error}`,
      ];
    case 'error':
      return [`ERROR ${event.reason}${event.side ? ` (${event.side})` : ''}: ${event.error}`];
    case 'reconnect':
      return [`WARN reconnecting to ${event.side} (attempt ${event.attempt})`];
    case 'abort':
      return [`WARN abort requested (${event.signal}): finishing the message in flight, then logging out`];
    case 'summary': {
      const s = event.summary;
      return [
        `summary: ${s.verdict} (${s.reason}, exit code ${s.exitCode}) ${s.message}`,
        `  transferred ${s.messagesTransferred}, skipped ${s.messagesSkipped}, duplicates ${s.duplicatesSkipped}, ` +
          `failed ${s.messagesFailed}, errors ${s.errors}`,
        `  ${formatBytes(s.bytesTransferred)} in ${s.durationSeconds} s (${s.messagesPerSecond} msg/s), ` +
          `folders ${s.foldersSynced} (+${s.foldersCreated} created), reconnects ${s.reconnects}`,
      ];
    }
    default: {
      const unknown = event as { event: string };
      return [unknown.event];
    }
  }
}

/** Readable lines for logTail, prefixed with the worker's clock (UTC). */
export function readableLines(line: WorkerLine): string[] {
  if (line.kind === 'raw') return line.text ? [line.text] : [];
  const prefix = clock(line.time);
  if (line.kind === 'log') {
    const level = LEVEL_NAMES[line.level] ?? '';
    return [`${prefix}${level ? `${level} ` : ''}${line.msg}`];
  }
  return describeEvent(line.event).map((text, i) => (i === 0 ? `${prefix}${text}` : text));
}
