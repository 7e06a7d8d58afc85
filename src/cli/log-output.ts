/**
 * The pino logger the engine writes its events to: JSON lines on stdout (the
 * worker, pipes, files) or readable lines for a terminal (human-format.ts).
 * Writes are synchronous, so the final summary is out before process.exit.
 */
import { writeSync } from 'node:fs';
import { type DestinationStream, type Logger, pino } from 'pino';
import { formatLine } from './human-format.js';
import type { LogFormat } from './imapsync/parse-state.js';

/** Keys that must never reach the log, whoever logs them (defence in depth: nobody should). */
const REDACT = ['password', 'pass', 'token', 'secret', 'accessToken', 'authorization'].flatMap((k) => [k, `*.${k}`]);

/** Parses each JSON line pino writes and prints it readable. */
export function humanDestination(fd = 1): DestinationStream {
  return {
    write(chunk: string) {
      for (const raw of chunk.split('\n')) {
        if (!raw) continue;
        let text: string;
        try {
          text = formatLine(JSON.parse(raw) as Record<string, unknown>);
        } catch {
          text = raw;
        }
        writeSync(fd, `${text}\n`);
      }
    },
  };
}

export function createLogger(format: LogFormat, options: { debug?: boolean; fd?: number } = {}): Logger {
  const destination =
    format === 'json' ? pino.destination({ dest: options.fd ?? 1, sync: true }) : humanDestination(options.fd ?? 1);
  return pino(
    {
      level: options.debug ? 'debug' : 'info',
      redact: { paths: REDACT, censor: '[REDACTED]' },
    },
    destination,
  );
}

/** Human output on a terminal, JSON lines otherwise (pipes, files, the controller). */
export function defaultLogFormat(isTTY: boolean | undefined): LogFormat {
  return isTTY ? 'human' : 'json';
}
