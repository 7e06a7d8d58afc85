/**
 * The chart on a real cluster (issue 16): private registries and pull secrets, users' aggregated
 * roles, several releases side by side, names within 63 characters for the longest release name,
 * the admin knobs, a component label on every object, the `helm test` hook and the test-only values
 * kept out of values.yaml. Each variation is also linted and validated by kubeconform in
 * chart.test.ts; here the rendered objects are read for what the values promise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type K8sObject, ofKind, oneOfKind } from './manifests.js';
import { installed, LONG_RELEASE, NAMESPACE, renderChart, testHooks } from './render.js';
import { buildTool, CHART, CHART_CRDS, CI_VALUES, crdFiles, helmTemplate } from './tools.js';

let helm = '';
beforeAll(() => {
  helm = buildTool('helm');
}, 30 * 60_000);

const render = (args: string[] = [], release = 'mailsync') => renderChart(helm, args, { release });
const ALL_ON = [
  '--set',
  'serviceMonitor.enabled=true',
  '--set',
  'prometheusRule.enabled=true',
  '--set',
  'networkPolicy.enabled=true',
];
const deploymentOf = (objects: K8sObject[]) => oneOfKind(objects, 'Deployment');
const podOf = (objects: K8sObject[]) => deploymentOf(objects).spec.template.spec;
const argsOf = (objects: K8sObject[]): string[] => podOf(objects).containers[0].args;
const testPod = (objects: K8sObject[]) => oneOfKind(testHooks(objects), 'Pod');
const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const chartCrds = crdFiles(CHART_CRDS).map((f) => parseYaml(readFileSync(join(CHART_CRDS, f), 'utf8')) as K8sObject);
const crdNames = chartCrds.map((c) => c.metadata.name).sort();
/** group/version/plural of each CRD's stored version, as the helm test checks them */
const crdResources = chartCrds.map(
  (c) => `${c.spec.group}/${c.spec.versions.find((v: { storage: boolean }) => v.storage).name}/${c.spec.names.plural}`,
);

describe('names', () => {
  it('stay within 63 characters for a 53-character release name, the suffix kept', () => {
    const objects = render(ALL_ON, LONG_RELEASE);
    for (const o of objects.filter((x) => x.kind !== 'CustomResourceDefinition')) {
      expect(o.metadata.name.length, key(o)).toBeLessThanOrEqual(63);
      // a DNS-1035 label, as a Service needs (and every name here satisfies)
      expect(o.metadata.name, key(o)).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    }
    const service = oneOfKind(objects, 'Service');
    expect(service.metadata.name).toMatch(/^a-release-name-of-fifty-three-characters-for-t-[0-9a-f]{8}-metrics$/);
    expect(service.metadata.name).toHaveLength(63);
    for (const suffix of ['-manager', '-leader-election', '-view', '-edit', '-dashboard', '-test']) {
      expect(
        objects.some((o) => o.metadata.name.endsWith(suffix)),
        suffix,
      ).toBe(true);
    }
    expect(new Set(objects.map(key)).size).toBe(objects.length);
  });

  it('differ for two long release names with the same beginning', () => {
    const other = `${LONG_RELEASE.slice(0, 50)}-b2`;
    const a = installed(render([], LONG_RELEASE)).map(key);
    const b = new Set(installed(render(['--set', 'crds.enabled=false'], other)).map(key));
    expect(a.filter((k) => b.has(k))).toEqual([]);
  });

  it('keep short release names readable (no hash)', () => {
    const objects = render();
    expect(oneOfKind(objects, 'Service').metadata.name).toBe('mailsync-mailsync-operator-metrics');
    expect(deploymentOf(objects).metadata.name).toBe('mailsync-mailsync-operator');
  });
});

