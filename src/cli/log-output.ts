/**
 * The CLI's event logger (src/sync/event-logger.ts): JSON lines on stdout
 * (pipes, files) or readable lines for a terminal (human-format.ts).
 */
import { writeSync } from 'node:fs';
import type { DestinationStream, Logger } from 'pino';
import type { LogFormat } from '../imapsync/parse-state.js';
import { eventLogger, jsonEventLogger } from '../sync/event-logger.js';
import { formatLine } from './human-format.js';

/** Sees each record before it is printed; true leaves it out (--imapsync-compat prints its own summary). */
export type RecordFilter = (record: Record<string, unknown>) => boolean;

/** Parses each JSON line pino writes and prints it readable. */
export function humanDestination(fd = 1, drop?: RecordFilter): DestinationStream {
  return {
    write(chunk: string) {
      for (const raw of chunk.split('\n')) {
        if (!raw) continue;
        let text: string;
        try {
          const record = JSON.parse(raw) as Record<string, unknown>;
          if (drop?.(record)) continue;
          text = formatLine(record);
        } catch {
          text = raw;
        }
        writeSync(fd, `${text}\n`);
      }
    },
  };
}

export function createLogger(
  format: LogFormat,
  options: { debug?: boolean; fd?: number; drop?: RecordFilter } = {},
): Logger {
  return format === 'json'
    ? jsonEventLogger(options)
    : eventLogger(humanDestination(options.fd ?? 1, options.drop), options);
}

/** Human output on a terminal, JSON lines otherwise (pipes, files, the controller). */
export function defaultLogFormat(isTTY: boolean | undefined): LogFormat {
  return isTTY ? 'human' : 'json';
}
