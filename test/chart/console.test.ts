/**
 * The chart's web console (console.enabled): nothing by default; when enabled a Deployment running
 * `mailsync console` with its own ServiceAccount, a Role limited to MailSyncs and the writes of its
 * own Secrets in the release namespace, the hash key from a Secret, HTTPS from a TLS Secret, and a
 * Service. (Lint and kubeconform of this value set: chart.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, ofKind, oneOfKind } from './manifests.js';
import { installed, NAMESPACE, renderChart } from './render.js';
import { buildTool } from './tools.js';

let helm = '';
beforeAll(() => {
  helm = buildTool('helm');
}, 30 * 60_000);

const render = (args: string[] = []) => installed(renderChart(helm, args));
const consoleObjects = (objects: K8sObject[]) =>
  objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'console');
const consoleDeployment = (objects: K8sObject[]) =>
  ofKind(objects, 'Deployment').find((d) => d.metadata.name === 'mailsync-mailsync-operator-console');

describe('web console in the chart', () => {
  it('renders nothing by default', () => {
    expect(consoleObjects(render())).toEqual([]);
  });

  it('plain HTTP on 8080 with a generated hash key Secret, least-privilege RBAC and a Service', () => {
    const objects = consoleObjects(render(['--set', 'console.enabled=true']));
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['Deployment', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount'].sort(),
    );
    for (const o of objects) expect(o.metadata.namespace).toBe(NAMESPACE);
    expect(oneOfKind(objects, 'Role').rules).toEqual([
      { apiGroups: ['mailsync.io'], resources: ['mailsyncs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'delete'] },
    ]);
    const binding = oneOfKind(objects, 'RoleBinding');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: oneOfKind(objects, 'ServiceAccount').metadata.name, namespace: NAMESPACE },
    ]);
    const key = oneOfKind(objects, 'Secret');
    expect(Buffer.from(key.data['hash-key'], 'base64').length).toBeGreaterThanOrEqual(32);
    expect(key.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const deployment = consoleDeployment(objects)!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.args).toEqual([
      'console',
      '--port=8080',
      '--hash-key-file=/etc/mailsync-console/hash-key/hash-key',
      '--max-syncs=20',
      '--rate-per-address=10',
      '--rate-per-pair=5',
      '--keep-finished-minutes=1440',
      '--log-level=info',
    ]);
    expect(pod.serviceAccountName).toBe(oneOfKind(objects, 'ServiceAccount').metadata.name);
    expect(pod.volumes).toContainEqual({ name: 'hash-key', secret: { secretName: key.metadata.name } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    const service = oneOfKind(objects, 'Service');
    expect(service.spec.selector['app.kubernetes.io/component']).toBe('console');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 443, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('HTTPS from a TLS Secret, the CA for the syncs, the secret selector as labels, a given hash key', () => {
    const objects = consoleObjects(
      render([
        '--set',
        'console.enabled=true',
        '--set',
        'console.tlsSecretName=console-tls',
        '--set',
        'console.hashKeySecretName=my-key',
        '--set',
        'console.caSecret.name=corp-ca',
        '--set',
        'secretSelector=mailsync.io/credentials=true',
      ]),
    );
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const pod = consoleDeployment(objects)!.spec.template.spec;
    const container = pod.containers[0];
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--port=8443',
        '--tls-cert-file=/etc/mailsync-console/tls/tls.crt',
        '--tls-key-file=/etc/mailsync-console/tls/tls.key',
        '--ca-secret=corp-ca:ca.crt',
        '--ca-file=/etc/mailsync-console/ca/ca.crt',
        '--secret-labels=mailsync.io/credentials=true',
      ]),
    );
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        { name: 'tls', secret: { secretName: 'console-tls' } },
        { name: 'hash-key', secret: { secretName: 'my-key' } },
        { name: 'ca', secret: { secretName: 'corp-ca' } },
      ]),
    );
    expect(container.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(oneOfKind(objects, 'Service').spec.ports[0].name).toBe('https');
  });

  it('the controller Deployment and its metrics Service do not select the console pods', () => {
    const objects = render(['--set', 'console.enabled=true']);
    const controller = ofKind(objects, 'Deployment').find((d) => d !== consoleDeployment(objects))!;
    expect(controller.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('controller');
  });
});
