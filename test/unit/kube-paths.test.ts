import { describe, expect, it } from 'vitest';
import { cliPaths } from '../../src/cli/kube-access.js';
import { mailMigrationsPath } from '../../src/controller/admission/migration-caps.js';
import { paths as migrationPaths } from '../../src/controller/migration/paths.js';
import { paths } from '../../src/controller/paths.js';
import { segment } from '../../src/kube/paths.js';

describe('API paths', () => {
  it.each([
    ['joe-passwords', 'joe-passwords'],
    [
      '../../../api/v1/namespaces/kube-system/secrets/x',
      '..%2F..%2F..%2Fapi%2Fv1%2Fnamespaces%2Fkube-system%2Fsecrets%2Fx',
    ],
    ['..', '%2E%2E'],
    ['.', '%2E'],
    ['a?b#c', 'a%3Fb%23c'],
    ['a.b', 'a.b'],
  ])('segment %j is %j', (value, encoded) => {
    expect(segment(value)).toBe(encoded);
  });

  it.each<[string, string]>([
    [paths.secret('ns', 'joe'), '/api/v1/namespaces/ns/secrets/joe'],
    [
      paths.secret('ns', '../../../api/v1/namespaces/kube-system/secrets/x'),
      '/api/v1/namespaces/ns/secrets/..%2F..%2F..%2Fapi%2Fv1%2Fnamespaces%2Fkube-system%2Fsecrets%2Fx',
    ],
    [paths.secret('..', '..'), '/api/v1/namespaces/%2E%2E/secrets/%2E%2E'],
    [paths.jobs(), '/apis/batch/v1/jobs'],
    [paths.jobs('team a'), '/apis/batch/v1/namespaces/team%20a/jobs'],
    [paths.podLog('ns', 'p/../q'), '/api/v1/namespaces/ns/pods/p%2F..%2Fq/log'],
    [paths.mailSyncStatus('ns', 'a/b'), '/apis/mailsync.io/v1alpha1/namespaces/ns/mailsyncs/a%2Fb/status'],
    [paths.mailSyncs(), '/apis/mailsync.io/v1alpha1/mailsyncs'],
    [migrationPaths.secrets('a/b'), '/api/v1/namespaces/a%2Fb/secrets'],
    [
      migrationPaths.mailMigration('..', 'x/../y'),
      '/apis/mailsync.io/v1alpha1/namespaces/%2E%2E/mailmigrations/x%2F..%2Fy',
    ],
    [
      migrationPaths.mailMigrationStatus('ns', '../z'),
      '/apis/mailsync.io/v1alpha1/namespaces/ns/mailmigrations/..%2Fz/status',
    ],
    [cliPaths.secret('ns', '../../x'), '/api/v1/namespaces/ns/secrets/..%2F..%2Fx'],
    [cliPaths.mailMigration('n s', 'm'), '/apis/mailsync.io/v1alpha1/namespaces/n%20s/mailmigrations/m'],
    [cliPaths.mailSyncs('../kube-system'), '/apis/mailsync.io/v1alpha1/namespaces/..%2Fkube-system/mailsyncs'],
    [mailMigrationsPath('a?b'), '/apis/mailsync.io/v1alpha1/namespaces/a%3Fb/mailmigrations'],
  ])('%s is %s (every name one segment)', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});