describe('two releases in one cluster', () => {
  // the second release leaves the CRDs to the first (crds.enabled=false), as the README says
  const first = () => render(ALL_ON, 'mail-a');
  const second = () => render([...ALL_ON, '--set', 'crds.enabled=false'], 'mail-b');

  it('share no object (same namespace), and only the first owns the CRDs', () => {
    const a = first();
    const b = second();
    const keysOfA = new Set(a.map(key));
    expect(b.map(key).filter((k) => keysOfA.has(k))).toEqual([]);
    expect(ofKind(a, 'CustomResourceDefinition').map((c) => c.metadata.name)).toEqual(crdNames);
    expect(ofKind(b, 'CustomResourceDefinition')).toEqual([]);
    // cluster-scoped objects too: ClusterRoles and bindings are named after the release
    const clusterScoped = (objects: K8sObject[]) => objects.filter((o) => !o.metadata.namespace).map(key);
    expect(clusterScoped(b).filter((k) => clusterScoped(a).includes(k))).toEqual([]);
  });

  it('elect their leaders on different Leases, select only their own pods and carry different job labels', () => {
    const [a, b] = [first(), second()];
    const lease = (objects: K8sObject[]) => argsOf(objects).find((x) => x.startsWith('--lease-name='));
    expect(lease(a)).toBe('--lease-name=mail-a-mailsync-operator');
    expect(lease(b)).toBe('--lease-name=mail-b-mailsync-operator');
    const selector = (objects: K8sObject[]) => deploymentOf(objects).spec.selector.matchLabels;
    expect(selector(a)['app.kubernetes.io/instance']).toBe('mail-a');
    expect(selector(b)['app.kubernetes.io/instance']).toBe('mail-b');
    const job = (objects: K8sObject[]) => oneOfKind(objects, 'Service').metadata.labels?.['mailsync.io/metrics-job'];
    expect(job(a)).toBe('mail-a-mailsync-operator');
    expect(job(b)).toBe('mail-b-mailsync-operator');
    const exprs = (objects: K8sObject[]) => JSON.stringify(oneOfKind(objects, 'PrometheusRule').spec);
    expect(exprs(a)).toContain('job=\\"mail-a-mailsync-operator\\"');
    expect(exprs(a)).not.toContain('mail-b');
    expect(exprs(b)).toContain('job=\\"mail-b-mailsync-operator\\"');
  });

  it('ship dashboards with different uids and titles, each preselecting its own job', () => {
    const dashboardOf = (objects: K8sObject[]) => {
      const configMap = ofKind(objects, 'ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1');
      return JSON.parse(configMap!.data['mailsync-operator.json']);
    };
    const [a, b] = [dashboardOf(first()), dashboardOf(second())];
    expect(a.uid).toMatch(/^mailsync-[0-9a-f]{12}$/);
    expect(b.uid).toMatch(/^mailsync-[0-9a-f]{12}$/);
    expect(a.uid).not.toBe(b.uid);
    expect(a.title).toBe(`MailSync operator (${NAMESPACE}/mail-a)`);
    expect(b.title).toBe(`MailSync operator (${NAMESPACE}/mail-b)`);
    const job = (d: { templating: { list: { name: string; current: unknown }[] } }) =>
      d.templating.list.find((v) => v.name === 'job')!.current;
    expect(job(a)).toEqual({ selected: true, text: ['mail-a-mailsync-operator'], value: ['mail-a-mailsync-operator'] });
    expect(job(b)).toEqual({ selected: true, text: ['mail-b-mailsync-operator'], value: ['mail-b-mailsync-operator'] });
  });
});

