/**
 * Ring buffer of readable log lines for status.logTail: at most
 * LOG_TAIL_MAX_LINES lines and LOG_TAIL_MAX_BYTES bytes (UTF-8), oldest out first.
 */
import { LOG_LINE_MAX_BYTES, LOG_TAIL_MAX_BYTES, LOG_TAIL_MAX_LINES } from '../api/status.js';

/** Cut a line to `maxBytes` of UTF-8 without splitting a character; marks the cut with an ellipsis. */
export function truncateUtf8(line: string, maxBytes: number): string {
  if (Buffer.byteLength(line) <= maxBytes) return line;
  const buffer = Buffer.from(line).subarray(0, maxBytes - 3);
  // Drop a partial multi-byte sequence at the end (decoder would emit U+FFFD).
  return `${buffer.toString('utf8').replace(/\uFFFD+$/, '')}...`;
}

export class LogTail {
  readonly #lines: string[] = [];
  #bytes = 0;

  constructor(
    initial: readonly string[] = [],
    readonly maxLines = LOG_TAIL_MAX_LINES,
    readonly maxBytes = LOG_TAIL_MAX_BYTES,
  ) {
    for (const line of initial) this.push(line);
  }

  push(line: string): void {
    const cut = truncateUtf8(line, Math.min(LOG_LINE_MAX_BYTES, this.maxBytes));
    this.#lines.push(cut);
    this.#bytes += Buffer.byteLength(cut);
    while (this.#lines.length > this.maxLines || this.#bytes > this.maxBytes) {
      const dropped = this.#lines.shift()!;
      this.#bytes -= Buffer.byteLength(dropped);
    }
  }

  lines(): string[] {
    return [...this.#lines];
  }

  get bytes(): number {
    return this.#bytes;
  }
}
