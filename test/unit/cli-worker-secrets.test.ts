import { describe, expect, it } from 'vitest';
import { resolveMountedSecrets } from '../../src/api/secret-refs.js';
import { loadSpec } from '../../src/api/spec-load.js';
import { ConfigError, TlsError } from '../../src/sync/errors.js';
import { failureSummary } from '../../src/worker/failure-summary.js';

const crdSpec = () => ({
  source: {
    host: 'imap.old.example',
    user: 'joe',
    passwordSecretRef: { name: 'joe-old', key: 'password' },
    caSecretRef: { name: 'old-ca', key: 'ca.crt' },
  },
  destination: {
    host: 'imap.new.example',
    user: 'joe@new.example',
    authMechanism: 'XOAUTH2',
    oauth2TokenSecretRef: { name: 'joe-new', key: 'token' },
  },
  suspend: false,
  gracePeriodSeconds: 30,
});

describe('resolveMountedSecrets', () => {
  it('points every Secret reference at its mounted file', () => {
    const resolved = resolveMountedSecrets(crdSpec(), '/var/run/mailsync/secrets');
    expect(resolved.source).toEqual({
      host: 'imap.old.example',
      user: 'joe',
      passwordFile: '/var/run/mailsync/secrets/source/password',
      caFile: '/var/run/mailsync/secrets/source/ca.crt',
    });
    expect(resolved.destination).toEqual({
      host: 'imap.new.example',
      user: 'joe@new.example',
      authMechanism: 'XOAUTH2',
      oauth2TokenFile: '/var/run/mailsync/secrets/destination/oauth2-token',
    });
    expect(resolved.suspend).toBe(false);
  });

  it('uses the default mount root and leaves the input alone', () => {
    const spec = crdSpec();
    const resolved = resolveMountedSecrets(spec);
    expect((resolved.source as Record<string, unknown>).passwordFile).toBe('/var/run/mailsync/secrets/source/password');
    expect(spec.source.passwordSecretRef).toEqual({ name: 'joe-old', key: 'password' });
  });

  it('gives a spec the worker validates', () => {
    const { spec, notices } = loadSpec(resolveMountedSecrets(crdSpec(), '/s'), { context: 'worker' });
    expect(spec.source.passwordFile).toBe('/s/source/password');
    expect(spec.destination.oauth2TokenFile).toBe('/s/destination/oauth2-token');
    expect(spec).not.toHaveProperty('suspend');
    expect(notices).toEqual([]);
  });

  it('leaves a malformed spec for validation to report', () => {
    expect(resolveMountedSecrets({ source: 'x' }, '/s')).toEqual({ source: 'x' });
  });
});

describe('failureSummary', () => {
  it('carries the reason and exit code of a run that could not start', () => {
    const s = failureSummary(new ConfigError('source.passwordFile: cannot read /s/source/password: no such file'));
    expect(s).toMatchObject({ verdict: 'failed', reason: 'InvalidConfiguration', exitCode: 2, messagesTransferred: 0 });
    expect(s.message).toMatch(/no such file/);
    expect(failureSummary(new TlsError('unknown CA', { side: 'destination' })).exitCode).toBe(13);
    expect(failureSummary(new Error('bug'))).toMatchObject({ reason: 'InternalError', exitCode: 1 });
  });
});
