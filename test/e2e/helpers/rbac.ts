/**
 * RBAC set-up shared by the console e2e tests: a ServiceAccount with a token (what a person signs in to
 * the admin view with) and the Role that lets it run migrations in one namespace, nothing more.
 */
import type { KubeClient } from '../../../src/kube/kube-client.js';

/** A ServiceAccount `name` in `ns` and a 10-minute token for it (TokenRequest). */
export async function serviceAccountToken(client: KubeClient, ns: string, name: string): Promise<string> {
  await client.create(`/api/v1/namespaces/${ns}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name },
  });
  const request = await client.create<{ status: { token: string } }>(
    `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
  );
  return request.status.token;
}

/**
 * Role `migrations` in `ns` (MailMigrations and MailSyncs: get, list, create, patch, delete; Secrets:
 * create) bound to the ServiceAccount `account`: what an admin needs for the admin view's actions.
 */
export async function grantMigrationRole(client: KubeClient, ns: string, account: string): Promise<void> {
  await client.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'migrations' },
    rules: [
      {
        apiGroups: ['mailsync.io'],
        resources: ['mailmigrations', 'mailsyncs'],
        verbs: ['get', 'list', 'create', 'patch', 'delete'],
      },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ],
  });
  await client.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'migrations' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'migrations' },
    subjects: [{ kind: 'ServiceAccount', name: account, namespace: ns }],
  });
}
