/**
 * imapflow's log entries routed into the engine's pino logger, one level
 * down: its protocol lines (imapflow debug/trace) go to trace, its
 * connection events (info/warn/error) to debug. imapflow already replaces
 * credentials in what it logs ("(* value hidden *)"); session.ts tests that.
 */
import type { Side } from './errors.js';

export interface SessionLogger {
  debug(obj: object, msg: string): void;
  trace?(obj: object, msg: string): void;
  isLevelEnabled?(level: string): boolean;
}

type Entry = Record<string, unknown> | string | undefined;

export function imapflowLogger(logger: SessionLogger, side: Side, host: string) {
  const enabled = (level: 'debug' | 'trace') =>
    level === 'trace'
      ? logger.trace !== undefined && (logger.isLevelEnabled?.('trace') ?? true)
      : (logger.isLevelEnabled?.('debug') ?? true);
  const forward = (level: 'debug' | 'trace') => (entry: Entry) => {
    if (!enabled(level)) return;
    const fields = typeof entry === 'object' && entry !== null ? entry : { msg: entry };
    const { msg, ...rest } = fields as { msg?: unknown };
    const text = typeof msg === 'string' ? msg : 'imapflow';
    const obj = { side, host, imap: rest };
    if (level === 'trace') logger.trace!(obj, text);
    else logger.debug(obj, text);
  };
  return {
    trace: forward('trace'),
    debug: forward('trace'),
    info: forward('debug'),
    warn: forward('debug'),
    error: forward('debug'),
    fatal: forward('debug'),
  };
}
