/** The egress policy: which resolved addresses and ports a worker may connect to (src/api/egress-policy.ts). */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EGRESS_POLICY,
  type EgressSettings,
  egressEnv,
  egressPolicy,
  egressPolicyFromEnv,
  egressVerdict,
} from '../../src/api/egress-policy.js';

describe('the default policy', () => {
  it.each<[string, number, boolean]>([
    ['127.0.0.1', 993, true], // the local test cluster's servers
    ['::1', 143, true],
    ['203.0.113.7', 993, true],
    ['2001:db8::1', 993, true],
    ['10.1.2.3', 143, true],
    ['169.254.169.254', 80, false], // AWS, GCP, Azure metadata
    ['169.254.0.1', 993, false], // any IPv4 link-local
    ['169.254.255.255', 993, false],
    ['169.253.255.255', 993, true], // just outside
    ['169.255.0.0', 993, true],
    ['fe80::1', 993, false], // IPv6 link-local
    ['febf:ffff::1', 993, false], // end of fe80::/10
    ['fec0::1', 993, true], // just outside
    ['fd00:ec2::254', 80, false], // AWS metadata over IPv6
    ['fd00:ec2::253', 80, true],
    ['100.100.100.200', 80, false], // Alibaba Cloud metadata
    ['100.100.100.201', 80, true],
    ['::ffff:169.254.169.254', 80, false], // IPv4-mapped IPv6
    ['::ffff:a9fe:a9fe', 80, false], // the same, in hex
    ['::ffff:100.100.100.200', 80, false],
    ['::ffff:127.0.0.1', 993, true],
    ['not-an-address', 993, false],
  ])('%s port %d: allowed %s', (address, port, allowed) => {
    expect(egressVerdict(DEFAULT_EGRESS_POLICY, address, port).allowed).toBe(allowed);
  });
});

describe('configured lists', () => {
  const policy = egressPolicy({
    allowCidrs: ['127.0.0.0/8', '2001:db8::/32'],
    denyCidrs: ['127.0.0.2/32', '2001:db8:dead::/48'],
    allowPorts: [993, 143],
  });
  it.each<[string, number, string]>([
    ['127.0.0.1', 993, 'allowed'],
    ['127.0.0.1', 143, 'allowed'],
    ['127.0.0.1', 22, 'port not allowed'],
    ['127.0.0.2', 993, 'address denied'], // deny wins over allow
    ['::ffff:127.0.0.2', 993, 'address denied'],
    ['::ffff:127.0.0.3', 993, 'allowed'], // a mapped address matches the IPv4 allow rule
    ['10.0.0.1', 993, 'address not allowed'],
    ['2001:db8::1', 993, 'allowed'],
    ['2001:db8:dead::1', 993, 'address denied'],
    ['2001:db9::1', 993, 'address not allowed'],
    ['169.254.169.254', 993, 'address denied'], // the built-in list stays on
    ['::1', 993, 'address not allowed'],
  ])('%s port %d: %s', (address, port, expected) => {
    const verdict = egressVerdict(policy, address, port);
    expect(verdict.allowed ? 'allowed' : verdict.rule).toBe(expected);
  });

  it('a bare address is a /32 or /128', () => {
    const bare = egressPolicy({ denyCidrs: ['192.0.2.1', '2001:db8::1'] });
    expect(egressVerdict(bare, '192.0.2.1', 1).allowed).toBe(false);
    expect(egressVerdict(bare, '192.0.2.2', 1).allowed).toBe(true);
    expect(egressVerdict(bare, '2001:db8::1', 1).allowed).toBe(false);
    expect(egressVerdict(bare, '2001:db8::2', 1).allowed).toBe(true);
  });

  it.each<[string, Partial<EgressSettings>, RegExp]>([
    [
      'a host name',
      { denyCidrs: ['mail.example.com'] },
      /^denyCidrs: 'mail.example.com' is not an IP address or CIDR$/,
    ],
    [
      'a prefix too long',
      { allowCidrs: ['10.0.0.0/33'] },
      /allowCidrs: '10.0.0.0\/33' has a prefix length that is not 0-32/,
    ],
    ['an IPv6 prefix too long', { denyCidrs: ['::/129'] }, /not 0-128/],
    ['a prefix that is not a number', { denyCidrs: ['10.0.0.0/x'] }, /prefix length/],
    ['port 0', { allowPorts: [0] }, /allowPorts: '0' is not a port/],
    ['port 65536', { allowPorts: [65536] }, /'65536' is not a port/],
  ])('refuses %s, naming the setting', (_case, settings, message) => {
    expect(() => egressPolicy(settings)).toThrow(message);
  });
});

describe('the environment of a worker', () => {
  it('round-trips through the variables the controller sets', () => {
    const settings: EgressSettings = {
      allowCidrs: ['10.0.0.0/8'],
      denyCidrs: ['10.9.0.0/16', 'fd00::/8'],
      allowPorts: [993],
    };
    const env = Object.fromEntries(egressEnv(settings).map(({ name, value }) => [name, value]));
    expect(env).toEqual({
      MAILSYNC_EGRESS_ALLOW_CIDRS: '10.0.0.0/8',
      MAILSYNC_EGRESS_DENY_CIDRS: '10.9.0.0/16,fd00::/8',
      MAILSYNC_EGRESS_ALLOW_PORTS: '993',
    });
    expect(egressPolicyFromEnv(env).settings).toEqual(settings);
  });

  it('sets nothing for the default policy', () => {
    expect(egressEnv({ allowCidrs: [], denyCidrs: [], allowPorts: [] })).toEqual([]);
    expect(egressPolicyFromEnv({}).settings).toEqual({ allowCidrs: [], denyCidrs: [], allowPorts: [] });
  });

  it('names the variable of a bad value', () => {
    expect(() => egressPolicyFromEnv({ MAILSYNC_EGRESS_ALLOW_PORTS: '993,imap' })).toThrow(
      "MAILSYNC_EGRESS_ALLOW_PORTS: 'imap' is not a port",
    );
    expect(() => egressPolicyFromEnv({ MAILSYNC_EGRESS_DENY_CIDRS: '10.0.0.0/8 nope' })).toThrow(
      "MAILSYNC_EGRESS_DENY_CIDRS: 'nope'",
    );
  });
});