describe('images and pull secrets', () => {
  it('image.registry prefixes the repository for the controller, the workers and the helm test', () => {
    const objects = render(['--set', 'image.registry=registry.example.com:5000', '--set', 'image.tag=1.2.3']);
    const image = 'registry.example.com:5000/mailsync-operator:1.2.3';
    expect(podOf(objects).containers[0].image).toBe(image);
    expect(argsOf(objects)).toContain(`--worker-image=${image}`);
    expect(testPod(objects).spec.containers[0].image).toBe(image);
  });

  it('global.imageRegistry wins over image.registry, and works with a digest', () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    const objects = render([
      '--set',
      'image.registry=ignored.example',
      '--set',
      'global.imageRegistry=mirror.example/',
      '--set',
      `image.digest=${digest}`,
    ]);
    expect(podOf(objects).containers[0].image).toBe(`mirror.example/mailsync-operator@${digest}`);
    // an explicit workerImage is used as written
    const own = render(['--set', 'global.imageRegistry=mirror.example', '--set', 'workerImage=other.example/w:1']);
    expect(argsOf(own)).toContain('--worker-image=other.example/w:1');
  });

  it('imagePullSecrets and global.imagePullSecrets (objects or names) reach the controller and the test pod', () => {
    const objects = render([
      '--set-json',
      'imagePullSecrets=[{"name":"regcred"}]',
      '--set-json',
      'global.imagePullSecrets=["shared-pull",{"name":"regcred"}]',
    ]);
    expect(podOf(objects).imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'shared-pull' }]);
    expect(testPod(objects).spec.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'shared-pull' }]);
    expect(podOf(render()).imagePullSecrets).toBeUndefined();
  });
});

describe("users' aggregated ClusterRoles", () => {
  const roles = (objects: K8sObject[]) =>
    Object.fromEntries(
      ofKind(installed(objects), 'ClusterRole')
        .filter((r) => Object.keys(r.metadata.labels ?? {}).some((k) => k.includes('/aggregate-to-')))
        .map((r) => [r.metadata.name.replace('mailsync-mailsync-operator-', ''), r]),
    );
  const aggregatesTo = (role: K8sObject) =>
    Object.entries(role.metadata.labels ?? {})
      .filter(([k, v]) => k.startsWith('rbac.authorization.k8s.io/aggregate-to-') && v === 'true')
      .map(([k]) => k.replace('rbac.authorization.k8s.io/aggregate-to-', ''));

  it('view: read-only on MailSyncs and MailMigrations, aggregated into view, edit and admin', () => {
    const { view } = roles(installed(render()));
    expect(aggregatesTo(view!)).toEqual(['view', 'edit', 'admin']);
    expect(view!.rules).toEqual([
      {
        apiGroups: ['mailsync.io'],
        resources: ['mailsyncs', 'mailsyncs/status', 'mailmigrations', 'mailmigrations/status'],
        verbs: ['get', 'list', 'watch'],
      },
    ]);
  });

  it('edit: create, change and delete (not status), aggregated into edit and admin only', () => {
    const { edit } = roles(installed(render()));
    expect(aggregatesTo(edit!)).toEqual(['edit', 'admin']);
    expect(edit!.rules).toEqual([
      {
        apiGroups: ['mailsync.io'],
        resources: ['mailsyncs', 'mailmigrations'],
        verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'],
      },
    ]);
  });

  it('are left out with rbac.aggregateClusterRoles=false or rbac.create=false', () => {
    expect(Object.keys(roles(render()))).toEqual(['view', 'edit']);
    expect(roles(render(['--set', 'rbac.aggregateClusterRoles=false']))).toEqual({});
    expect(roles(render(['--set', 'rbac.create=false']))).toEqual({});
  });
});

