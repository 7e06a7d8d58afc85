import { describe, expect, it } from 'vitest';
import type { MailSyncSpec } from '../../src/api/spec.js';
import {
  configMapName,
  effectivePort,
  JOB_NAME_PREFIX,
  jobNameForPair,
  normaliseAccount,
  pairHash,
} from '../../src/controller/pair-hash.js';

const spec = (over: Partial<MailSyncSpec['source']> = {}): Pick<MailSyncSpec, 'source' | 'destination'> => ({
  source: { host: 'imap.example.org', user: 'alice', ...over },
  destination: { host: 'mail.example.com', port: 993, user: 'alice@example.com' },
});

describe('pair hash and names', () => {
  it('is stable for the same account pair and ignores host case, a trailing dot and the default port', () => {
    const a = pairHash(spec());
    expect(a).toMatch(/^[0-9a-f]{40}$/);
    expect(pairHash(spec({ host: 'IMAP.Example.ORG.' }))).toBe(a);
    expect(pairHash(spec({ port: 993 }))).toBe(a);
    expect(pairHash(spec({ tls: 'implicit' }))).toBe(a);
  });

  it('differs when the user, port or direction differs', () => {
    const a = pairHash(spec());
    expect(pairHash(spec({ user: 'Alice' }))).not.toBe(a);
    expect(pairHash(spec({ port: 143 }))).not.toBe(a);
    const s = spec();
    expect(pairHash({ source: s.destination, destination: s.source })).not.toBe(a);
  });

  it('ignores everything but the accounts (credentials, options)', () => {
    const a = pairHash(spec());
    expect(pairHash(spec({ passwordSecretRef: { name: 'x', key: 'y' }, timeoutSeconds: 5 }))).toBe(a);
  });

  it('uses 993 for implicit and auto TLS, 143 otherwise', () => {
    expect(effectivePort({})).toBe(993);
    expect(effectivePort({ tls: 'starttls' })).toBe(143);
    expect(effectivePort({ tls: 'none' })).toBe(143);
    expect(effectivePort({ tls: 'none', port: 1143 })).toBe(1143);
    expect(normaliseAccount({ host: 'H', user: 'u', tls: 'starttls' })).toBe('h:143/u');
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
