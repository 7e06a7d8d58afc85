import { describe, expect, it } from 'vitest';
import {
  accountIdentity,
  accountKey,
  effectivePort,
  normaliseHost,
  sameAccount,
} from '../../src/api/endpoint-identity.js';
import type { Endpoint } from '../../src/api/spec.js';
import { applyDefaults } from '../../src/api/spec-defaults.js';
import { stateFingerprint } from '../../src/sync/state.js';

type Account = Pick<Endpoint, 'host' | 'port' | 'tls' | 'user'>;

describe('endpoint identity', () => {
  it.each<[Pick<Endpoint, 'port' | 'tls'>, number]>([
    [{}, 993],
    [{ tls: 'auto' }, 993],
    [{ tls: 'implicit' }, 993],
    [{ tls: 'starttls' }, 143],
    [{ tls: 'none' }, 143],
    [{ tls: 'none', port: 1143 }, 1143],
    [{ tls: 'implicit', port: 143 }, 143],
  ])('effective port of %j is %i', (endpoint, port) => {
    expect(effectivePort(endpoint)).toBe(port);
  });

  it.each([
    ['imap.example.org', 'imap.example.org'],
    ['IMAP.Example.ORG', 'imap.example.org'],
    ['imap.example.org.', 'imap.example.org'],
    [' imap.example.org ', 'imap.example.org'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
  ])('host %j is %j', (host, normalised) => {
    expect(normaliseHost(host)).toBe(normalised);
  });

  it.each<[Account, string]>([
    [{ host: 'H', user: 'u', tls: 'starttls' }, 'h:143/u'],
    [{ host: 'Mail.Example.', user: 'Joe' }, 'mail.example:993/Joe'],
    [{ host: 'mail.example', user: 'joe', port: 10993 }, 'mail.example:10993/joe'],
  ])('account key of %j is %j', (endpoint, key) => {
    expect(accountKey(endpoint)).toBe(key);
    expect(accountIdentity(endpoint)).toEqual({
      host: key.split(':')[0],
      port: Number(key.split(':')[1]?.split('/')[0]),
      user: key.split('/')[1],
    });
  });

  it.each<[string, Account, Account, boolean]>([
    ['spelled differently', { host: 'A.example', user: 'u' }, { host: 'a.example.', user: 'u', port: 993 }, true],
    ['another user', { host: 'a.example', user: 'u' }, { host: 'a.example', user: 'U' }, false],
    ['another port', { host: 'a.example', user: 'u' }, { host: 'a.example', user: 'u', tls: 'starttls' }, false],
  ])('same account when %s: %s', (_name, a, b, same) => {
    expect(sameAccount(a, b)).toBe(same);
  });
});

describe('the delta-state fingerprint uses the same identity as the pair hash', () => {
  const endpoint = { host: 'imap.example.org', user: 'alice', passwordFile: '/p' };
  const fingerprint = (source: Endpoint) => stateFingerprint(applyDefaults({ source, destination: endpoint }));

  it.each<[string, Endpoint]>([
    ['host in capitals', { ...endpoint, host: 'IMAP.EXAMPLE.ORG' }],
    ['trailing dot', { ...endpoint, host: 'imap.example.org.' }],
    ['default port written out', { ...endpoint, port: 993 }],
    ['another credential', { ...endpoint, passwordFile: '/other' }],
  ])('keeps the state with %s', (_name, source) => {
    expect(fingerprint(source)).toBe(fingerprint(endpoint));
  });

  it.each<[string, Endpoint]>([
    ['another host', { ...endpoint, host: 'imap.example.net' }],
    ['another port', { ...endpoint, port: 10993 }],
    ['another user', { ...endpoint, user: 'Alice' }],
  ])('drops the state with %s', (_name, source) => {
    expect(fingerprint(source)).not.toBe(fingerprint(endpoint));
  });
});