describe('ServiceAccount', () => {
  it('serviceAccount.create=false without a name fails the render and says why', () => {
    const result = helmTemplate(helm, ['--set', 'serviceAccount.create=false'], NAMESPACE);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('serviceAccount.create=false needs serviceAccount.name');
    expect(result.stderr).toContain('never falls back to the namespace');
  });

  it('serviceAccount.create=false with a name: that account, bound by the RBAC, none created', () => {
    const objects = installed(render(['--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=ops']));
    expect(ofKind(objects, 'ServiceAccount')).toEqual([]);
    expect(podOf(objects).serviceAccountName).toBe('ops');
    for (const binding of [...ofKind(objects, 'ClusterRoleBinding'), ...ofKind(objects, 'RoleBinding')]) {
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ops', namespace: NAMESPACE }]);
    }
  });

  it('automountServiceAccountToken and labels', () => {
    const objects = installed(
      render([
        '--set',
        'serviceAccount.automountServiceAccountToken=false',
        '--set',
        'serviceAccount.labels.team=mail',
      ]),
    );
    const account = oneOfKind(objects, 'ServiceAccount');
    expect(account.automountServiceAccountToken).toBe(false);
    expect(account.metadata.labels?.team).toBe('mail');
    expect(podOf(objects).automountServiceAccountToken).toBe(false);
    expect(podOf(render()).automountServiceAccountToken).toBe(true);
  });
});

describe('admin knobs', () => {
  it('strategy, revisionHistoryLimit, extra volumes and mounts', () => {
    const objects = render([
      '--set',
      'strategy.type=Recreate',
      '--set',
      'revisionHistoryLimit=1',
      '--set-json',
      'extraVolumes=[{"name":"ca","configMap":{"name":"corp-ca"}}]',
      '--set-json',
      'extraVolumeMounts=[{"name":"ca","mountPath":"/etc/corp-ca","readOnly":true}]',
    ]);
    const deployment = deploymentOf(objects);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deployment.spec.revisionHistoryLimit).toBe(1);
    expect(podOf(objects).volumes).toContainEqual({ name: 'ca', configMap: { name: 'corp-ca' } });
    expect(podOf(objects).containers[0].volumeMounts).toContainEqual({
      name: 'ca',
      mountPath: '/etc/corp-ca',
      readOnly: true,
    });
    expect(deploymentOf(render()).spec.revisionHistoryLimit).toBe(5);
  });

  it('PodDisruptionBudget: minAvailable by default, maxUnavailable when set', () => {
    expect(oneOfKind(render(), 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
    const max = oneOfKind(render(['--set', 'podDisruptionBudget.maxUnavailable=50%']), 'PodDisruptionBudget').spec;
    expect(max.maxUnavailable).toBe('50%');
    expect(max.minAvailable).toBeUndefined();
    const min = render(['--set', 'podDisruptionBudget.minAvailable=2', '--set', 'replicas=3']);
    expect(oneOfKind(min, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
  });

  it('leader-election timings become the controller flags', () => {
    const args = argsOf(
      render([
        '--set',
        'leaderElection.leaseDurationSeconds=30',
        '--set',
        'leaderElection.renewDeadlineSeconds=20',
        '--set',
        'leaderElection.retryPeriodSeconds=4',
      ]),
    );
    expect(args).toEqual(
      expect.arrayContaining([
        '--lease-duration-seconds=30',
        '--renew-deadline-seconds=20',
        '--retry-period-seconds=4',
      ]),
    );
  });

  it('extraObjects are rendered as templates', () => {
    const objects = render([
      '--set-json',
      'extraObjects=[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{ .Release.Name }}-extra"},"data":{"a":"b"}}]',
    ]);
    expect(ofKind(objects, 'ConfigMap').find((c) => c.metadata.name === 'mailsync-extra')?.data).toEqual({ a: 'b' });
  });
});

describe('labels', () => {
  it('every object: a component, part-of mailsync-operator, the commonLabels', () => {
    const objects = render([
      ...ALL_ON,
      '--set',
      'commonLabels.team=mail',
      '--set-string',
      'commonLabels.cost-center=42',
    ]);
    const components = new Set<string>();
    for (const o of objects) {
      const labels = o.metadata.labels ?? {};
      expect(labels['app.kubernetes.io/part-of'], key(o)).toBe('mailsync-operator');
      expect(labels['app.kubernetes.io/component'], key(o)).toMatch(/^(controller|rbac|crd|monitoring|test)$/);
      expect(labels.team, key(o)).toBe('mail');
      expect(labels['cost-center'], key(o)).toBe('42');
      components.add(labels['app.kubernetes.io/component']!);
    }
    expect([...components].sort()).toEqual(['controller', 'crd', 'monitoring', 'rbac', 'test']);
    // the pods carry them too, the selector stays the stable subset
    const deployment = deploymentOf(objects);
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      team: 'mail',
      ...deployment.spec.selector.matchLabels,
    });
    expect(deployment.spec.selector.matchLabels.team).toBeUndefined();
  });
});

describe('helm test', () => {
  it('a Pod of the operator image checks the CRDs (API discovery) and the Deployment, reading nothing else', () => {
    const hooks = testHooks(render());
    const pod = oneOfKind(hooks, 'Pod');
    const container = pod.spec.containers[0];
    expect(container.image).toBe('mailsync-operator:0.1.0');
    expect(container.command).toEqual(['node', '-e']);
    expect(container.args[0]).toBe(readFileSync(join(CHART, 'files/helm-test.cjs'), 'utf8'));
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toEqual({ DEPLOYMENT: 'mailsync-mailsync-operator', NAMESPACE, RESOURCES: crdResources.join(',') });
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.serviceAccountName).toBe('mailsync-mailsync-operator-test');
    expect(pod.spec.hostNetwork).toBeUndefined();
    expect(oneOfKind(hooks, 'Role').rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        resourceNames: ['mailsync-mailsync-operator'],
        verbs: ['get'],
      },
    ]);
    // no cluster-wide grant: discovery is readable by every authenticated account
    expect(hooks.filter((h) => h.kind.startsWith('Cluster'))).toEqual([]);
    for (const o of hooks) expect(o.metadata.annotations?.['helm.sh/hook'], key(o)).toBe('test');
    // the RBAC goes when the test passed; the Pod stays for `helm test --logs` until the next run
    for (const o of hooks.filter((h) => h.kind !== 'Pod')) {
      expect(o.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded');
    }
    expect(pod.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe('before-hook-creation');
  });

  it('runs on the node network in the local test cluster, and is gone with helmTest.enabled=false', () => {
    expect(testPod(render(['-f', CI_VALUES])).spec.hostNetwork).toBe(true);
    expect(testHooks(render(['--set', 'helmTest.enabled=false']))).toEqual([]);
  });
});

