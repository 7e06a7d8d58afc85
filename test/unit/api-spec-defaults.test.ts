import { describe, expect, it } from 'vitest';
import type { MailSyncSpec } from '../../src/api/spec.js';
import { applyDefaults, ENDPOINT_DEFAULTS, KUBE_DEFAULTS, SPEC_DEFAULTS } from '../../src/api/spec-defaults.js';

const endpoint = { host: 'imap.example.org', user: 'alice', passwordFile: '/p' };
const minimal: MailSyncSpec = { source: endpoint, destination: endpoint };
const effective = applyDefaults(minimal);

/** The documented defaults (README field table, CRD): the schema is their one home, these pin the values. */
describe('spec defaults', () => {
  it.each<[string, unknown, unknown]>([
    ['mode', effective.mode, 'sync'],
    ['folders.automap', effective.folders.automap, true],
    ['folders.subscribe', effective.folders.subscribe, true],
    ['identityHeaders', effective.identityHeaders, ['Message-ID', 'Received']],
    ['syncFlags', effective.syncFlags, true],
    ['deleteOnDestination', effective.deleteOnDestination, false],
    ['deleteOnSource', effective.deleteOnSource, false],
    ['filters', effective.filters, {}],
    ['throttle', effective.throttle, {}],
    ['errorsMax', effective.errorsMax, 50],
    ['verify', effective.verify, true],
    ['performance.folderConcurrency', effective.performance.folderConcurrency, 2],
    ['performance.batchMessages', effective.performance.batchMessages, 50],
    ['performance.batchBytes', effective.performance.batchBytes, 4 * 1024 * 1024],
    ['performance.compress', effective.performance.compress, true],
    ['endpoint tls', ENDPOINT_DEFAULTS.tls, 'auto'],
    ['endpoint allowPlaintext', ENDPOINT_DEFAULTS.allowPlaintext, false],
    ['endpoint insecureSkipVerify', ENDPOINT_DEFAULTS.insecureSkipVerify, false],
    ['endpoint timeoutSeconds', ENDPOINT_DEFAULTS.timeoutSeconds, 120],
    ['endpoint connectTimeoutSeconds', ENDPOINT_DEFAULTS.connectTimeoutSeconds, 30],
    ['suspend', KUBE_DEFAULTS.suspend, false],
    ['gracePeriodSeconds', KUBE_DEFAULTS.gracePeriodSeconds, 30],
    ['backoffLimit', KUBE_DEFAULTS.backoffLimit, 1],
    ['startDeadlineSeconds', KUBE_DEFAULTS.startDeadlineSeconds, 600],
    ['activeDeadlineSeconds (7 days)', KUBE_DEFAULTS.activeDeadlineSeconds, 7 * 24 * 3600],
  ])('%s defaults to %j', (_field, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it.each<[string, Partial<MailSyncSpec>, (e: ReturnType<typeof applyDefaults>) => unknown, unknown]>([
    ['mode', { mode: 'dryRun' }, (e) => e.mode, 'dryRun'],
    ['folders.automap', { folders: { automap: false } }, (e) => e.folders.automap, false],
    ['folders.exclude kept', { folders: { exclude: ['^Junk'] } }, (e) => e.folders.exclude, ['^Junk']],
    ['identityHeaders', { identityHeaders: ['X-Id'] }, (e) => e.identityHeaders, ['X-Id']],
    ['errorsMax 0', { errorsMax: 0 }, (e) => e.errorsMax, 0],
    ['verify false', { verify: false }, (e) => e.verify, false],
    [
      'batchBytes',
      { performance: { batchBytes: 2048 } },
      (e) => e.performance,
      { ...SPEC_DEFAULTS.performance, batchBytes: 2048 },
    ],
  ])('a given %s wins over the default', (_field, over, pick, expected) => {
    expect(pick(applyDefaults({ ...minimal, ...over }))).toEqual(expected);
  });

  it('does not share the default identity headers between specs', () => {
    applyDefaults(minimal).identityHeaders.push('X-Mutated');
    expect(applyDefaults(minimal).identityHeaders).toEqual(['Message-ID', 'Received']);
  });
});
