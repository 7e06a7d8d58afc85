/**
 * The engine's voice: run-wide counters, the JSON events of src/api/events.ts
 * (one pino line each, `schema` and `event` on every line), a progress line
 * every few seconds, and the final Summary. The controller parses these lines,
 * so everything emitted here goes through `emit` and its typed union.
 */
import type { Logger } from 'pino';
import { EVENT_SCHEMA_VERSION, type Progress, type Summary, type SyncEvent, type Verdict } from '../api/events.js';

type Unschema<T> = T extends unknown ? Omit<T, 'schema'> : never;
export type EventBody = Unschema<SyncEvent>;

export interface Counters {
  foldersTotal: number;
  foldersDone: number;
  foldersSynced: number;
  foldersCreated: number;
  foldersUnchanged: number;
  /** Source messages after filters; an estimate from STATUS until the folder is listed. */
  messagesTotal: number;
  messagesTransferred: number;
  /** Of messagesTransferred: rewritten on their way (spec.messages), never byte-identical to the source. */
  messagesChanged: number;
  /** Verified copies whose header bytes the destination server rewrote (verification.ts, changedOnDestination). */
  messagesChangedByServer: number;
  messagesSkipped: number;
  duplicatesSkipped: number;
  /** skipCrossDuplicates: of messagesSkipped, those held by another destination folder. */
  crossDuplicatesSkipped: number;
  messagesFiltered: number;
  messagesFailed: number;
  messagesDeletedOnSource: number;
  messagesDeletedOnDestination: number;
  flagsUpdated: number;
  bytesTransferred: number;
  errors: number;
  reconnects: number;
  biggestMessageBytes: number;
  verificationMissing: number;
}

const LEVEL_OF: Partial<Record<SyncEvent['event'], 'warn' | 'error'>> = {
  'message.error': 'warn',
  reconnect: 'warn',
  abort: 'warn',
  error: 'error',
};

export class Reporter {
  readonly counters: Counters = {
    foldersTotal: 0,
    foldersDone: 0,
    foldersSynced: 0,
    foldersCreated: 0,
    foldersUnchanged: 0,
    messagesTotal: 0,
    messagesTransferred: 0,
    messagesChanged: 0,
    messagesChangedByServer: 0,
    messagesSkipped: 0,
    duplicatesSkipped: 0,
    crossDuplicatesSkipped: 0,
    messagesFiltered: 0,
    messagesFailed: 0,
    messagesDeletedOnSource: 0,
    messagesDeletedOnDestination: 0,
    flagsUpdated: 0,
    bytesTransferred: 0,
    errors: 0,
    reconnects: 0,
    biggestMessageBytes: 0,
    verificationMissing: 0,
  };
  readonly startTime = new Date();
  #timer?: NodeJS.Timeout;

  constructor(readonly logger: Logger) {}

  emit(body: EventBody, msg?: string): void {
    const level = LEVEL_OF[body.event] ?? 'info';
    this.logger[level]({ schema: EVENT_SCHEMA_VERSION, ...body }, msg ?? body.event);
  }

  /** A plain log line (no `event`): shown in the controller's logTail, not parsed. */
  note(msg: string, fields: Record<string, unknown> = {}): void {
    this.logger.info(fields, msg);
  }

  startProgress(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.#timer = setInterval(() => this.emitProgress(), intervalMs);
    this.#timer.unref();
  }

  stopProgress(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  emitProgress(): void {
    this.emit({ event: 'progress', progress: this.progress() }, 'progress');
  }

  progress(): Progress {
    const c = this.counters;
    const seconds = Math.max(0.001, (Date.now() - this.startTime.getTime()) / 1000);
    const messagesPerSecond = c.messagesTransferred / seconds;
    const done = c.messagesTransferred + c.messagesSkipped + c.messagesFailed;
    const left = Math.max(0, c.messagesTotal - done);
    const progress: Progress = {
      foldersDone: c.foldersDone,
      foldersTotal: c.foldersTotal,
      messagesCopied: c.messagesTransferred,
      messagesSkipped: c.messagesSkipped,
      messagesFailed: c.messagesFailed,
      messagesTotal: c.messagesTotal,
      bytesCopied: c.bytesTransferred,
      messagesPerSecond: round(messagesPerSecond),
      bytesPerSecond: Math.round(c.bytesTransferred / seconds),
    };
    if (left === 0) progress.etaSeconds = 0;
    else if (messagesPerSecond > 0) progress.etaSeconds = Math.ceil(left / messagesPerSecond);
    return progress;
  }

  /** Record one appended message. */
  transferred(bytes: number): void {
    this.counters.messagesTransferred += 1;
    this.counters.bytesTransferred += bytes;
    if (bytes > this.counters.biggestMessageBytes) this.counters.biggestMessageBytes = bytes;
  }

  summary(fields: {
    verdict: Verdict;
    reason: string;
    exitCode: number;
    mode: string;
    message: string;
    extra?: Partial<Summary>;
  }): Summary {
    const c = this.counters;
    const end = new Date();
    const seconds = Math.max(0.001, (end.getTime() - this.startTime.getTime()) / 1000);
    return {
      verdict: fields.verdict,
      reason: fields.reason,
      exitCode: fields.exitCode,
      mode: fields.mode,
      startTime: this.startTime.toISOString(),
      endTime: end.toISOString(),
      durationSeconds: round(seconds),
      foldersSynced: c.foldersSynced,
      foldersCreated: c.foldersCreated,
      foldersUnchanged: c.foldersUnchanged,
      messagesTransferred: c.messagesTransferred,
      messagesChanged: c.messagesChanged,
      ...(c.messagesChangedByServer > 0 ? { messagesChangedByServer: c.messagesChangedByServer } : {}),
      messagesSkipped: c.messagesSkipped,
      duplicatesSkipped: c.duplicatesSkipped,
      ...(c.crossDuplicatesSkipped > 0 ? { crossDuplicatesSkipped: c.crossDuplicatesSkipped } : {}),
      messagesFilteredOut: c.messagesFiltered,
      messagesFailed: c.messagesFailed,
      messagesDeletedOnSource: c.messagesDeletedOnSource,
      messagesDeletedOnDestination: c.messagesDeletedOnDestination,
      flagsUpdated: c.flagsUpdated,
      bytesTransferred: c.bytesTransferred,
      messagesPerSecond: round(c.messagesTransferred / seconds),
      bytesPerSecond: Math.round(c.bytesTransferred / seconds),
      errors: c.errors,
      reconnects: c.reconnects,
      biggestMessageBytes: c.biggestMessageBytes,
      verificationMissing: c.verificationMissing,
      peakMemoryBytes: peakMemoryBytes(),
      message: fields.message,
      ...fields.extra,
    };
  }
}

/** The process's peak resident set size so far (maxRSS is in kilobytes). */
export function peakMemoryBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
