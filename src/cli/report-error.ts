/**
 * How the CLI tells a user that something went wrong: one line with the
 * cause, one line with what to do. Stack traces only with --debug.
 */
import { asMailsyncError, errorHeadline, type MailsyncError } from '../sync/errors.js';

const SIDE_OPTION = { source: '1', destination: '2' } as const;

/** What to try next, by reason (and side). */
export function hintFor(err: MailsyncError, command = 'sync'): string {
  const n = err.side ? SIDE_OPTION[err.side] : '1/2';
  switch (err.reason) {
    case 'InvalidConfiguration':
      return `Try 'mailsync ${command} --help' for usage.`;
    case 'ConnectFailed':
      return `Check --host${n}/--port${n} and that the server is reachable from here.`;
    case 'ServerBusy':
      return `The ${err.side ?? 'server'} limits connections: run again later, or fewer syncs at once (its per-user limit counts every connection of the account).`;
    case 'ServerMisbehaved':
      return `The ${err.side ?? 'server'} at --host${n}/--port${n} broke the IMAP protocol or a limit: check that it is the IMAP server you mean (docs/security.md lists the limits).`;
    case 'EgressDenied':
      return `The egress policy (MAILSYNC_EGRESS_* variables, docs/security.md#egress-policy) refuses --host${n}/--port${n}: use another host or port, or change the policy.`;
    case 'TLSFailed':
      return `For a private CA use --cafile${n}; --ssl${n}/--tls${n} choose the TLS mode (see docs/cli.md).`;
    case 'AuthenticationFailed':
      return `Check --user${n} and the password (or token) of the ${err.side ?? 'server'}.`;
    case 'Aborted':
      return 'Run the same command again to resume: what was copied is not copied twice.';
    default:
      return 'Run again with --debug for details.';
  }
}

function causeChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\nCaused by: ');
}

/** The lines to print on stderr for a failure. */
export function errorLines(err: unknown, options: { debug?: boolean; command?: string } = {}): string[] {
  const e = asMailsyncError(err);
  const lines = [`mailsync: ${errorHeadline(e)}`];
  lines.push(hintFor(e, options.command));
  if (options.debug) lines.push(causeChain(err));
  return lines;
}
