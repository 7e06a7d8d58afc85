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

  it.each([
    [['--tls-cert-file=c'], '--tls-cert-file and --tls-key-file go together'],
    [['--max-syncs=0'], '--max-syncs must be an integer >= 1, got "0"'],
    [['--ca-secret=nokey'], '--ca-secret must be NAME:KEY, got "nokey"'],
    [['--secret-labels=a!=b'], '--secret-labels: "a!=b" is not KEY=VALUE with a valid label'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseConsoleConfig(argv, {})).toThrow(message);
  });
});
