/**
 * The pino logger the engine writes its events to (src/api/events.ts), with
 * the keys that must never reach a log redacted. The worker writes JSON lines
 * to stdout (the controller follows them); the CLI also renders them readable
 * for a terminal (src/cli/log-output.ts). Writes are synchronous, so the final
 * summary is out before process.exit.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import { jsonPrintable } from '../api/printable.js';

/** Keys that must never reach the log, whoever logs them (defence in depth: nobody should). */
const REDACT = ['password', 'pass', 'token', 'secret', 'accessToken', 'authorization'].flatMap((k) => [k, `*.${k}`]);

export function eventLogger(destination: DestinationStream, options: { debug?: boolean } = {}): Logger {
  return pino(
    {
      level: options.debug ? 'debug' : 'info',
      redact: { paths: REDACT, censor: '[REDACTED]' },
      // Folder names and server texts may hold C1 controls or bidi overrides, which JSON leaves raw.
      hooks: { streamWrite: jsonPrintable },
    },
    destination,
  );
}

/** JSON lines on a file descriptor (stdout by default). */
export function jsonEventLogger(options: { debug?: boolean; fd?: number } = {}): Logger {
  return eventLogger(pino.destination({ dest: options.fd ?? 1, sync: true }), options);
}
