/**
 * The Helm chart rendered with several value sets: `helm lint --strict`, `helm template`, every
 * manifest validated by kubeconform (-strict) against the Kubernetes schemas of the local cluster's
 * version (made offline, see kube-schemas.ts), and the behaviour the values promise.
 * ServiceMonitor, PrometheusRule and cert-manager's Certificate are skipped by kubeconform: their CRDs
 * are not available offline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { API_VERSION, KIND } from '../../src/api/mailsync.js';
import { MailSyncSpec } from '../../src/api/spec.js';
import { type K8sObject, ofKind, oneOfKind, parseManifests } from './manifests.js';
import { installed, LONG_RELEASE, NAMESPACE, renderChart } from './render.js';
import {
  buildTool,
  CHART,
  CHART_CRDS,
  CI_VALUES,
  crdFiles,
  helmTemplate,
  KUBECONFORM_SKIPPED_KINDS,
  kubeconform,
  kubeconformSchemaDir,
  run,
} from './tools.js';

const BUILD_TIMEOUT = 30 * 60_000; // a cold build of helm takes minutes on a loaded 2-core machine
const MONITORING_API = ['--api-versions', 'monitoring.coreos.com/v1'];

interface ValueSet {
  args: string[];
  release?: string;
}

/** Value sets exercised by lint, template and kubeconform. */
const VALUE_SETS: Record<string, ValueSet> = {
  defaults: { args: [] },
  'cluster RBAC': { args: ['--set', 'rbac.scope=cluster'] },
  'namespaced RBAC (release namespace)': { args: ['--set', 'rbac.scope=namespace'] },
  'namespaced RBAC (listed namespaces)': {
    args: ['--set', 'rbac.scope=namespace', '--set', 'watchNamespaces={team-a,team-b}'],
  },
  'serviceMonitor and prometheusRule forced': {
    args: ['--set', 'serviceMonitor.enabled=true', '--set', 'prometheusRule.enabled=true'],
  },
  'crds disabled': { args: ['--set', 'crds.enabled=false'] },
  'single replica, no leader election, everything optional on': {
    args: [
      '--set',
      'replicas=1',
      '--set',
      'leaderElection.enabled=false',
      '--set',
      'networkPolicy.enabled=true',
      '--set',
      'networkPolicy.egress.enabled=true',
      '--set',
      'workerImage=registry.example/mailsync-worker:1.2.3',
      '--set',
      'image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      '--set',
      'grafanaDashboard.namespace=monitoring',
      '--set',
      'serviceAccount.annotations.team=mail',
      '--set',
      'shutdown.preStopSleepSeconds=3',
      '--set',
      'terminationGracePeriodSeconds=40',
    ],
  },
  'the local test cluster (ci/local-cluster-values.yaml)': { args: ['-f', CI_VALUES] },
  'private registry with pull secrets (chart and global)': {
    args: [
      '--set',
      'image.registry=registry.example.com:5000',
      '--set-json',
      'imagePullSecrets=[{"name":"regcred"}]',
      '--set',
      'global.imagePullSecrets={shared-pull}',
    ],
  },
  'the web console with HTTPS, a CA and a secret selector': {
    args: [
      '--set',
      'console.enabled=true',
      '--set',
      'console.tlsSecretName=console-tls',
      '--set',
      'console.caSecret.name=corp-ca',
      '--set',
      'secretSelector=mailsync.io/credentials=true',
    ],
  },
  'the web console with the admin view, a trusted proxy and a cert-manager Certificate': {
    args: [
      '--set',
      'console.enabled=true',
      '--set',
      'console.admin.enabled=true',
      '--set',
      'console.admin.trustedProxies={10.0.0.0/8}',
      '--set',
      'maxRunningPerHost=4',
      '--set',
      'console.certManager.enabled=true',
      '--set',
      'console.certManager.issuerRef.name=corp-ca',
      '--set',
      'console.certManager.issuerRef.kind=ClusterIssuer',
    ],
  },
  'no aggregated roles, no helm test': {
    args: ['--set', 'rbac.aggregateClusterRoles=false', '--set', 'helmTest.enabled=false'],
  },
  'worker NetworkPolicy in the watched namespaces': {
    args: [
      '--set',
      'rbac.scope=namespace',
      '--set',
      'watchNamespaces={team-a,team-b}',
      '--set',
      'workerNetworkPolicy.enabled=true',
    ],
  },
  'a 53-character release name, everything on': {
    release: LONG_RELEASE,
    args: [
      '--set',
      'serviceMonitor.enabled=true',
      '--set',
      'prometheusRule.enabled=true',
      '--set',
      'networkPolicy.enabled=true',
    ],
  },
  'an existing ServiceAccount and the admin knobs': {
    args: [
      '--set',
      'serviceAccount.create=false',
      '--set',
      'serviceAccount.name=ops',
      '--set',
      'revisionHistoryLimit=2',
      '--set',
      'strategy.type=Recreate',
      '--set',
      'podDisruptionBudget.maxUnavailable=50%',
      '--set',
      'commonLabels.team=mail',
      '--set-json',
      'extraVolumes=[{"name":"ca","configMap":{"name":"corp-ca"}}]',
      '--set-json',
      'extraVolumeMounts=[{"name":"ca","mountPath":"/etc/corp-ca","readOnly":true}]',
      '--set-json',
      'extraObjects=[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{ .Release.Name }}-extra"},"data":{"a":"b"}}]',
    ],
  },
};

