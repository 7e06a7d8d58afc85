/**
 * The connect-time check (src/sync/egress-dial.ts): a host name is resolved
 * once, its addresses checked, and the socket connects only to the checked
 * ones, whatever DNS answers later (DNS rebinding). Real sockets on 127.0.0.1.
 */
import type dns from 'node:dns';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EGRESS_POLICY, egressPolicy } from '../../src/api/egress-policy.js';
import { type DialTarget, dialTarget, egressPolicyOfEnv, type Resolver } from '../../src/sync/egress-dial.js';
import { ConfigError, ConnectError, EgressDeniedError } from '../../src/sync/errors.js';

const v4 = (address: string): dns.LookupAddress => ({ address, family: 4 });
const v6 = (address: string): dns.LookupAddress => ({ address, family: 6 });
const fixed =
  (...addresses: dns.LookupAddress[]): Resolver =>
  async () =>
    addresses;

let server: net.Server;
let port: number;
let accepted = 0;
beforeAll(async () => {
  server = net.createServer((socket) => {
    accepted += 1;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function connectTo(target: DialTarget): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(target);
    socket.once('connect', () => {
      resolve(socket.remoteAddress ?? '');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('dialTarget', () => {
  it('connects to the address that was checked, never asking DNS again (rebinding)', async () => {
    // First answer: loopback (allowed). Any later answer: the metadata address.
    let calls = 0;
    const rebinding: Resolver = async () => (calls++ === 0 ? [v4('127.0.0.1')] : [v4('169.254.169.254')]);
    const target = await dialTarget('source', 'rebind.test', port, DEFAULT_EGRESS_POLICY, rebinding);
    const before = accepted;
    expect(await connectTo(target)).toBe('127.0.0.1');
    expect(await connectTo(target)).toBe('127.0.0.1');
    expect(calls).toBe(1);
    expect(accepted - before).toBe(2);
    expect(target.host).toBe('rebind.test'); // kept for TLS: SNI and certificate check use the name
  });

  it('drops refused addresses and keeps the allowed ones', async () => {
    const target = await dialTarget(
      'source',
      'mixed.test',
      port,
      DEFAULT_EGRESS_POLICY,
      fixed(v4('169.254.169.254'), v6('fe80::1'), v4('127.0.0.1')),
    );
    expect(await connectTo(target)).toBe('127.0.0.1');
    const all = await new Promise<dns.LookupAddress[]>((resolve) =>
      target.lookup('mixed.test', { all: true }, (_err, addresses) => resolve(addresses as dns.LookupAddress[])),
    );
    expect(all).toEqual([v4('127.0.0.1')]);
  });

  it.each<[string, dns.LookupAddress[], number, ReturnType<typeof egressPolicy>]>([
    ['the metadata address', [v4('169.254.169.254')], 80, DEFAULT_EGRESS_POLICY],
    ['a mapped metadata address', [v6('::ffff:169.254.169.254')], 80, DEFAULT_EGRESS_POLICY],
    ['AWS metadata over IPv6', [v6('fd00:ec2::254')], 80, DEFAULT_EGRESS_POLICY],
    ['only denied addresses', [v4('127.0.0.2'), v4('127.0.0.3')], 993, egressPolicy({ denyCidrs: ['127.0.0.0/30'] })],
    ['a port not allowed', [v4('127.0.0.1')], 22, egressPolicy({ allowPorts: [993] })],
    ['an address outside the allowed CIDRs', [v4('10.0.0.1')], 993, egressPolicy({ allowCidrs: ['127.0.0.0/8'] })],
  ])('refuses %s with EgressDenied naming only the host and port', async (_case, addresses, p, policy) => {
    const error = await dialTarget('destination', 'mail.test', p, policy, fixed(...addresses)).catch((e) => e);
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect(error).toMatchObject({ reason: 'EgressDenied', side: 'destination', exitCode: 26 });
    expect(error.message).toBe(`destination server mail.test:${p}: the egress policy does not allow this destination`);
    for (const { address } of addresses) expect(error.message).not.toContain(address);
  });

  it('an IP literal is checked like a resolved name (the real resolver)', async () => {
    const error = await dialTarget('source', '169.254.169.254', 80).catch((e) => e);
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect(error.exitCode).toBe(25);
    const target = await dialTarget('source', '127.0.0.1', port);
    expect(await connectTo(target)).toBe('127.0.0.1');
  });

  it('a name that does not resolve is ConnectFailed (a retry may help), not EgressDenied', async () => {
    const notFound: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
    };
    const error = await dialTarget('source', 'nowhere.test', 993, DEFAULT_EGRESS_POLICY, notFound).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.message).toBe('source server nowhere.test:993: host name not found (ENOTFOUND)');
  });
});

describe('egressPolicyOfEnv', () => {
  it('a bad variable is InvalidConfiguration (exit 2)', () => {
    const error = (() => {
      try {
        egressPolicyOfEnv({ MAILSYNC_EGRESS_DENY_CIDRS: '10.0.0.0/99' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ exitCode: 2 });
  });
});
