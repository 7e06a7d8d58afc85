/**
 * Exit codes of `mailsync sync` and `mailsync worker`, and the condition
 * reasons they map to. This table is the contract between the worker pod and
 * the controller (which reads the pod's exit code): change it only together
 * with docs/exit-codes.md.
 */
export const EXIT_CODES = {
  Succeeded: 0,
  InternalError: 1,
  InvalidConfiguration: 2,
  ConnectFailed: { source: 10, destination: 11 },
  TLSFailed: { source: 12, destination: 13 },
  AuthenticationFailed: { source: 14, destination: 15 },
  /** The server said it is too busy (too many connections, [UNAVAILABLE], [THROTTLED]): later, or fewer at once. */
  ServerBusy: { source: 16, destination: 17 },
  /**
   * The server broke the protocol or a bound (docs/security.md): a non-IMAP greeting, an unparsable response,
   * a line, literal or response count over its limit, a command answered slower than its deadline allows.
   */
  ServerMisbehaved: { source: 18, destination: 19 },
  ErrorsPresent: 20,
  ErrorBudgetExceeded: 21,
  ByteCapReached: 22,
  VerificationFailed: 23,
  /** The destination refused an APPEND with [OVERQUOTA]: the run stopped there (every later APPEND would fail too). */
  QuotaExceeded: 24,
  /** The worker's egress policy refused the address the server's host name resolved to (or its port): nothing was sent. */
  EgressDenied: { source: 25, destination: 26 },
  Aborted: 30,
  /**
   * `mailsync worker` only: stopped by SIGTERM/SIGINT before the run ended.
   * The worker cannot tell who sent the signal (a drain, an eviction, a
   * deleted pod, or the controller aborting): the Job ignores this code (a
   * new pod continues the run) and the controller, which knows whether it
   * asked for the stop, ends the run as Aborted only when it did.
   */
  Interrupted: 31,
} as const;

export type Reason = keyof typeof EXIT_CODES;

/** The reason (and side) for an exit code; unknown codes (137 = SIGKILL...) are described. */
export function reasonForExitCode(code: number): {
  reason: Reason | 'Killed' | 'UnknownExitCode';
  side?: 'source' | 'destination';
} {
  for (const [reason, value] of Object.entries(EXIT_CODES) as [Reason, (typeof EXIT_CODES)[Reason]][]) {
    if (value === code) return { reason };
    if (typeof value === 'object') {
      if (value.source === code) return { reason, side: 'source' };
      if (value.destination === code) return { reason, side: 'destination' };
    }
  }
  if (code === 137) return { reason: 'Killed' };
  return { reason: 'UnknownExitCode' };
}

/** Failures that a retry cannot fix: the controller does not retry them in a loop. */
export const PERMANENT_REASONS: ReadonlySet<string> = new Set([
  'InvalidConfiguration',
  'AuthenticationFailed',
  'TLSFailed',
  'EgressDenied',
]);
