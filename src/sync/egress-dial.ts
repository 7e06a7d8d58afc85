/**
 * The one place where the engine decides where a connection may go. Every
 * socket (the raw IMAP client and the `tls: auto` probes) is opened with a
 * DialTarget from here:
 *   1. the host name is resolved once (all its addresses);
 *   2. each address is checked against the egress policy
 *      (src/api/egress-policy.ts); refused ones are dropped, and when none is
 *      left the connection is refused with EgressDeniedError before any
 *      socket exists;
 *   3. the socket is opened with `host` unchanged (so TLS verifies the
 *      certificate against the host name and sends it as SNI) but with a
 *      `lookup` that returns exactly the checked addresses: Node never asks
 *      DNS again, so a name that re-resolves to another address between the
 *      check and the connect (DNS rebinding) cannot slip through.
 */
import dns from 'node:dns';
import type net from 'node:net';
import {
  DEFAULT_EGRESS_POLICY,
  type EgressPolicy,
  EgressSettingError,
  egressPolicyFromEnv,
  egressVerdict,
} from '../api/egress-policy.js';
import { connectError } from './connect-errors.js';
import { ConfigError, EgressDeniedError, type Side } from './errors.js';

export interface DialTarget {
  host: string;
  port: number;
  /** For net.connect/tls.connect: answers with the checked addresses only, without asking DNS again. */
  lookup: net.LookupFunction;
}

export type Resolver = (host: string) => Promise<dns.LookupAddress[]>;

const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, order: 'verbatim' });

/** Resolve `host`, keep the addresses the policy allows; EgressDeniedError when none is left. */
export async function dialTarget(
  side: Side,
  host: string,
  port: number,
  policy: EgressPolicy = DEFAULT_EGRESS_POLICY,
  resolve: Resolver = systemResolver,
): Promise<DialTarget> {
  let addresses: dns.LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    throw connectError(side, host, port, err);
  }
  const allowed = addresses.filter((entry) => egressVerdict(policy, entry.address, port).allowed);
  const first = allowed[0];
  if (!first) throw new EgressDeniedError(side, host, port);
  const lookup: net.LookupFunction = (_hostname, options, callback) => {
    // With autoSelectFamily (Node's default) the socket asks for all addresses and tries them in turn.
    if (options.all) callback(null, allowed);
    else callback(null, first.address, first.family);
  };
  return { host, port, lookup };
}

/**
 * The policy of `mailsync worker` and `mailsync sync` from MAILSYNC_EGRESS_* (the controller sets them on
 * worker pods from its --egress-* flags); a bad value is InvalidConfiguration.
 */
export function egressPolicyOfEnv(env: Readonly<Record<string, string | undefined>>): EgressPolicy {
  try {
    return egressPolicyFromEnv(env);
  } catch (err) {
    if (err instanceof EgressSettingError) throw new ConfigError(err.message);
    throw err;
  }
}
