import { describe, expect, it } from 'vitest';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { configMapName, JOB_NAME_PREFIX, jobNameForPair, pairHash } from '../../src/controller/pair-hash.js';

type Pair = Pick<MailSyncSpec, 'source' | 'destination'>;

const spec = (over: Partial<MailSyncSpec['source']> = {}): Pair => ({
  source: { host: 'imap.example.org', user: 'alice', ...over },
  destination: { host: 'mail.example.com', port: 993, user: 'alice@example.com' },
});

describe('pair hash and names', () => {
  // The pair hash names the Jobs of running syncs: a change here would let a second Job start for a pair that is
  // busy during an upgrade. These values were computed before the normalisation moved to src/api/endpoint-identity.ts.
  it.each<[string, Pair, string]>([
    ['default ports', spec(), '7ea59751ad04557681425f3f88ef0bdddb85a915'],
    [
      'STARTTLS and plaintext defaults',
      {
        source: { host: 'imap.old.example', user: 'joe', tls: 'starttls' },
        destination: { host: 'imap.new.example', user: 'joe@new.example', tls: 'none' },
      },
      '4557575db4634b1098b53c5c7567772e9acd3a02',
    ],
    [
      'explicit ports, an IPv6 address and a non-ASCII user',
      {
        source: { host: '127.0.0.1', port: 10143, user: 'u1', tls: 'implicit' },
        destination: { host: '::1', port: 20993, user: 'Ünïcode user' },
      },
      'f74c9e1a992b596373cae85a17e56414a4820111',
    ],
  ])('keeps the known hash: %s', (_name, pair, hash) => {
    expect(pairHash(pair)).toBe(hash);
  });

  it.each<[string, Partial<MailSyncSpec['source']>]>([
    ['host case and a trailing dot', { host: 'IMAP.Example.ORG.' }],
    ['the default port written out', { port: 993 }],
    ['tls implicit (same default port as auto)', { tls: 'implicit' }],
    ['credentials and options', { passwordSecretRef: { name: 'x', key: 'y' }, timeoutSeconds: 5 }],
  ])('ignores %s', (_name, over) => {
    expect(pairHash(spec(over))).toBe(pairHash(spec()));
  });

  it.each<[string, Partial<MailSyncSpec['source']>]>([
    ['the user case', { user: 'Alice' }],
    ['another port', { port: 143 }],
    ['STARTTLS without a port (143)', { tls: 'starttls' }],
  ])('differs with %s', (_name, over) => {
    expect(pairHash(spec(over))).not.toBe(pairHash(spec()));
  });

  it('differs when the direction is reversed', () => {
    const s = spec();
    expect(pairHash({ source: s.destination, destination: s.source })).not.toBe(pairHash(s));
  });

  it('names the Job mailsync-<hash prefix>, a valid DNS label under 63 characters', () => {
    const name = jobNameForPair(pairHash(spec()));
    expect(name.startsWith(JOB_NAME_PREFIX)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it('derives ConfigMap names that stay valid for very long MailSync names', () => {
    expect(configMapName('inbox-migration')).toBe('mailsync-inbox-migration');
    const long = configMapName('a'.repeat(253));
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).not.toBe(configMapName(`${'a'.repeat(252)}b`));
  });
});
