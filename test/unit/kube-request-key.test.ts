import { describe, expect, it } from 'vitest';
import { pathParts, requestKey, totalRequests } from '../../src/kube/request-key.js';

describe('request counter keys (verb and resource from the REST path)', () => {
  it.each<[string, string, Record<string, string | number | boolean | undefined>, string]>([
    ['GET', '/api/v1/namespaces/ns/secrets/joe', {}, 'GET secrets'],
    ['GET', '/api/v1/namespaces/ns/pods', { labelSelector: 'a=b' }, 'LIST pods'],
    ['GET', '/api/v1/pods', { watch: true }, 'WATCH pods'],
    ['GET', '/api/v1/namespaces/ns/pods', { watch: 'true' }, 'WATCH pods'],
    ['GET', '/api/v1/namespaces/ns/pods/p-1/log', { follow: true }, 'GET pods/log'],
    ['POST', '/api/v1/namespaces/ns/events', {}, 'POST events'],
    ['PATCH', '/api/v1/namespaces/ns/events/e.1', {}, 'PATCH events'],
    ['PATCH', '/apis/mailsync.io/v1alpha1/namespaces/ns/mailsyncs/joe/status', {}, 'PATCH mailsyncs/status'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l', {}, 'PUT leases'],
    ['DELETE', '/apis/batch/v1/namespaces/ns/jobs/j', {}, 'DELETE jobs'],
    ['get', '/apis/batch/v1/jobs', {}, 'LIST jobs'],
    // A namespace is a scope, except when it is the object itself.
    ['GET', '/api/v1/namespaces/ns', {}, 'GET namespaces'],
    ['GET', '/api/v1/namespaces', {}, 'LIST namespaces'],
    ['DELETE', '/api/v1/namespaces/ns', {}, 'DELETE namespaces'],
    // A name that looks like a path is one encoded segment: it never becomes the resource.
    ['GET', '/api/v1/namespaces/ns/secrets/..%2F..%2Fpods', {}, 'GET secrets'],
    // Non-resource paths: the first segment only.
    ['GET', '/version', {}, 'GET /version'],
    ['GET', '/apis', {}, 'GET /apis'],
    ['GET', '/api/v1/namespaces/ns/secrets/joe?x=1', {}, 'GET secrets'],
  ])('%s %s %j is counted as %j', (method, path, query, key) => {
    expect(requestKey(method, path, query)).toBe(key);
  });

  it('keeps names and namespaces out of the key', () => {
    const key = requestKey('GET', '/api/v1/namespaces/team-a/configmaps/joe-state');
    expect(key).not.toContain('team-a');
    expect(key).not.toContain('joe');
    expect(pathParts('/api/v1/namespaces/team-a/configmaps/joe-state')).toEqual({
      resource: 'configmaps',
      named: true,
    });
  });

  it('sums a Map or the logged record alike', () => {
    expect(
      totalRequests(
        new Map([
          ['GET pods', 2],
          ['POST events', 3],
        ]),
      ),
    ).toBe(5);
    expect(totalRequests({ 'GET pods': 2, 'POST events': 3 })).toBe(5);
    expect(totalRequests({})).toBe(0);
  });
});
