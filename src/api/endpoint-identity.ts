/**
 * Which IMAP account an endpoint names, independent of how it is spelled:
 * the host lowercased without surrounding blanks or a trailing dot, the port
 * the engine will use (an explicit one, else the default of the TLS mode),
 * and the user as given (IMAP user names may be case-sensitive).
 *
 * The controller's pair hash (Job names, the exclusivity key) and the
 * engine's delta-state fingerprint both build on this, so the two never
 * disagree about whether two specs name the same accounts. The pair hash names
 * Jobs: `accountKey` must keep its exact output for inputs that were already
 * normalised (a unit test pins known hashes).
 */
import { type Endpoint, IMAP_PORT, IMPLICIT_TLS_PORT } from './spec.js';
import { ENDPOINT_DEFAULTS } from './spec-defaults.js';

export interface AccountIdentity {
  host: string;
  port: number;
  user: string;
}

/** The port the engine will use when none is given: 993 for implicit TLS (and auto, which tries it first), else 143. */
export function effectivePort(endpoint: Pick<Endpoint, 'port' | 'tls'>): number {
  if (endpoint.port !== undefined) return endpoint.port;
  const tls = endpoint.tls ?? ENDPOINT_DEFAULTS.tls;
  return tls === 'implicit' || tls === 'auto' ? IMPLICIT_TLS_PORT : IMAP_PORT;
}

/** DNS names are case-insensitive and "example.org." is the same host as "example.org". */
export function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

export function accountIdentity(endpoint: Pick<Endpoint, 'host' | 'port' | 'tls' | 'user'>): AccountIdentity {
  return { host: normaliseHost(endpoint.host), port: effectivePort(endpoint), user: endpoint.user };
}

/** "host:port/user" of the normalised account: the text the pair hash is computed from. */
export function accountKey(endpoint: Pick<Endpoint, 'host' | 'port' | 'tls' | 'user'>): string {
  const { host, port, user } = accountIdentity(endpoint);
  return `${host}:${port}/${user}`;
}

/** Both endpoints name the same account (copying a mailbox onto itself). */
export function sameAccount(
  a: Pick<Endpoint, 'host' | 'port' | 'tls' | 'user'>,
  b: Pick<Endpoint, 'host' | 'port' | 'tls' | 'user'>,
): boolean {
  return accountKey(a) === accountKey(b);
}
