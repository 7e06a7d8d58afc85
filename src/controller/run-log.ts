/**
 * What the controller knows from one run's worker log: the readable tail,
 * the live progress, the final summary, and the position up to which the log
 * has been applied (the resume marker kept in status.logStream). Pure: fed
 * line by line by the log follower.
 *
 * Resuming after a controller restart: the log is requested again from the
 * second of the last applied line (sinceTime has second precision), and
 * every line up to and including the recorded position is skipped. Lines
 * carrying the very same timestamp are told apart by counting them.
 */
import type { Progress, Summary } from '../api/events.js';
import type { LogStreamPosition, StatusProgress, StatusSummary } from '../api/status.js';
import { formatBytes } from '../api/units-text.js';
import { CopyCounter } from './copy-counter.js';
import { parseWorkerLine, readableLines, sinceTimeOf, splitTimestamp, timestampNanos } from './log-lines.js';
import { LogTail } from './log-tail.js';

export interface RunLogInit {
  logTail?: readonly string[];
  progress?: StatusProgress;
  summary?: StatusSummary;
  position?: LogStreamPosition;
}

/** Human columns for `kubectl get ms`: "done/total" and "12.5 msg/s". */
export function withDisplay(progress: StatusProgress): StatusProgress {
  const done = (progress.messagesCopied ?? 0) + (progress.messagesSkipped ?? 0) + (progress.messagesFailed ?? 0);
  const total = Math.max(progress.messagesTotal ?? 0, done);
  const rate = progress.messagesPerSecond ?? 0;
  return {
    ...progress,
    display: `${done}/${total}`,
    rate: `${rate.toFixed(1)} msg/s${progress.bytesPerSecond ? ` ${formatBytes(Math.round(progress.bytesPerSecond))}/s` : ''}`,
  };
}

function progressFromEvent(progress: Progress): StatusProgress {
  const p: StatusProgress = {
    foldersDone: progress.foldersDone,
    foldersTotal: progress.foldersTotal,
    messagesCopied: progress.messagesCopied,
    messagesSkipped: progress.messagesSkipped,
    messagesFailed: progress.messagesFailed,
    messagesTotal: progress.messagesTotal,
    bytesCopied: progress.bytesCopied,
    messagesPerSecond: Math.max(0, progress.messagesPerSecond),
    bytesPerSecond: Math.max(0, progress.bytesPerSecond),
  };
  if (progress.etaSeconds !== undefined) p.etaSeconds = Math.max(0, Math.ceil(progress.etaSeconds));
  return withDisplay(p);
}

/** The summary as kept in status: without the delta state (ConfigMap) and per-folder lists (size). */
export function statusSummary(summary: Summary): StatusSummary {
  const { state: _state, folderSizes: _sizes, ...rest } = summary;
  return rest as StatusSummary;
}

export class RunLog {
  #tail: LogTail;
  #progress?: StatusProgress;
  #summary?: StatusSummary;
  /** The full summary of the last pod, with the delta state; only known when read in this process. */
  #fullSummary?: Summary;
  #position?: LogStreamPosition;
  #skipNanos?: bigint;
  #skipAtTimestamp = 0;
  #seenAtTimestamp = 0;
  #pod?: string;
  /** Copied messages and bytes not yet counted in the metrics. */
  readonly copied: CopyCounter;

  constructor(init: RunLogInit = {}) {
    this.#tail = new LogTail(init.logTail ?? []);
    this.#progress = init.progress;
    this.#summary = init.summary;
    this.#position = init.position ? { ...init.position } : undefined;
    // Resuming a run another process followed: what its status shows was counted there.
    this.copied = new CopyCounter(
      init.progress
        ? { pod: init.position?.pod, messages: init.progress.messagesCopied, bytes: init.progress.bytesCopied }
        : undefined,
    );
  }

  get pod(): string | undefined {
    return this.#pod;
  }

  /** One MailSync's run. */
  get accounts(): number {
    return 1;
  }

  get done(): boolean {
    return this.#position?.done === true && this.#position.pod === this.#pod;
  }