describe('test-only values', () => {
  const values = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;

  it('host networking is not in values.yaml, and not rendered by default', () => {
    expect(values).not.toHaveProperty('hostNetwork');
    expect(values).not.toHaveProperty('workerHostNetwork');
    expect(values).not.toHaveProperty('testMode');
    const objects = render();
    expect(podOf(objects).hostNetwork).toBeUndefined();
    expect(argsOf(objects)).not.toContain('--worker-host-network');
  });

  it.each([['hostNetwork=true'], ['workerHostNetwork=true']])(
    '%s alone is refused: it needs testMode=true',
    (value) => {
      const result = helmTemplate(helm, ['--set', value]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(
        "hostNetwork and workerHostNetwork are for the repository's local test cluster only (pods on the node's network): they need testMode=true",
      );
    },
  );

  it('ci/local-cluster-values.yaml turns it on for the controller and the workers, in test mode', () => {
    const objects = render(['-f', CI_VALUES]);
    expect(podOf(objects).hostNetwork).toBe(true);
    expect(argsOf(objects)).toContain('--worker-host-network');
    // the controller refuses --worker-host-network without it
    expect(podOf(objects).containers[0].env).toContainEqual({ name: 'MAILSYNC_TEST_MODE', value: '1' });
    expect(podOf(render()).containers[0].env.map((e: { name: string }) => e.name)).not.toContain('MAILSYNC_TEST_MODE');
    expect(deploymentOf(objects).spec.replicas).toBe(1);
  });
});
