/**
 * The CLI's way to the Kubernetes API (report, import --apply): KUBECONFIG or
 * ~/.kube/config (in a pod: its service account), as the controller connects,
 * and the REST paths of the resources the CLI reads and writes.
 */
import { GROUP, PLURAL, VERSION } from '../api/mailsync.js';
import { MIGRATION_PLURAL } from '../api/migration.js';
import { KubeClient } from '../kube/kube-client.js';
import { loadConnectionSource } from '../kube/kube-config.js';
import { apiPath, segment } from '../kube/paths.js';

export async function connectKube(env: NodeJS.ProcessEnv): Promise<KubeClient> {
  return new KubeClient(await loadConnectionSource(env), 'mailsync-cli');
}

const base = `/apis/${GROUP}/${VERSION}/namespaces`;

export const cliPaths = {
  // Every namespace and name is one encoded path segment (src/kube/paths.ts).
  mailSyncs: (ns: string) => `${base}/${segment(ns)}/${PLURAL}`,
  mailMigrations: (ns: string) => `${base}/${segment(ns)}/${MIGRATION_PLURAL}`,
  mailMigration: (ns: string, name: string) => `${base}/${segment(ns)}/${MIGRATION_PLURAL}/${segment(name)}`,
  secrets: (ns: string) => apiPath`/api/v1/namespaces/${ns}/secrets`,
  secret: (ns: string, name: string) => apiPath`/api/v1/namespaces/${ns}/secrets/${name}`,
};