let helm = '';

const render = (args: string[] = [], release = 'mailsync') =>
  renderChart(helm, args, { namespace: NAMESPACE, release });

const byName = (objects: K8sObject[], kind: string, suffix: string) =>
  ofKind(objects, kind).filter((o) => o.metadata.name.endsWith(suffix));

function deploymentArgs(objects: K8sObject[]): string[] {
  return oneOfKind(objects, 'Deployment').spec.template.spec.containers[0].args;
}

beforeAll(() => {
  helm = buildTool('helm');
}, BUILD_TIMEOUT);

describe.each(Object.entries(VALUE_SETS))('chart with %s', (_name, { args, release }) => {
  let kubeconformBin = '';
  let schemaDir = '';
  beforeAll(() => {
    kubeconformBin = buildTool('kubeconform');
    schemaDir = kubeconformSchemaDir();
  }, BUILD_TIMEOUT);

  it('passes helm lint --strict', () => {
    const lint = run(helm, ['lint', '--strict', CHART, '--namespace', NAMESPACE, ...args]);
    expect(lint.stderr + lint.stdout).toContain('0 chart(s) failed');
    expect(lint.status).toBe(0);
  });

  it('renders manifests that kubeconform -strict accepts', () => {
    const rendered = helmTemplate(helm, args, NAMESPACE, release);
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    const result = kubeconform(kubeconformBin, schemaDir, rendered.stdout);
    const report = JSON.parse(result.stdout) as {
      resources: { kind: string; name: string; status: string; msg: string }[];
      summary: { valid: number; invalid: number; errors: number; skipped: number };
    };
    expect(report.resources.filter((r) => r.status !== 'statusSkipped')).toEqual([]);
    expect(report.summary.invalid + report.summary.errors).toBe(0);
    const objects = parseManifests(rendered.stdout);
    const skipped = objects.filter((o) => KUBECONFORM_SKIPPED_KINDS.includes(o.kind)).length;
    expect(report.summary).toEqual({ valid: objects.length - skipped, invalid: 0, errors: 0, skipped });
    expect(result.status).toBe(0);
  });
});

describe('kubeconform with the offline schemas', () => {
  it('rejects what the API server would (typo, wrong type), so the checks above mean something', () => {
    const bin = buildTool('kubeconform');
    const rendered = helmTemplate(helm, [], NAMESPACE).stdout;
    const broken = rendered.replace('revisionHistoryLimit: 5', 'revisionHistoryLimt: 5');
    const result = kubeconform(bin, kubeconformSchemaDir(), broken);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("additional properties 'revisionHistoryLimt' not allowed");
  });
});

