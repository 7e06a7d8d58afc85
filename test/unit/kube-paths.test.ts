import { describe, expect, it } from 'vitest';
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
  ])('%s is %s (every name one segment)', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});
