/**
 * The release the helm end-to-end test installs: names and `--set` values for the local cluster
 * (no pod network: the operator and its workers run on the node's network; the image is imported
 * into the node's containerd, never pulled).
 */
import { CRD_NAME } from '../../src/api/mailsync.js';
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
 * A CRD applied by kubectl (the controller's e2e suite) or kept by another release's uninstall is
 * adopted into this release, as users would (the chart README's "CRD adoption").
 */
export function adoptCrd(): void {
  if (kubectl(['get', 'crd', CRD_NAME]).status !== 0) return;
  must(kubectl(['label', '--overwrite', 'crd', CRD_NAME, 'app.kubernetes.io/managed-by=Helm']), 'label CRD');
  must(
    kubectl([
      'annotate',
      '--overwrite',
      'crd',
      CRD_NAME,
      `meta.helm.sh/release-name=${RELEASE}`,
      `meta.helm.sh/release-namespace=${NAMESPACE}`,
    ]),
    'annotate CRD',
  );
}
