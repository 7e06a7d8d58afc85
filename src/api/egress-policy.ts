/**
 * The worker's egress policy: which resolved addresses and ports it may
 * connect to. The controller validates the flags (`--egress-allow-cidrs`,
 * `--egress-deny-cidrs`, `--egress-allow-ports`) and hands the same text to
 * the worker in environment variables; the worker checks every address a host
 * name resolved to before it connects (src/sync/egress-dial.ts).
 *
 * Rules, in order:
 *   1. a port not in `allowPorts` (when set) is refused;
 *   2. an address in the built-in deny list (link-local, cloud metadata) or
 *      in `denyCidrs` is refused (deny wins over allow);
 *   3. with `allowCidrs` set, an address outside all of them is refused;
 *   4. everything else is allowed (loopback too: the local test cluster's
 *      servers are on 127.0.0.1).
 * IPv4-mapped IPv6 addresses (::ffff:169.254.169.254) match the IPv4 rules
 * (net.BlockList does that).
 */
import net from 'node:net';

/**
 * Always denied: link-local (where cloud metadata services live) and the
 * metadata addresses outside it (AWS over IPv6, Alibaba Cloud).
 */
export const BUILT_IN_DENIED_CIDRS: readonly string[] = [
  '169.254.0.0/16', // IPv4 link-local, holds 169.254.169.254 (AWS, GCP, Azure, OpenStack metadata)
  'fe80::/10', // IPv6 link-local
  'fd00:ec2::254/128', // AWS metadata over IPv6
  '100.100.100.200/32', // Alibaba Cloud metadata
];

export const EGRESS_ENV = {
  allowCidrs: 'MAILSYNC_EGRESS_ALLOW_CIDRS',
  denyCidrs: 'MAILSYNC_EGRESS_DENY_CIDRS',
  allowPorts: 'MAILSYNC_EGRESS_ALLOW_PORTS',
} as const;

/** The policy as configured (lists as written), e.g. from flags or environment variables. */
export interface EgressSettings {
  allowCidrs: readonly string[];
  denyCidrs: readonly string[];
  allowPorts: readonly number[];
}

export interface EgressPolicy {
  readonly settings: EgressSettings;
  readonly deny: net.BlockList;
  /** Unset: every address not denied is allowed. */
  readonly allow?: net.BlockList;
  /** Unset: every port. */
  readonly allowPorts?: ReadonlySet<number>;
}

export type EgressVerdict =
  | { allowed: true }
  | { allowed: false; rule: 'port not allowed' | 'address denied' | 'address not allowed' };

/** Thrown for a CIDR or port list that does not parse (the message names the setting). */
export class EgressSettingError extends Error {
  override name = 'EgressSettingError';
}

function addCidr(list: net.BlockList, cidr: string, what: string): void {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = net.isIP(address);
  if (family === 0) throw new EgressSettingError(`${what}: '${cidr}' is not an IP address or CIDR`);
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : cidr.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) {
    throw new EgressSettingError(`${what}: '${cidr}' has a prefix length that is not 0-${max}`);
  }
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
}

function blockList(cidrs: readonly string[], what: string): net.BlockList {
  const list = new net.BlockList();
  for (const cidr of cidrs) addCidr(list, cidr, what);
  return list;
}

/** A comma- or space-separated list, as in a flag or environment variable ('' = none). */
export function splitList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter((item) => item.length > 0);
}

export function parsePorts(items: readonly string[], what: string): number[] {
  return items.map((item) => {
    const port = Number(item);
    if (!/^\d+$/.test(item) || port < 1 || port > 65535) {
      throw new EgressSettingError(`${what}: '${item}' is not a port (1-65535)`);
    }
    return port;
  });
}

/** Build a policy; throws EgressSettingError naming `names` of the bad setting. */
export function egressPolicy(
  settings: Partial<EgressSettings> = {},
  names: Record<keyof EgressSettings, string> = {
    allowCidrs: 'allowCidrs',
    denyCidrs: 'denyCidrs',
    allowPorts: 'allowPorts',
  },
): EgressPolicy {
  const full: EgressSettings = {
    allowCidrs: settings.allowCidrs ?? [],
    denyCidrs: settings.denyCidrs ?? [],
    allowPorts: settings.allowPorts ?? [],
  };
  for (const port of full.allowPorts) parsePorts([String(port)], names.allowPorts);
  const deny = blockList(BUILT_IN_DENIED_CIDRS, 'built-in deny list');
  for (const cidr of full.denyCidrs) addCidr(deny, cidr, names.denyCidrs);
  return {
    settings: full,
    deny,
    ...(full.allowCidrs.length > 0 ? { allow: blockList(full.allowCidrs, names.allowCidrs) } : {}),
    ...(full.allowPorts.length > 0 ? { allowPorts: new Set(full.allowPorts) } : {}),
  };
}

/** The policy from the environment variables the controller sets on the worker (unset: the default policy). */
export function egressPolicyFromEnv(env: Readonly<Record<string, string | undefined>>): EgressPolicy {
  return egressPolicy(
    {
      allowCidrs: splitList(env[EGRESS_ENV.allowCidrs]),
      denyCidrs: splitList(env[EGRESS_ENV.denyCidrs]),
      allowPorts: parsePorts(splitList(env[EGRESS_ENV.allowPorts]), EGRESS_ENV.allowPorts),
    },
    EGRESS_ENV,
  );
}

/** The environment variables that carry `settings` to a worker (only the ones that are set). */
export function egressEnv(settings: EgressSettings): { name: string; value: string }[] {
  const env: { name: string; value: string }[] = [];
  if (settings.allowCidrs.length > 0) env.push({ name: EGRESS_ENV.allowCidrs, value: settings.allowCidrs.join(',') });
  if (settings.denyCidrs.length > 0) env.push({ name: EGRESS_ENV.denyCidrs, value: settings.denyCidrs.join(',') });
  if (settings.allowPorts.length > 0) env.push({ name: EGRESS_ENV.allowPorts, value: settings.allowPorts.join(',') });
  return env;
}

export const DEFAULT_EGRESS_POLICY: EgressPolicy = egressPolicy();

/** May the worker connect to `address` (an IP address, as resolved) on `port`? Pure. */
export function egressVerdict(policy: EgressPolicy, address: string, port: number): EgressVerdict {
  if (policy.allowPorts && !policy.allowPorts.has(port)) return { allowed: false, rule: 'port not allowed' };
  const family = net.isIP(address);
  // Not an address (cannot happen after a lookup): refuse rather than guess.
  if (family === 0) return { allowed: false, rule: 'address denied' };
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (policy.deny.check(address, type)) return { allowed: false, rule: 'address denied' };
  if (policy.allow && !policy.allow.check(address, type)) return { allowed: false, rule: 'address not allowed' };
  return { allowed: true };
}
