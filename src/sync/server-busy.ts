/**
 * "Too busy, come back later" from an IMAP server, told apart from other
 * connection failures: a greeting `* BYE`, a login `NO` or a `* BYE` in the
 * middle of a session that carries a response code of RFC 5530 meaning a
 * temporary limit ([UNAVAILABLE], [LIMIT] at login, Gmail's [THROTTLED]) or
 * the words servers use for it (Dovecot: "Maximum number of connections from
 * user+IP exceeded"; others: "Too many connections", "server busy").
 *
 * A ServerBusyError is a ConnectError (the engine reconnects with backoff in
 * the middle of a run, and the controller retries a run that ends with it),
 * with its own reason and exit codes (ServerBusy, 16/17) so that the
 * controller can slow down (MailMigration `concurrency.auto`).
 */
import { ConnectError, type Side } from './errors.js';

/** Response codes that mean "a temporary limit of the server" when they end a login or a connection. */
const BUSY_CODES = new Set(['UNAVAILABLE', 'THROTTLED', 'LIMIT']);

const BUSY_WORDS =
  /too many (?:connections|sessions|simultaneous|concurrent|logins)|maximum number of (?:connections|sessions)|connection limit|server (?:is )?(?:too )?busy|throttl|try again later/i;

/** Whether a server answer (its response code name, if any, and its text) says "too busy". */
export function isServerBusy(code: string | undefined, text: string): boolean {
  return (code !== undefined && BUSY_CODES.has(code.toUpperCase())) || BUSY_WORDS.test(text);
}

export class ServerBusyError extends ConnectError {
  override readonly reason = 'ServerBusy' as const;
  constructor(message: string, options: { side: Side; cause?: unknown }) {
    super(message, options);
  }
}