  /**
   * Start (or resume) applying the log of `pod`. Returns the sinceTime to
   * request the log from (undefined: from the beginning).
   */
  beginPod(pod: string): string | undefined {
    if (this.#pod !== pod) {
      const resuming = this.#position?.pod === pod;
      if (!resuming) {
        if (this.#position) this.#tail.push(`--- new worker pod ${pod} ---`);
        this.#position = undefined;
        this.#summary = undefined;
        this.#fullSummary = undefined;
      }
      this.#pod = pod;
    }
    return this.#resumeMarker();
  }

  /** Prepares skipping of the lines already applied; returns the sinceTime for the request. */
  #resumeMarker(): string | undefined {
    const position = this.#position;
    if (!position || position.pod !== this.#pod) {
      this.#skipNanos = undefined;
      return undefined;
    }
    this.#skipNanos = timestampNanos(position.timestamp);
    this.#skipAtTimestamp = position.linesAtTimestamp;
    this.#seenAtTimestamp = 0;
    return sinceTimeOf(position.timestamp);
  }

  /** Apply one raw log line ("<timestamp> <text>") of the current pod. Returns whether anything changed. */
  apply(rawLine: string): boolean {
    const line = splitTimestamp(rawLine);
    if (!line || this.#pod === undefined) return false;
    if (this.#skipNanos !== undefined) {
      if (line.nanos < this.#skipNanos) return false;
      if (line.nanos === this.#skipNanos) {
        this.#seenAtTimestamp++;
        if (this.#seenAtTimestamp <= this.#skipAtTimestamp) return false;
      } else {
        this.#skipNanos = undefined;
      }
    }
    const previous = this.#position;
    const sameTimestamp = previous?.pod === this.#pod && previous.timestamp === line.timestamp;
    this.#position = {
      pod: this.#pod,
      timestamp: line.timestamp,
      linesAtTimestamp: sameTimestamp ? previous.linesAtTimestamp + 1 : 1,
    };
    const parsed = parseWorkerLine(line.text);
    for (const text of readableLines(parsed)) this.#tail.push(text);
    if (parsed.kind === 'event') {
      const event = parsed.event;
      if (event.event === 'progress') {
        this.#progress = progressFromEvent(event.progress);
        this.copied.observe(this.#pod, event.progress.messagesCopied ?? 0, event.progress.bytesCopied ?? 0);
      } else if (event.event === 'folders') {
        this.#progress = withDisplay({
          ...this.#progress,
          foldersTotal: event.total,
          ...(event.messagesTotal !== undefined ? { messagesTotal: event.messagesTotal } : {}),
        });
      } else if (event.event === 'summary') {
        this.#fullSummary = event.summary;
        this.#summary = statusSummary(event.summary);
        const s = event.summary;
        this.copied.observe(this.#pod, s.messagesTransferred ?? 0, s.bytesTransferred ?? 0);
        this.#progress = withDisplay({
          ...this.#progress,
          messagesCopied: s.messagesTransferred,
          messagesSkipped: s.messagesSkipped,
          messagesFailed: s.messagesFailed,
          bytesCopied: s.bytesTransferred,
          messagesPerSecond: Math.max(0, s.messagesPerSecond),
          bytesPerSecond: Math.max(0, s.bytesPerSecond),
          etaSeconds: 0,
        });
      }
    }
    return true;
  }

  /** Lines of `pod`'s log were applied: its worker has run, whatever the pod's status says yet. */
  hasLinesOf(pod: string): boolean {
    return this.#position?.pod === pod && this.#position.timestamp !== '';
  }

  /** The container ended and its log was read to the end. */
  markDone(): void {
    if (this.#pod === undefined) return;
    this.#position = this.#position?.pod === this.#pod ? { ...this.#position, done: true } : undefined;
    if (!this.#position) this.#position = { pod: this.#pod, timestamp: '', linesAtTimestamp: 0, done: true };
  }

  /** Note a line that is not from the worker (e.g. "log stream lost"). */
  note(text: string): void {
    this.#tail.push(text);
  }

  get summary(): StatusSummary | undefined {
    return this.#summary;
  }

  get fullSummary(): Summary | undefined {
    return this.#fullSummary;
  }

  snapshot(): { logTail: string[]; progress?: StatusProgress; summary?: StatusSummary; logStream?: LogStreamPosition } {
    return {
      logTail: this.#tail.lines(),
      ...(this.#progress ? { progress: { ...this.#progress } } : {}),
      ...(this.#summary ? { summary: this.#summary } : {}),
      ...(this.#position ? { logStream: { ...this.#position } } : {}),
    };
  }
}
