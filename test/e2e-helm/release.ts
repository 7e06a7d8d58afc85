/**
 * The releases the helm end-to-end test installs: names and values for the local cluster (the
 * chart's ci/local-cluster-values.yaml: no pod network, so the operator and its workers run on the
 * node's network; the image is imported into the node's containerd, never pulled).
 */
import { CRD_NAME } from '../../src/api/mailsync.js';
import { MIGRATION_CRD_NAME } from '../../src/api/migration.js';
import { CI_VALUES } from '../chart/tools.js';
import { kubectl, must } from './cluster.js';

export const NAMESPACE = 'mailsync-helm-e2e';
export const RELEASE = 'ms-e2e';
export const DEPLOYMENT = `${RELEASE}-mailsync-operator`;
/**
 * The pull secret the release is installed with (chart value imagePullSecrets), for the controller
 * and, through --worker-image-pull-secrets, for every worker Job. The local cluster never pulls (the
 * image is imported), so any dockerconfigjson Secret does.
 */
export const PULL_SECRET = 'mailsync-e2e-pull';
/** A second release, in its own namespace, that watches the first one's namespace: it must be refused. */
export const SECOND_NAMESPACE = 'mailsync-helm-e2e-second';
export const SECOND_RELEASE = 'ms-e2e-second';
export const SECOND_DEPLOYMENT = `${SECOND_RELEASE}-mailsync-operator`;
/** The job label the chart's alerts and dashboard expect (the ServiceMonitor's jobLabel). */
export const PROMETHEUS_JOB = 'mailsync-operator';

export function releaseValues(image: string, metricsPort: number, namespace = NAMESPACE): string[] {
  const colon = image.lastIndexOf(':');
  const set = (value: string) => ['--set', value];
  return [
    '--namespace',
    namespace,
    ...set(`image.repository=${image.slice(0, colon)}`),
    ...set(`image.tag=${image.slice(colon + 1)}`),
    // the local cluster's values: one replica on the node's network, workers too, namespaced RBAC
    '-f',
    CI_VALUES,
    // the metrics port is then the node's: one nothing else uses
    ...set(`metrics.port=${metricsPort}`),
    ...set(`imagePullSecrets[0].name=${PULL_SECRET}`),
  ];
}

/** The second release: the first one's namespace watched from its own, no CRDs (the first owns them). */
export function secondReleaseValues(image: string, metricsPort: number): string[] {
  return [
    ...releaseValues(image, metricsPort, SECOND_NAMESPACE),
    '--set',
    `watchNamespaces={${NAMESPACE}}`,
    '--set',
    'crds.enabled=false',
  ];
}

/** A Secret of type kubernetes.io/dockerconfigjson (with no registry in it: nothing is pulled). */
export function pullSecret(name = PULL_SECRET): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'kubernetes.io/dockerconfigjson',
    stringData: { '.dockerconfigjson': '{"auths":{}}' },
  };
}

/**
 * The CRDs (MailSync and MailMigration) applied by kubectl (the controller's e2e suite) or kept by
 * another release's uninstall are adopted into this release, as users would (the chart README's
 * "CRD adoption"); helm refuses to install over any CRD it does not own.
 */
export function adoptCrd(): void {
  for (const name of [CRD_NAME, MIGRATION_CRD_NAME]) {
    if (kubectl(['get', 'crd', name]).status !== 0) continue;
    must(kubectl(['label', '--overwrite', 'crd', name, 'app.kubernetes.io/managed-by=Helm']), `label CRD ${name}`);
    must(
      kubectl([
        'annotate',
        '--overwrite',
        'crd',
        name,
        `meta.helm.sh/release-name=${RELEASE}`,
        `meta.helm.sh/release-namespace=${NAMESPACE}`,
      ]),
      `annotate CRD ${name}`,
    );
  }
}