describe('Deployment', () => {
  it('runs two replicas with leader election, probes on the metrics port and the worker image', () => {
    const objects = render();
    const deployment = oneOfKind(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe('mailsync-operator:0.1.0');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.args).toEqual([
      'controller',
      '--metrics-port=8080',
      '--leader-elect',
      '--lease-name=mailsync-mailsync-operator',
      '--lease-duration-seconds=15',
      '--renew-deadline-seconds=10',
      '--retry-period-seconds=2',
      '--worker-image=mailsync-operator:0.1.0',
      '--worker-image-pull-policy=IfNotPresent',
      '--release=mailsync-system/mailsync',
      '--concurrency=4',
      '--max-log-follows=100',
      '--batch-window-seconds=5',
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      '--shutdown-timeout-seconds=20',
      '--log-level=info',
    ]);
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(pod.serviceAccountName).toBe('mailsync-mailsync-operator');
  });

  it('has a restricted security context (Pod Security Standard "restricted")', () => {
    const pod = oneOfKind(render(), 'Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.hostNetwork).toBeUndefined();
  });

  it('passes the watched namespaces, host network and worker image to the controller', () => {
    const args = deploymentArgs(
      render([
        '--set',
        'rbac.scope=namespace',
        '--set',
        'watchNamespaces={team-a,team-b}',
        '--set',
        'testMode=true',
        '--set',
        'workerHostNetwork=true',
        '--set',
        'workerImage=other/worker:2',
        '--set',
        'concurrency=16',
      ]),
    );
    expect(args).toContain('--namespace=team-a,team-b');
    expect(args).toContain('--worker-host-network');
    expect(args).toContain('--worker-image=other/worker:2');
    expect(args).toContain('--concurrency=16');
    expect(deploymentArgs(render(['--set', 'rbac.scope=namespace']))).toContain(`--namespace=${NAMESPACE}`);
    expect(deploymentArgs(render()).some((a) => a.startsWith('--namespace'))).toBe(false);
  });

  it('drops leader election, its Role and the PodDisruptionBudget for a single replica', () => {
    const objects = installed(render(['--set', 'replicas=1', '--set', 'leaderElection.enabled=false']));
    expect(deploymentArgs(objects)).not.toContain('--leader-elect');
    expect(deploymentArgs(objects).filter((a) => a.startsWith('--lease'))).toEqual([]);
    expect(ofKind(objects, 'Role')).toEqual([]);
    expect(ofKind(objects, 'PodDisruptionBudget')).toEqual([]);
    // two replicas always elect a leader, whatever the value says
    expect(deploymentArgs(render(['--set', 'leaderElection.enabled=false']))).toContain('--leader-elect');
  });

  it('hostNetwork (local test cluster): the pods use the node network and are replaced, not surged', () => {
    const deployment = oneOfKind(
      render(['--set', 'testMode=true', '--set', 'hostNetwork=true', '--set', 'replicas=1']),
      'Deployment',
    );
    expect(deployment.spec.template.spec.hostNetwork).toBe(true);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 1, maxSurge: 0 });
    expect(oneOfKind(render(), 'Deployment').spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  it('pins the image by digest when given one', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const objects = render(['--set', `image.digest=${digest}`, '--set', 'image.repository=reg.example/ms']);
    expect(oneOfKind(objects, 'Deployment').spec.template.spec.containers[0].image).toBe(`reg.example/ms@${digest}`);
    expect(deploymentArgs(objects)).toContain(`--worker-image=reg.example/ms@${digest}`);
  });
});

describe('RBAC', () => {
  /**
   * Exactly the verbs the controller calls (src/controller, src/kube): informers list and watch, writes are
   * merge patches (patch), no update but on finalizers (blockOwnerDeletion) and Leases.
   */
  const MANAGER_RULES = [
    { apiGroups: ['mailsync.io'], resources: ['mailsyncs'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: ['mailsync.io'], resources: ['mailsyncs/status'], verbs: ['patch'] },
    { apiGroups: ['mailsync.io'], resources: ['mailsyncs/finalizers'], verbs: ['update'] },
    { apiGroups: ['mailsync.io'], resources: ['mailmigrations'], verbs: ['list', 'watch'] },
    { apiGroups: ['mailsync.io'], resources: ['mailmigrations/status'], verbs: ['patch'] },
    { apiGroups: ['mailsync.io'], resources: ['mailmigrations/finalizers'], verbs: ['update'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  ];
  const LEASE_RULES = [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  ];
  /** The start-up check against other releases reads their claims on Leases in any namespace. */
  const CLAIM_RULES = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list'] }];
  const CLAIMS = 'mailsync-mailsync-operator-release-claims';
  const named = (objects: K8sObject[], kind: string, name: string) =>
    oneOfKind(
      objects.filter((o) => o.metadata.name === name),
      kind,
    );
  const notNamed = (objects: K8sObject[], kind: string, name: string) =>
    ofKind(objects, kind).filter((o) => o.metadata.name !== name);

  it('the release check: list on Leases cluster-wide and nothing else, with leader election only', () => {
    for (const args of [[], ['--set', 'rbac.scope=namespace']]) {
      const objects = render(args);
      expect(named(objects, 'ClusterRole', CLAIMS).rules).toEqual(CLAIM_RULES);
      expect(named(objects, 'ClusterRoleBinding', CLAIMS).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'mailsync-mailsync-operator', namespace: NAMESPACE },
      ]);
    }
    const single = render(['--set', 'replicas=1', '--set', 'leaderElection.enabled=false']);
    expect(ofKind(single, 'ClusterRole').filter((o) => o.metadata.name === CLAIMS)).toEqual([]);
  });

  it('cluster scope: one ClusterRole with exactly the manager rules, leases in the release namespace only', () => {
    const objects = installed(render());
    expect(oneOfKind(byName(objects, 'ClusterRole', '-manager'), 'ClusterRole').rules).toEqual(MANAGER_RULES);
    const binding = oneOfKind(byName(objects, 'ClusterRoleBinding', '-manager'), 'ClusterRoleBinding');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'mailsync-mailsync-operator', namespace: NAMESPACE },
    ]);
    const role = oneOfKind(objects, 'Role');
    expect(role.metadata.namespace).toBe(NAMESPACE);
    expect(role.rules).toEqual(LEASE_RULES);
  });

  it('namespace scope: a Role and RoleBinding per watched namespace, no cluster-wide grant but the release check', () => {
    const objects = installed(render(['--set', 'rbac.scope=namespace', '--set', 'watchNamespaces={team-a,team-b}']));
    // the users' aggregated roles are bound to nobody by the chart
    expect(notNamed(objects, 'ClusterRole', CLAIMS).map((r) => r.metadata.name)).toEqual([
      'mailsync-mailsync-operator-view',
      'mailsync-mailsync-operator-edit',
    ]);
    expect(notNamed(objects, 'ClusterRoleBinding', CLAIMS)).toEqual([]);
    const managers = ofKind(objects, 'Role').filter((r) => r.metadata.name.endsWith('-manager'));
    expect(managers.map((r) => r.metadata.namespace)).toEqual(['team-a', 'team-b']);
    for (const role of managers) expect(role.rules).toEqual(MANAGER_RULES);
    const bindings = ofKind(objects, 'RoleBinding').filter((r) => r.metadata.name.endsWith('-manager'));
    expect(bindings.map((b) => [b.metadata.namespace, b.subjects[0].namespace])).toEqual([
      ['team-a', NAMESPACE],
      ['team-b', NAMESPACE],
    ]);
    const leases = ofKind(objects, 'Role').filter((r) => r.metadata.name.endsWith('-leader-election'));
    expect(leases.map((r) => [r.metadata.namespace, r.rules])).toEqual([[NAMESPACE, LEASE_RULES]]);
  });

  it('grants no wildcard and never patches Secrets (only the per-account ones of a migration are written), in any value set', () => {
    for (const { args, release } of Object.values(VALUE_SETS)) {
      const roles = render(args, release).filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
      for (const rule of roles.flatMap((r) => r.rules)) {
        expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
        if (rule.resources.includes('secrets')) {
          // The console writes the Secrets of its own syncs and never reads one (test/chart/console.test.ts).
          expect([
            ['get', 'list', 'watch', 'create', 'patch', 'delete'],
            ['create', 'update', 'delete'],
          ]).toContainEqual(rule.verbs);
        }
      }
    }
  });

  it('cluster scope with watchNamespaces fails with an explanation', () => {
    const result = helmTemplate(helm, ['--set', 'watchNamespaces={team-a}'], NAMESPACE);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('rbac.scope=cluster watches every namespace');
  });

  it('renders no RBAC when rbac.create=false, and uses a given service account', () => {
    const objects = installed(
      render([
        '--set',
        'rbac.create=false',
        '--set',
        'serviceAccount.create=false',
        '--set',
        'serviceAccount.name=ops',
      ]),
    );
    for (const kind of ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount']) {
      expect(ofKind(objects, kind)).toEqual([]);
    }
    expect(oneOfKind(objects, 'Deployment').spec.template.spec.serviceAccountName).toBe('ops');
  });
});

