/**
 * The small set of typed errors of the engine. Each carries a machine-readable
 * `reason` (it ends up in MailSync status conditions and in the worker's final
 * summary) and the process exit code the CLI/worker uses for it.
 *
 * Messages must never contain a secret: build them from host, port, user and
 * the server's response text only.
 */
import { EXIT_CODES, type Reason } from '../api/exit-codes.js';
import { printableKeepingLines } from '../api/printable.js';
import type { Side } from '../api/spec.js';
import { problemsText, SpecError, type SpecProblem } from '../api/spec-problems.js';

export type { Side };

export class MailsyncError extends Error {
  readonly reason: Reason;
  readonly side?: Side;
  constructor(reason: Reason, message: string, options?: { side?: Side; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.reason = reason;
    this.side = options?.side;
  }
  get exitCode(): number {
    return exitCodeFor(this.reason, this.side);
  }
}

/** Bad options: unknown flag, invalid regex, missing password file... */
export class ConfigError extends MailsyncError {
  constructor(message: string, options?: { side?: Side; cause?: unknown }) {
    super('InvalidConfiguration', message, options);
  }
}
/** TCP connect, DNS, greeting or timeout failures. Retrying may help. */
export class ConnectError extends MailsyncError {
  constructor(message: string, options: { side: Side; cause?: unknown }) {
    super('ConnectFailed', message, options);
  }
}
/** Certificate verification, handshake failures, TLS required but not offered. */
export class TlsError extends MailsyncError {
  constructor(message: string, options: { side: Side; cause?: unknown }) {
    super('TLSFailed', message, options);
  }
}
/** The server refused the credentials. Retrying does not help. */
export class AuthError extends MailsyncError {
  constructor(message: string, options: { side: Side; cause?: unknown }) {
    super('AuthenticationFailed', message, options);
  }
}
/** The server answered NO to the login itself (not "mechanism not offered"): a refreshed OAuth2 token may pass. */
export class CredentialRefusedError extends AuthError {}
/**
 * The server broke the IMAP protocol or one of the client's bounds (imap-raw/limits.ts): a non-IMAP greeting,
 * an unparsable response, a line, literal or response count over its limit, a command answered slower than its
 * deadline allows. The message quotes the server only as a short escaped excerpt.
 */
export class ServerMisbehavedError extends MailsyncError {
  constructor(message: string, options: { side: Side; cause?: unknown }) {
    super('ServerMisbehaved', message, options);
  }
}
/**
 * The egress policy (src/api/egress-policy.ts) refused every address the host resolved to, or the port.
 * The message names the host and port only: not the addresses, not the rule (docs/security.md).
 */
export class EgressDeniedError extends MailsyncError {
  /** `what`: the kind of peer, for the message ("server", "OAuth2 token endpoint"). */
  constructor(side: Side, host: string, port: number, what = 'server') {
    super('EgressDenied', `${side} ${what} ${host}:${port}: the egress policy does not allow this destination`, {
      side,
    });
  }
}
/** The run was stopped by SIGTERM/SIGINT (reason Interrupted in a worker pod, see abort.ts). */
export class AbortedError extends MailsyncError {
  constructor(message = 'aborted by signal', reason: 'Aborted' | 'Interrupted' = 'Aborted') {
    super(reason, message);
  }
}

export function exitCodeFor(reason: Reason, side?: Side): number {
  const code = EXIT_CODES[reason];
  if (typeof code === 'number') return code;
  return side === 'destination' ? code.destination : code.source;
}

/** Problems of the spec (src/api/spec-problems.ts) as one ConfigError, with their side when they share one. */
export function configErrorFrom(problems: readonly SpecProblem[]): ConfigError {
  const { side } = new SpecError(problems);
  return new ConfigError(problemsText(problems), side === undefined ? undefined : { side });
}

/** Turn anything thrown into a MailsyncError without losing the typed ones. */
export function asMailsyncError(err: unknown): MailsyncError {
  if (err instanceof MailsyncError) return err;
  if (err instanceof SpecError) return configErrorFrom(err.problems);
  const message = err instanceof Error ? err.message : String(err);
  return new MailsyncError('InternalError', message, { cause: err });
}

/**
 * The one-line description of a failure, as the CLI and the worker print it after "mailsync: ": configuration
 * problems say "error" (their message names the field), others their reason and side.
 */
export function errorHeadline(err: unknown): string {
  const e = asMailsyncError(err);
  const label = e.reason === 'InvalidConfiguration' ? 'error' : e.side ? `${e.reason} (${e.side})` : e.reason;
  // The message may quote a server (greeting, NO text, folder name): no control character reaches the terminal.
  return printableKeepingLines(`${label}: ${e.message}`);
}
