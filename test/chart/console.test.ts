/**
 * The chart's web console (console.enabled): nothing by default; when enabled a Deployment running
 * `mailsync console` with its own ServiceAccount, a Role limited to MailSyncs and the writes of its
 * own Secrets in the release namespace, the hash key from a Secret, HTTPS from a TLS Secret, and a
 * Service; with console.admin.enabled the admin view's RBAC (create TokenReviews and
 * SubjectAccessReviews, a Role in each admin namespace) and flags; with console.certManager.enabled a
 * cert-manager Certificate for its TLS Secret. (Lint and kubeconform of these value sets: chart.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, ofKind, oneOfKind } from './manifests.js';
import { installed, NAMESPACE, renderChart } from './render.js';
import { buildTool, CI_VALUES, helmTemplate } from './tools.js';

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

  it('console.maxMessagesPerSecond paces the self-service syncs (--max-messages-per-second); 0 sets no flag', () => {
    const args = (value: string) =>
      consoleDeployment(
        consoleObjects(
          render(['--set', 'console.enabled=true', '--set-json', `console.maxMessagesPerSecond=${value}`]),
        ),
      )!.spec.template.spec.containers[0].args as string[];
    expect(args('0.5')).toContain('--max-messages-per-second=0.5');
    expect(args('0').some((a) => a.startsWith('--max-messages-per-second'))).toBe(false);
  });

  it('on the node network of the local test cluster (make demo): hostNetwork, a given port, replaced not surged', () => {
    const objects = consoleObjects(
      render(['-f', CI_VALUES, '--set', 'console.enabled=true', '--set', 'console.port=18081']),
    );
    const deployment = consoleDeployment(objects)!;
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.containers[0].args).toContain('--port=18081');
    expect(pod.containers[0].ports).toEqual([{ name: 'http', containerPort: 18081, protocol: 'TCP' }]);
    const plain = consoleDeployment(consoleObjects(render(['--set', 'console.enabled=true'])))!;
    expect(plain.spec.strategy).toBeUndefined();
    expect(plain.spec.template.spec.hostNetwork).toBeUndefined();
  });

  it('the controller Deployment and its metrics Service do not select the console pods', () => {
    const objects = render(['--set', 'console.enabled=true']);
    const controller = ofKind(objects, 'Deployment').find((d) => d !== consoleDeployment(objects))!;
    expect(controller.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('controller');
  });
});

const CONSOLE = 'mailsync-mailsync-operator-console';
const ADMIN_RULES = [
  {
    apiGroups: ['mailsync.io'],
    resources: ['mailmigrations'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
  { apiGroups: ['mailsync.io'], resources: ['mailsyncs'], verbs: ['get', 'list', 'watch', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'delete'] },
];

describe('the console admin view in the chart', () => {
  it('off by default: no review rights, no admin Role, no --admin', () => {
    const objects = consoleObjects(render(['--set', 'console.enabled=true']));
    expect(ofKind(objects, 'ClusterRole')).toEqual([]);
    expect(ofKind(objects, 'Role').map((r) => r.metadata.name)).toEqual([CONSOLE]);
    expect(consoleDeployment(objects)!.spec.template.spec.containers[0].args).not.toContain('--admin');
  });

  it('enabled: create on tokenreviews and subjectaccessreviews only, a Role in the release namespace, the flags', () => {
    const objects = consoleObjects(
      render([
        '--set',
        'console.enabled=true',
        '--set',
        'console.admin.enabled=true',
        '--set',
        'maxRunningPerHost=4',
        '--set',
        'console.admin.trustedProxies={10.0.0.0/8,127.0.0.1}',
      ]),
    );
    expect(oneOfKind(objects, 'ClusterRole')).toMatchObject({
      metadata: { name: `${CONSOLE}-reviews` },
      rules: [
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      ],
    });
    const sa = { kind: 'ServiceAccount', name: CONSOLE, namespace: NAMESPACE };
    expect(oneOfKind(objects, 'ClusterRoleBinding')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: `${CONSOLE}-reviews` },
      subjects: [sa],
    });
    const admin = ofKind(objects, 'Role').filter((r) => r.metadata.name === `${CONSOLE}-admin`);
    expect(admin.map((r) => [r.metadata.namespace, r.rules])).toEqual([[NAMESPACE, ADMIN_RULES]]);
    const binding = ofKind(objects, 'RoleBinding').find((b) => b.metadata.name === `${CONSOLE}-admin`)!;
    expect(binding).toMatchObject({ roleRef: { kind: 'Role', name: `${CONSOLE}-admin` }, subjects: [sa] });
    expect(consoleDeployment(objects)!.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining([
        '--admin',
        `--admin-namespaces=${NAMESPACE}`,
        '--max-running-per-host=4',
        '--auth-proxy-trusted=10.0.0.0/8,127.0.0.1',
      ]),
    );
  });

  it('covers the watched namespaces, or the ones given', () => {
    const watched = consoleObjects(
      render([
        '--set',
        'console.enabled=true',
        '--set',
        'console.admin.enabled=true',
        '--set',
        'rbac.scope=namespace',
        '--set',
        'watchNamespaces={team-a,team-b}',
      ]),
    );
    const adminRoles = (objects: K8sObject[]) =>
      ofKind(objects, 'Role')
        .filter((r) => r.metadata.name === `${CONSOLE}-admin`)
        .map((r) => r.metadata.namespace);
    expect(adminRoles(watched)).toEqual(['team-a', 'team-b']);
    expect(consoleDeployment(watched)!.spec.template.spec.containers[0].args).toContain(
      '--admin-namespaces=team-a,team-b',
    );
    const given = consoleObjects(
      render([
        '--set',
        'console.enabled=true',
        '--set',
        'console.admin.enabled=true',
        '--set',
        'console.admin.namespaces={mail}',
      ]),
    );
    expect(adminRoles(given)).toEqual(['mail']);
  });
});

describe('the console certificate from cert-manager in the chart', () => {
  it('a Certificate for the console Service names, written to the TLS Secret the console mounts', () => {
    const objects = consoleObjects(
      render([
        '--set',
        'console.enabled=true',
        '--set',
        'console.certManager.enabled=true',
        '--set',
        'console.certManager.issuerRef.name=corp-ca',
        '--set',
        'console.certManager.issuerRef.kind=ClusterIssuer',
        '--set',
        'console.certManager.dnsNames={mail-console.example.com}',
      ]),
    );
    const certificate = oneOfKind(objects, 'Certificate');
    expect(certificate.apiVersion).toBe('cert-manager.io/v1');
    expect(certificate.metadata).toMatchObject({ name: CONSOLE, namespace: NAMESPACE });
    expect(certificate.spec).toEqual({
      secretName: `${CONSOLE}-tls`,
      issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      dnsNames: [
        CONSOLE,
        `${CONSOLE}.${NAMESPACE}`,
        `${CONSOLE}.${NAMESPACE}.svc`,
        `${CONSOLE}.${NAMESPACE}.svc.cluster.local`,
        'mail-console.example.com',
      ],
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    });
    const pod = consoleDeployment(objects)!.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: `${CONSOLE}-tls` } });
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining(['--port=8443', '--tls-cert-file=/etc/mailsync-console/tls/tls.crt']),
    );
    expect(oneOfKind(objects, 'Service').spec.ports[0].name).toBe('https');
  });

  it('writes console.tlsSecretName when one is given; no Certificate unless enabled', () => {
    const objects = consoleObjects(
      render([
        '--set',
        'console.enabled=true',
        '--set',
        'console.tlsSecretName=console-tls',
        '--set',
        'console.certManager.enabled=true',
        '--set',
        'console.certManager.issuerRef.name=corp-ca',
      ]),
    );
    expect(oneOfKind(objects, 'Certificate').spec.secretName).toBe('console-tls');
    expect(ofKind(consoleObjects(render(['--set', 'console.enabled=true'])), 'Certificate')).toEqual([]);
  });

  it('without an issuer name: a clear error', () => {
    const result = helmTemplate(
      helm,
      ['--set', 'console.enabled=true', '--set', 'console.certManager.enabled=true'],
      NAMESPACE,
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('console.certManager.enabled needs console.certManager.issuerRef.name');
  });
});