describe('CRD', () => {
  const crds = crdFiles(CHART_CRDS);

  it.skipIf(crds.length === 0)('is rendered from crds-src/ with helm.sh/resource-policy: keep', () => {
    const rendered = ofKind(render(), 'CustomResourceDefinition');
    expect(rendered.map((c) => c.metadata.name).sort()).toEqual(
      crds.map((f) => (parseYaml(readFileSync(join(CHART_CRDS, f), 'utf8')) as K8sObject).metadata.name).sort(),
    );
    for (const crd of rendered) {
      const source = parseYaml(
        readFileSync(join(CHART_CRDS, `${crd.spec.group}_${crd.spec.names.plural}.yaml`), 'utf8'),
      ) as K8sObject;
      expect(crd.spec).toEqual(source.spec);
      expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
      expect(crd.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
    }
  });

  it.skipIf(crds.length === 0)('is not kept with crds.keep=false, and absent with crds.enabled=false', () => {
    for (const crd of ofKind(render(['--set', 'crds.keep=false']), 'CustomResourceDefinition')) {
      expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined();
    }
    expect(ofKind(render(['--set', 'crds.enabled=false']), 'CustomResourceDefinition')).toEqual([]);
  });

  if (crds.length === 0)
    console.log('CRD rendering tests skipped: crds/ has no CRD yet (npm run crds, then charts/sync-crds.sh)');
});

describe('monitoring', () => {
  const alerts = parseYaml(readFileSync(join(CHART, 'files/alerts.yaml'), 'utf8')) as { groups: unknown[] };
  const dashboard = JSON.parse(readFileSync(join(CHART, 'files/dashboard.json'), 'utf8'));

  it('renders ServiceMonitor and PrometheusRule only when the cluster serves monitoring.coreos.com/v1', () => {
    const without = render();
    expect(ofKind(without, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(without, 'PrometheusRule')).toEqual([]);
    const withApi = render(MONITORING_API);
    expect(ofKind(withApi, 'ServiceMonitor')).toHaveLength(1);
    expect(ofKind(withApi, 'PrometheusRule')).toHaveLength(1);
    const disabled = render([
      ...MONITORING_API,
      '--set',
      'serviceMonitor.enabled=false',
      '--set',
      'prometheusRule.enabled=false',
    ]);
    expect(ofKind(disabled, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(disabled, 'PrometheusRule')).toEqual([]);
  });

  it("ServiceMonitor scrapes the metrics Service as the release's own job (metrics.job)", () => {
    const objects = render([...MONITORING_API, '--set', 'serviceMonitor.labels.release=prometheus']);
    const monitor = oneOfKind(objects, 'ServiceMonitor');
    const service = oneOfKind(objects, 'Service');
    expect(monitor.metadata.labels?.release).toBe('prometheus');
    expect(service.metadata.labels?.[monitor.spec.jobLabel]).toBe('mailsync-mailsync-operator');
    const named = oneOfKind(render([...MONITORING_API, '--set', 'metrics.job=mail-prod']), 'Service');
    expect(named.metadata.labels?.[monitor.spec.jobLabel]).toBe('mail-prod');
    expect(monitor.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: service.spec.ports[0].name, path: '/metrics' });
  });

  it("PrometheusRule carries files/alerts.yaml with the release's job (templates like {{ $labels.reason }} intact)", () => {
    const rule = oneOfKind(render(MONITORING_API), 'PrometheusRule');
    const text = readFileSync(join(CHART, 'files/alerts.yaml'), 'utf8');
    const forRelease = parseYaml(text.replaceAll('job="mailsync-operator"', 'job="mailsync-mailsync-operator"'));
    expect(rule.spec.groups).toEqual(forRelease.groups);
    expect(rule.spec.groups).not.toEqual(alerts.groups);
    expect(JSON.stringify(rule.spec)).not.toContain('job=\\"mailsync-operator\\"');
    expect(JSON.stringify(rule.spec)).toContain('{{ $labels.reason }}');
  });

  it('ships the Grafana dashboard in a ConfigMap labelled grafana_dashboard: "1"', () => {
    const configMap = ofKind(render(), 'ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(configMap).toBeDefined();
    // files/dashboard.json, with the release's own uid, title and preselected job (chart-release.test.ts)
    const shipped = JSON.parse(configMap!.data['mailsync-operator.json']);
    const job = (d: typeof dashboard) => d.templating.list.find((v: { name: string }) => v.name === 'job');
    expect({ ...shipped, uid: dashboard.uid, title: dashboard.title, templating: undefined }).toEqual({
      ...dashboard,
      templating: undefined,
    });
    expect({ ...job(shipped), current: {} }).toEqual(job(dashboard));
    const elsewhere = render(['--set', 'grafanaDashboard.namespace=monitoring']);
    expect(ofKind(elsewhere, 'ConfigMap')[0]!.metadata.namespace).toBe('monitoring');
    expect(ofKind(render(['--set', 'grafanaDashboard.enabled=false']), 'ConfigMap')).toEqual([]);
  });

  it('NetworkPolicy admits only the metrics port, and restricts egress when asked', () => {
    const policy = oneOfKind(
      render([
        '--set',
        'networkPolicy.enabled=true',
        '--set',
        'networkPolicy.egress.enabled=true',
        '--set-json',
        'networkPolicy.metricsFrom=[{"namespaceSelector":{"matchLabels":{"name":"monitoring"}}}]',
      ]),
      'NetworkPolicy',
    );
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([
      {
        ports: [{ port: 'metrics', protocol: 'TCP' }],
        from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }],
      },
    ]);
    expect(policy.spec.egress.flatMap((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port))).toEqual([
      53, 53, 443, 6443,
    ]);
    expect(ofKind(render(), 'NetworkPolicy')).toEqual([]);
  });
});

describe('worker NetworkPolicy', () => {
  it('one per watched namespace: no ingress, egress to DNS and the IMAP ports, metadata excepted', () => {
    const policies = ofKind(
      render([
        '--set',
        'rbac.scope=namespace',
        '--set',
        'watchNamespaces={team-a,team-b}',
        '--set',
        'workerNetworkPolicy.enabled=true',
      ]),
      'NetworkPolicy',
    );
    expect(policies.map((p) => p.metadata.namespace)).toEqual(['team-a', 'team-b']);
    const policy = policies[0]!;
    expect(policy.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'mailsync-worker',
      'app.kubernetes.io/managed-by': 'mailsync-operator',
    });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress).toEqual([
      {
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      {
        to: [
          { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } },
          { ipBlock: { cidr: '::/0', except: ['fe80::/10'] } },
        ],
        ports: [
          { port: 993, protocol: 'TCP' },
          { port: 143, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('configurable peers and ports; listed namespaces with cluster scope', () => {
    const [policy, ...rest] = ofKind(
      render([
        '--set',
        'workerNetworkPolicy.enabled=true',
        '--set',
        'workerNetworkPolicy.namespaces={mail}',
        '--set-json',
        'workerNetworkPolicy.to=[{"ipBlock":{"cidr":"203.0.113.0/24"}}]',
        '--set-json',
        'workerNetworkPolicy.ports=[993]',
      ]),
      'NetworkPolicy',
    );
    expect(rest).toEqual([]);
    expect(policy!.metadata.namespace).toBe('mail');
    expect(policy!.spec.egress[1]).toEqual({
      to: [{ ipBlock: { cidr: '203.0.113.0/24' } }],
      ports: [{ port: 993, protocol: 'TCP' }],
    });
  });

  it('with cluster scope and no namespaces listed, fails with an explanation; off by default', () => {
    const result = helmTemplate(helm, ['--set', 'workerNetworkPolicy.enabled=true'], NAMESPACE);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('list the namespaces where MailSyncs run in workerNetworkPolicy.namespaces');
    expect(ofKind(render(), 'NetworkPolicy')).toEqual([]);
  });
});

describe('NOTES.txt', () => {
  const notesOf = (args: string[] = []) => {
    const result = run(helm, ['install', 'mailsync', CHART, '--dry-run=client', '--namespace', NAMESPACE, ...args]);
    expect(result.stderr).toBe('');
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };

  it('names the namespace in every kubectl command and uses no file of a checkout', () => {
    for (const args of [[], ['--set', 'rbac.scope=namespace']]) {
      const notes = notesOf(args);
      const commands = notes.split('\n').filter((line) => line.includes('kubectl '));
      expect(commands.length).toBeGreaterThanOrEqual(8);
      for (const line of commands) expect(line, line).toMatch(/kubectl -n \S+ /);
      expect(notes).not.toContain('examples/');
      expect(notes).not.toMatch(/ -f (?!-)/);
    }
    expect(notesOf()).toContain('kubectl -n <namespace> get ms -w');
    expect(notesOf(['--set', 'rbac.scope=namespace'])).toContain(`kubectl -n ${NAMESPACE} get ms -w`);
  });

  it('holds a MailSync the engine schema accepts, with its Secret created first', () => {
    const notes = notesOf();
    const manifest = /<<'EOF'\n([\s\S]*?)\n\s*EOF/.exec(notes)![1]!.replace(/^ {5}/gm, '');
    const mailsync = parseYaml(manifest) as K8sObject;
    expect(mailsync.kind).toBe(KIND);
    expect(mailsync.apiVersion).toBe(API_VERSION);
    expect([...Value.Errors(MailSyncSpec, mailsync.spec)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    for (const side of ['source', 'destination']) {
      const ref = mailsync.spec[side].passwordSecretRef;
      expect(notes).toContain(`create secret generic ${ref.name}`);
      expect(notes).toContain(`--from-literal=${ref.key}=`);
    }
  });

  it("points at the metrics Service, the release's job, the dashboard and the helm test", () => {
    const notes = notesOf();
    expect(notes).toContain('port-forward service/mailsync-mailsync-operator-metrics 8080');
    expect(notes).toContain('job "mailsync-mailsync-operator"');
    expect(notes).toContain(`helm test mailsync -n ${NAMESPACE} --logs`);
    expect(notes).toContain('ConfigMap mailsync-mailsync-operator-dashboard');
  });
});
