/**
 * Least privilege, checked against what a controller really did: the grants the chart gives a
 * ServiceAccount (its Roles and ClusterRoles, through the bindings that name it) against the API
 * requests the API server's audit log recorded for that ServiceAccount. Pure: the e2e-helm test
 * reads the log (test/e2e-helm/audit-log.ts) and renders the chart; test/chart/rbac-usage.test.ts
 * tables the logic.
 */
import type { K8sObject } from './manifests.js';

/** One verb on one resource (with its subresource: "mailsyncs/status"), in one namespace or everywhere. */
export interface Grant {
  /** A namespace, or "*" for a ClusterRole bound by a ClusterRoleBinding. */
  namespace: string;
  apiGroup: string;
  resource: string;
  verb: string;
}

/** One request of the audit log (level Metadata), reduced to what RBAC decides on. */
export interface AuditRequest {
  user: string;
  verb: string;
  apiGroup: string;
  /** resource, or resource/subresource */
  resource: string;
  /** empty for cluster-scoped requests (a list across all namespaces) */
  namespace: string;
  code: number;
  /** when the API server received it (ms since the epoch) */
  receivedAt: number;
  /** the object's name, for the messages */
  name?: string;
}

/** The audit.k8s.io/v1 Event fields read here. */
export interface AuditEvent {
  verb: string;
  stage?: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

/** What the ServiceAccount `namespace/name` may do, from rendered manifests: one Grant per verb. */
export function grantsOf(objects: K8sObject[], account: { namespace: string; name: string }): Grant[] {
  const names = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const roles = new Map(
    objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').map((o) => [names(o), o] as const),
  );
  const bound = (binding: K8sObject) =>
    ((binding.subjects ?? []) as { kind: string; name: string; namespace?: string }[]).some(
      (s) => s.kind === 'ServiceAccount' && s.name === account.name && s.namespace === account.namespace,
    );
  const grants: Grant[] = [];
  for (const binding of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    if (!bound(binding)) continue;
    const ref = binding.roleRef as { kind: string; name: string };
    const roleNamespace = ref.kind === 'Role' ? (binding.metadata.namespace ?? '') : '';
    const role = roles.get(`${ref.kind}/${roleNamespace}/${ref.name}`);
    if (!role) throw new Error(`${names(binding)} refers to ${ref.kind} ${ref.name}, which the chart does not render`);
    const namespace = binding.kind === 'ClusterRoleBinding' ? '*' : (binding.metadata.namespace ?? '');
    for (const rule of (role.rules ?? []) as Rule[]) {
      if (rule.resourceNames?.length) throw new Error(`${names(role)}: resourceNames are not handled here`);
      for (const apiGroup of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? []) grants.push({ namespace, apiGroup, resource, verb });
    }
  }
  return grants;
}

/** Resource requests (not /api, /healthz...) of the given users; watch requests once, not per stage. */
export function requestsOf(events: AuditEvent[], users: ReadonlySet<string>): AuditRequest[] {
  const requests: AuditRequest[] = [];
  for (const event of events) {
    const user = event.user?.username ?? '';
    const ref = event.objectRef;
    if (!users.has(user) || !ref?.resource || event.stage === 'ResponseStarted') continue;
    requests.push({
      user,
      verb: event.verb,
      apiGroup: ref.apiGroup ?? '',
      resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource,
      namespace: ref.namespace ?? '',
      code: event.responseStatus?.code ?? 0,
      receivedAt: Date.parse(event.requestReceivedTimestamp ?? ''),
      ...(ref.name ? { name: ref.name } : {}),
    });
  }
  return requests;
}

const covers = (grant: Grant, request: AuditRequest) =>
  grant.verb === request.verb &&
  grant.apiGroup === request.apiGroup &&
  grant.resource === request.resource &&
  (grant.namespace === '*' || grant.namespace === request.namespace);

export const grantText = (g: Grant) =>
  `${g.verb} ${g.apiGroup || 'core'}/${g.resource} in ${g.namespace === '*' ? 'all namespaces' : g.namespace}`;
export const requestText = (r: AuditRequest) =>
  `${r.verb} ${r.apiGroup || 'core'}/${r.resource}${r.name ? ` ${r.name}` : ''} in ${r.namespace || 'all namespaces'} -> ${r.code}`;

/**
 * Grants no request of the audit log used (a request the API server allowed, code other than 403).
 * `exempt` are grants that RBAC checks without a request of their own (the audit log cannot show
 * them), each with its reason.
 */
export function unusedGrants(
  grants: Grant[],
  requests: AuditRequest[],
  exempt: readonly { apiGroup: string; resource: string; verb: string; why: string }[] = [],
): Grant[] {
  const allowed = requests.filter((r) => r.code !== 403);
  return grants.filter(
    (g) =>
      !exempt.some((e) => e.apiGroup === g.apiGroup && e.resource === g.resource && e.verb === g.verb) &&
      !allowed.some((r) => covers(g, r)),
  );
}

/** Requests the API server refused for lack of a grant. */
export const forbiddenRequests = (requests: AuditRequest[]) => requests.filter((r) => r.code === 403);

/** Requests whose namespace is one of `namespaces` (a namespace the controller must not touch). */
export const requestsIn = (requests: AuditRequest[], namespaces: readonly string[]) =>
  requests.filter((r) => namespaces.includes(r.namespace));
