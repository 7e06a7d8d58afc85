/**
 * imapsync's exit codes for `mailsync sync --imapsync-compat`: each of our
 * reasons (api/exit-codes.ts) as the EXIT_* value imapsync 2.229 exits with
 * in the same situation, the name it prints ("Exiting with return value 161
 * (EXIT_AUTHENTICATION_FAILURE_USER1) ..."), and the ERR_* type of its "most
 * frequent error" line. Pure; docs/exit-codes.md shows this table (generated).
 */
import type { Reason } from '../api/exit-codes.js';
import type { Side } from '../sync/errors.js';

export interface ImapsyncExit {
  code: number;
  /** imapsync's %EXIT_TXT for the code. */
  name: string;
  /** imapsync's error type (ERR_*), for "The most frequent error is ..."; absent on success. */
  error?: string;
  /** Whether imapsync ends before its statistics block (it prints none when the login fails). */
  beforeStatistics?: boolean;
}

type PerSide = { source: ImapsyncExit; destination: ImapsyncExit };

const EX_OK: ImapsyncExit = { code: 0, name: 'EX_OK: successful termination' };
const EX_USAGE: ImapsyncExit = {
  code: 64,
  name: 'EX_USAGE: command line usage error',
  error: 'ERR_UNCLASSIFIED',
  beforeStatistics: true,
};
const CATCH_ALL: ImapsyncExit = { code: 1, name: 'EXIT_CATCH_ALL', error: 'ERR_UNCLASSIFIED' };
const BY_SIGNAL: ImapsyncExit = { code: 6, name: 'EXIT_BY_SIGNAL', error: 'ERR_UNCLASSIFIED' };
const WITH_ERRORS: ImapsyncExit = { code: 111, name: 'EXIT_WITH_ERRORS', error: 'ERR_UNCLASSIFIED' };
const CONNECTION: PerSide = {
  source: {
    code: 101,
    name: 'EXIT_CONNECTION_FAILURE_HOST1',
    error: 'ERR_CONNECTION_FAILURE_HOST1',
    beforeStatistics: true,
  },
  destination: {
    code: 102,
    name: 'EXIT_CONNECTION_FAILURE_HOST2',
    error: 'ERR_CONNECTION_FAILURE_HOST2',
    beforeStatistics: true,
  },
};
const TLS: ImapsyncExit = { code: 12, name: 'EXIT_TLS_FAILURE', error: 'ERR_EXIT_TLS_FAILURE', beforeStatistics: true };

/** Our reason -> imapsync's exit; for the reasons with a side, one per side. */
export const IMAPSYNC_EXITS: Readonly<Record<Reason, ImapsyncExit | PerSide>> = {
  Succeeded: EX_OK,
  InternalError: CATCH_ALL,
  InvalidConfiguration: EX_USAGE,
  ConnectFailed: CONNECTION,
  TLSFailed: { source: TLS, destination: TLS },
  AuthenticationFailed: {
    source: {
      code: 161,
      name: 'EXIT_AUTHENTICATION_FAILURE_USER1',
      error: 'ERR_AUTHENTICATION_FAILURE_USER1',
      beforeStatistics: true,
    },
    destination: {
      code: 162,
      name: 'EXIT_AUTHENTICATION_FAILURE_USER2',
      error: 'ERR_AUTHENTICATION_FAILURE_USER2',
      beforeStatistics: true,
    },
  },
  // A server that refuses more connections: imapsync cannot open (or keep) the connection.
  ServerBusy: CONNECTION,
  ServerMisbehaved: { source: CATCH_ALL, destination: CATCH_ALL },
  ErrorsPresent: WITH_ERRORS,
  ErrorBudgetExceeded: { code: 112, name: 'EXIT_WITH_ERRORS_MAX', error: 'ERR_UNCLASSIFIED' },
  ByteCapReached: { code: 118, name: 'EXIT_TRANSFER_EXCEEDED', error: 'ERR_TRANSFER_EXCEEDED' },
  VerificationFailed: WITH_ERRORS,
  QuotaExceeded: { code: 113, name: 'EXIT_OVERQUOTA', error: 'ERR_OVERQUOTA' },
  // Nothing was sent: to imapsync's eyes the host could not be reached.
  EgressDenied: CONNECTION,
  Aborted: BY_SIGNAL,
  Interrupted: BY_SIGNAL,
};

/** imapsync's exit for a reason (an unknown one is EXIT_CATCH_ALL, as imapsync's own fallback). */
export function imapsyncExit(reason: string, side?: Side): ImapsyncExit {
  const entry = IMAPSYNC_EXITS[reason as Reason];
  if (entry === undefined) return CATCH_ALL;
  if ('code' in entry) return entry;
  return entry[side ?? 'source'];
}
