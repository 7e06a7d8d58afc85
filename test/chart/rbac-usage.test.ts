/**
 * The least-privilege comparison (rbac-usage.ts) on hand-made manifests and audit events, and what
 * it reads from the rendered chart.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { K8sObject } from './manifests.js';
import {
  type AuditEvent,
  type AuditRequest,
  forbiddenRequests,
  grantsOf,
  grantText,
  requestsIn,
  requestsOf,
  unusedGrants,
} from './rbac-usage.js';
import { installed, NAMESPACE, renderChart } from './render.js';
import { buildTool } from './tools.js';

const SA = { namespace: 'ops', name: 'ctl' };
const USER = 'system:serviceaccount:ops:ctl';

const role = (kind: 'Role' | 'ClusterRole', name: string, rules: object[], namespace?: string): K8sObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  rules,
});
const binding = (
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  roleRef: { kind: string; name: string },
  subject = SA,
  namespace?: string,
): K8sObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name: `b-${roleRef.name}`, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects: [{ kind: 'ServiceAccount', ...subject }],
});

const event = (verb: string, ref: AuditEvent['objectRef'], code = 200, user = USER, stage = 'ResponseComplete') => ({
  verb,
  stage,
  user: { username: user },
  objectRef: ref,
  responseStatus: { code },
  requestReceivedTimestamp: '2026-12-03T11:00:00.000000Z',
});

describe('grantsOf', () => {
  const objects = [
    role('Role', 'manager', [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] }], 'team-a'),
    binding('RoleBinding', { kind: 'Role', name: 'manager' }, SA, 'team-a'),
    role('ClusterRole', 'claims', [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list'] }]),
    binding('ClusterRoleBinding', { kind: 'ClusterRole', name: 'claims' }),
    // a ClusterRole bound in one namespace grants there only
    role('ClusterRole', 'reader', [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['watch'] }]),
    binding('RoleBinding', { kind: 'ClusterRole', name: 'reader' }, SA, 'team-b'),
    // bound to someone else, or bound to nobody: not the controller's
    role('ClusterRole', 'users-edit', [{ apiGroups: ['mailsync.io'], resources: ['mailsyncs'], verbs: ['create'] }]),
    binding('ClusterRoleBinding', { kind: 'ClusterRole', name: 'users-edit' }, { namespace: 'ops', name: 'other' }),
    role('ClusterRole', 'aggregated', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
  ];

  it('expands each bound rule into one grant per verb, scoped by its binding', () => {
    expect(grantsOf(objects, SA).map(grantText)).toEqual([
      'get core/pods in team-a',
      'list core/pods in team-a',
      'get core/pods/log in team-a',
      'list core/pods/log in team-a',
      'list coordination.k8s.io/leases in all namespaces',
      'watch batch/jobs in team-b',
    ]);
  });

  it('fails on a binding to a role the manifests do not hold, and on resourceNames', () => {
    expect(() => grantsOf([binding('RoleBinding', { kind: 'Role', name: 'gone' }, SA, 'x')], SA)).toThrow(
      /refers to Role gone/,
    );
    const named = [
      role('Role', 'one', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['p'] }], 'x'),
      binding('RoleBinding', { kind: 'Role', name: 'one' }, SA, 'x'),
    ];
    expect(() => grantsOf(named, SA)).toThrow(/resourceNames/);
  });
});

describe('requestsOf', () => {
  it('keeps resource requests of the given users, once per watch, with the subresource', () => {
    const requests = requestsOf(
      [
        event('get', { resource: 'pods', subresource: 'log', namespace: 'a', name: 'p' }),
        event('watch', { resource: 'jobs', apiGroup: 'batch', namespace: 'a' }, 200, USER, 'ResponseStarted'),
        event('watch', { resource: 'jobs', apiGroup: 'batch', namespace: 'a' }),
        event('get', { resource: 'pods', namespace: 'a' }, 200, 'system:serviceaccount:ops:other'),
        { verb: 'get', user: { username: USER } }, // /version: no objectRef
      ],
      new Set([USER]),
    );
    expect(requests.map((r) => [r.verb, r.apiGroup, r.resource, r.namespace, r.name])).toEqual([
      ['get', '', 'pods/log', 'a', 'p'],
      ['watch', 'batch', 'jobs', 'a', undefined],
    ]);
  });
});

describe('unusedGrants and forbiddenRequests', () => {
  const grants = [
    { namespace: 'a', apiGroup: '', resource: 'pods', verb: 'get' },
    { namespace: 'a', apiGroup: '', resource: 'pods', verb: 'delete' },
    { namespace: '*', apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'list' },
    { namespace: 'a', apiGroup: 'mailsync.io', resource: 'mailsyncs/finalizers', verb: 'update' },
  ];
  const request = (over: Partial<AuditRequest>): AuditRequest => ({
    user: USER,
    verb: 'get',
    apiGroup: '',
    resource: 'pods',
    namespace: 'a',
    code: 200,
    receivedAt: 0,
    ...over,
  });
  const exempt = [{ apiGroup: 'mailsync.io', resource: 'mailsyncs/finalizers', verb: 'update', why: 'admission' }];

  it.each([
    [
      'nothing used',
      [],
      ['get core/pods in a', 'delete core/pods in a', 'list coordination.k8s.io/leases in all namespaces'],
    ],
    [
      'a get and a cluster-wide list',
      [request({}), request({ verb: 'list', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: '' })],
      ['delete core/pods in a'],
    ],
    [
      'a delete in another namespace does not use the grant in a',
      [request({ verb: 'delete', namespace: 'b' })],
      ['get core/pods in a', 'delete core/pods in a', 'list coordination.k8s.io/leases in all namespaces'],
    ],
    [
      'a refused delete does not count as used',
      [request({ verb: 'delete', code: 403 })],
      ['get core/pods in a', 'delete core/pods in a', 'list coordination.k8s.io/leases in all namespaces'],
    ],
    [
      'a delete answered 404 was allowed',
      [request({ verb: 'delete', code: 404 })],
      ['get core/pods in a', 'list coordination.k8s.io/leases in all namespaces'],
    ],
  ])('%s', (_what, requests, unused) => {
    expect(unusedGrants(grants, requests, exempt).map(grantText)).toEqual(unused);
  });

  it('without the exemption, the finalizers grant is unused too', () => {
    expect(unusedGrants(grants, [request({})]).map(grantText)).toContain(
      'update mailsync.io/mailsyncs/finalizers in a',
    );
  });

  it('finds the 403s and the requests in given namespaces', () => {
    const requests = [request({}), request({ verb: 'list', code: 403, namespace: 'b' })];
    expect(forbiddenRequests(requests)).toEqual([requests[1]]);
    expect(requestsIn(requests, ['b', 'c'])).toEqual([requests[1]]);
  });
});

describe("the chart's controller grants", () => {
  let helm = '';
  beforeAll(() => {
    helm = buildTool('helm');
  }, 30 * 60_000);
  const account = { namespace: NAMESPACE, name: 'mailsync-mailsync-operator' };

  it('namespace scope: the manager rules in each watched namespace, cluster-wide only the list of Leases', () => {
    const objects = installed(
      renderChart(helm, ['--set', 'rbac.scope=namespace', '--set', 'watchNamespaces={team-a,team-b}']),
    );
    const grants = grantsOf(objects, account);
    expect(grants.filter((g) => g.namespace === '*').map(grantText)).toEqual([
      'list coordination.k8s.io/leases in all namespaces',
    ]);
    expect([...new Set(grants.map((g) => g.namespace))].sort()).toEqual(['*', NAMESPACE, 'team-a', 'team-b']);
    const secrets = (namespace: string) =>
      grants.filter((g) => g.namespace === namespace && g.resource === 'secrets').map((g) => g.verb);
    expect(secrets('team-a')).toEqual(['get', 'list', 'watch', 'create', 'patch', 'delete']);
    // the release namespace holds the Lease, nothing of MailSyncs or Secrets
    expect(grants.filter((g) => g.namespace === NAMESPACE).map((g) => g.resource)).toEqual([
      'leases',
      'leases',
      'leases',
    ]);
  });

  it('cluster scope: the manager rules in all namespaces, Secrets included', () => {
    const grants = grantsOf(installed(renderChart(helm)), account);
    expect(grants.filter((g) => g.namespace === '*' && g.resource === 'secrets').map((g) => g.verb)).toEqual([
      'get',
      'list',
      'watch',
      'create',
      'patch',
      'delete',
    ]);
  });
});
