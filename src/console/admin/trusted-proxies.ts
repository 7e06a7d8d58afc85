/**
 * Which peers may speak for a user through identity headers (an
 * authenticating proxy such as oauth2-proxy in front of the console):
 * addresses and CIDR ranges from --auth-proxy-trusted, checked against the
 * TCP peer address (never X-Forwarded-For, which any client can write).
 */
import { BlockList, isIP } from 'node:net';

export class TrustedProxyError extends Error {
  readonly reason = 'InvalidConfiguration';
}

export interface TrustedProxies {
  /** The configured ranges as written (for the startup log). */
  readonly ranges: readonly string[];
  trusts(peerAddress: string | undefined): boolean;
}

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** "127.0.0.1, 10.0.0.0/8, fd00::/8" as a TrustedProxies. Throws TrustedProxyError on a bad term. */
export function parseTrustedProxies(text: string | undefined): TrustedProxies {
  const list = new BlockList();
  const ranges: string[] = [];
  for (const term of (text ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const [address = '', prefix, extra] = term.split('/');
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = isIP(address) === 6 ? 128 : 32;
    if (!isIP(address) || extra !== undefined || (bits !== undefined && (!/^\d+$/.test(prefix ?? '') || bits > max))) {
      throw new TrustedProxyError(`--auth-proxy-trusted: ${JSON.stringify(term)} is not an IP address or CIDR range`);
    }
    if (bits === undefined) list.addAddress(address, family(address));
    else list.addSubnet(address, bits, family(address));
    ranges.push(term);
  }
  return {
    ranges,
    trusts(peer) {
      if (!peer || ranges.length === 0) return false;
      // An IPv4 peer on a dual-stack socket is written ::ffff:a.b.c.d.
      const address = peer.startsWith('::ffff:') && isIP(peer.slice(7)) === 4 ? peer.slice(7) : peer;
      if (!isIP(address)) return false;
      return list.check(address, family(address));
    },
  };
}
