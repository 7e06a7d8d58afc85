import { describe, expect, it } from 'vitest';
import { parseConsoleConfig } from '../../../src/console/config.js';

describe('console flags', () => {
  it('defaults, and the environment the chart sets', () => {
    expect(parseConsoleConfig([], {})).toMatchObject({ host: '0.0.0.0', port: 8080, maxSyncs: 20, secretLabels: {} });
    expect(
      parseConsoleConfig(['--tls-cert-file=c', '--tls-key-file=k'], {
        MAILSYNC_CONSOLE_SECRET_LABELS: 'mailsync.io/credentials=true',
        MAILSYNC_CONSOLE_CA_SECRET: 'corp-ca:ca.crt',
      }),
    ).toMatchObject({
      port: 8443,
      tls: { certFile: 'c', keyFile: 'k' },
      ca: { name: 'corp-ca', key: 'ca.crt' },
      secretLabels: { 'mailsync.io/credentials': 'true' },
    });
  });

  it('--max-messages-per-second: none by default, a fraction allowed', () => {
    expect(parseConsoleConfig([], {}).maxMessagesPerSecond).toBeUndefined();
    expect(parseConsoleConfig(['--max-messages-per-second=0.5'], {}).maxMessagesPerSecond).toBe(0.5);
    expect(parseConsoleConfig([], { MAILSYNC_CONSOLE_MAX_MESSAGES_PER_SECOND: '20' }).maxMessagesPerSecond).toBe(20);
  });

  it('the admin view: off by default; namespaces, trusted proxies and the per-host cap', () => {
    const off = parseConsoleConfig([], {});
    expect(off).toMatchObject({ admin: false, adminNamespaces: [], maxRunningPerHost: 0 });
    expect(off.authProxyTrusted.trusts('127.0.0.1')).toBe(false);
    const on = parseConsoleConfig(['--admin', '--admin-namespaces=mail, team-b', '--max-running-per-host=4'], {
      MAILSYNC_CONSOLE_AUTH_PROXY_TRUSTED: '10.0.0.0/8',
    });
    expect(on).toMatchObject({ admin: true, adminNamespaces: ['mail', 'team-b'], maxRunningPerHost: 4 });
    expect(on.authProxyTrusted.trusts('10.1.1.1')).toBe(true);
    expect(parseConsoleConfig([], { MAILSYNC_CONSOLE_ADMIN: 'true' }).admin).toBe(true);
  });

  it.each([
    [['--tls-cert-file=c'], '--tls-cert-file and --tls-key-file go together'],
    [['--max-syncs=0'], '--max-syncs must be an integer >= 1, got "0"'],
    [['--max-messages-per-second=0'], '--max-messages-per-second must be a number > 0, got "0"'],
    [['--max-messages-per-second=1e3'], '--max-messages-per-second must be a number > 0, got "1e3"'],
    [['--ca-secret=nokey'], '--ca-secret must be NAME:KEY, got "nokey"'],
    [['--secret-labels=a!=b'], '--secret-labels: "a!=b" is not KEY=VALUE with a valid label'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--admin-namespaces=mail,Team_B'], '--admin-namespaces: "Team_B" is not a namespace name'],
    [['--auth-proxy-trusted=10.0.0.0/40'], '--auth-proxy-trusted: "10.0.0.0/40" is not an IP address or CIDR range'],
    [['--max-running-per-host=-1'], '--max-running-per-host must be an integer >= 0'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseConsoleConfig(argv, {})).toThrow(message);
  });
});
