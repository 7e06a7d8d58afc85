/**
 * The release the helm end-to-end test installs: names and `--set` values for the local cluster
 * (no pod network: the operator and its workers run on the node's network; the image is imported
 * into the node's containerd, never pulled).
 */
import { CRD_NAME } from '../../src/api/mailsync.js';
import { MIGRATION_CRD_NAME } from '../../src/api/migration.js';
import { kubectl, must } from './cluster.js';

export const NAMESPACE = 'mailsync-helm-e2e';
export const RELEASE = 'ms-e2e';
export const DEPLOYMENT = `${RELEASE}-mailsync-operator`;
/** The job label the chart's alerts and dashboard expect (the ServiceMonitor's jobLabel). */
export const PROMETHEUS_JOB = 'mailsync-operator';

export function releaseValues(image: string, metricsPort: number): string[] {
  const colon = image.lastIndexOf(':');
  const set = (value: string) => ['--set', value];
  return [
    '--namespace',
    NAMESPACE,
    ...set(`image.repository=${image.slice(0, colon)}`),
    ...set(`image.tag=${image.slice(colon + 1)}`),
    ...set('image.pullPolicy=IfNotPresent'),
    // on the node's network one replica (the metrics port is the node's), on a port nothing else uses
    ...set('hostNetwork=true'),
    ...set('workerHostNetwork=true'),
    ...set('replicas=1'),
    ...set(`metrics.port=${metricsPort}`),
    ...set('rbac.scope=namespace'),
  ];
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
