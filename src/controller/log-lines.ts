/**
 * Parsing the worker's log as the API server returns it with
 * `timestamps=true`: "<RFC3339Nano timestamp> <pino JSON line>", and the
 * readable lines it adds to status.logTail. Pure.
 */
import { type LogRecord, lineText } from '../api/event-text.js';
import type { SyncEvent } from '../api/events.js';

export interface TimestampedLine {
  /** Kubelet timestamp as written (RFC 3339 with up to 9 fraction digits). */
  timestamp: string;
  /** The same timestamp in nanoseconds since the epoch, for ordering. */
  nanos: bigint;
  text: string;
}

export type WorkerLine =
  | { kind: 'event'; event: SyncEvent; record: LogRecord; level: number; time?: number; msg?: string }
  | { kind: 'log'; record: LogRecord; level: number; time?: number; msg: string }
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
    return { kind: 'event', event: record as unknown as SyncEvent, record, level, time, msg };
  }
  return { kind: 'log', record, level, time, msg: msg ?? trimmed };
}

function clock(time: number | undefined): string {
  return time === undefined ? '' : `${new Date(time).toISOString().slice(11, 19)} `;
}

/**
 * Readable lines for logTail, in the words of api/event-text.ts (the CLI's),
 * prefixed with the worker's clock (UTC). Progress events only update
 * status.progress: every 2 s they would push everything else out of the tail.
 */
export function readableLines(line: WorkerLine): string[] {
  if (line.kind === 'raw') return line.text ? [line.text] : [];
  if (line.kind === 'event' && line.event.event === 'progress') return [];
  const prefix = clock(line.time);
  return lineText(line.record).map((text, i) => (i === 0 ? `${prefix}${text}` : text));
}
