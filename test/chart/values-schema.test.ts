/**
 * values.schema.json: bad values are refused by `helm template`/`helm install`/`helm lint` with a
 * message that names the key and says what is wrong.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTool, CHART, helmTemplate, run } from './tools.js';

const BUILD_TIMEOUT = 30 * 60_000;
let helm = '';
beforeAll(() => {
  helm = buildTool('helm');
}, BUILD_TIMEOUT);

/** [value arguments, what the error must say] */
const BAD_VALUES: [string[], string[]][] = [
  [
    ['--set', 'replicas=-1'],
    ["at '/replicas'", 'minimum: got -1, want 0'],
  ],
  [
    ['--set-string', 'replicas=two'],
    ["at '/replicas'", 'got string, want integer'],
  ],
  [['--set', 'replica=3'], ["additional properties 'replica' not allowed"]],
  [
    ['--set', 'rbac.scope=everywhere'],
    ["at '/rbac/scope'", "value must be one of 'cluster', 'namespace'"],
  ],
  [
    ['--set', 'image.pullPolicy=Sometimes'],
    ["at '/image/pullPolicy'", "'Always', 'IfNotPresent', 'Never'"],
  ],
  [
    ['--set', 'image.repository='],
    ["at '/image/repository'", 'minLength'],
  ],
  [
    ['--set', 'image.digest=latest'],
    ["at '/image/digest'", 'does not match pattern'],
  ],
  [
    ['--set', 'serviceMonitor.enabled=maybe'],
    ["at '/serviceMonitor/enabled'", "value must be one of 'auto', true, false"],
  ],
  [
    ['--set', 'serviceMonitor.interval=30 seconds'],
    ["at '/serviceMonitor/interval'", 'does not match pattern'],
  ],
  [
    ['--set', 'metrics.port=70000'],
    ["at '/metrics/port'", 'maximum'],
  ],
  [
    ['--set', 'concurrency=0'],
    ["at '/concurrency'", 'minimum: got 0, want 1'],
  ],
  [
    ['--set', 'maxRunningPerHost=-1'],
    ["at '/maxRunningPerHost'", 'minimum: got -1, want 0'],
  ],
  [
    ['--set', 'watchNamespaces={Team_A}'],
    ["at '/watchNamespaces/0'", 'does not match pattern'],
  ],
  [
    ['--set', 'workerHostNetwork=yes'],
    ["at '/workerHostNetwork'", 'got string, want boolean'],
  ],
  [
    ['--set', 'crds.keep=sometimes'],
    ["at '/crds/keep'", 'got string, want boolean'],
  ],
  [['--set', 'resources.limits.memory=lots'], ["at '/resources/limits/memory'"]],
  [
    ['--set', 'extraArgs={verbose}'],
    ["at '/extraArgs/0'", 'does not match pattern'],
  ],
  [['--set', 'networkPolicy.egress.apiServerCIDRs={everywhere}'], ["at '/networkPolicy/egress/apiServerCIDRs/0'"]],
  [
    ['--set', 'terminationGracePeriodSeconds=-5'],
    ["at '/terminationGracePeriodSeconds'", 'minimum'],
  ],
  // the values of issue 16
  [
    ['--set', 'image.registry=reg example'],
    ["at '/image/registry'", 'does not match pattern'],
  ],
  [['--set-json', 'imagePullSecrets=[{"nam":"x"}]'], ["at '/imagePullSecrets/0'"]],
  [['--set-json', 'global.imagePullSecrets=["Not_A_Name"]'], ["at '/global/imagePullSecrets/0'"]],
  [
    ['--set', 'rbac.aggregateClusterRoles=yes'],
    ["at '/rbac/aggregateClusterRoles'", 'got string, want boolean'],
  ],
  [
    ['--set', 'metrics.job=a/b'],
    ["at '/metrics/job'", 'does not match pattern'],
  ],
  [['--set', 'serviceAccount.name=Ops_Account'], ["at '/serviceAccount/name'"]],
  [
    ['--set', 'serviceAccount.automountServiceAccountToken=no'],
    ["at '/serviceAccount/automountServiceAccountToken'", 'got string, want boolean'],
  ],
  [['--set', 'podDisruptionBudget.maxUnavailable=half'], ["at '/podDisruptionBudget/maxUnavailable'"]],
  [
    ['--set', 'strategy.type=BlueGreen'],
    ["at '/strategy/type'", "'RollingUpdate', 'Recreate'"],
  ],
  [
    ['--set', 'revisionHistoryLimit=-1'],
    ["at '/revisionHistoryLimit'", 'minimum'],
  ],
  [
    ['--set-json', 'extraVolumeMounts=[{"name":"ca"}]'],
    ["at '/extraVolumeMounts/0'", 'mountPath'],
  ],
  [
    ['--set', 'leaderElection.retryPeriodSeconds=0'],
    ["at '/leaderElection/retryPeriodSeconds'", 'minimum: got 0, want 1'],
  ],
  [
    ['--set', 'commonLabels.tier=1'],
    ["at '/commonLabels/tier'", 'got number, want string'],
  ],
  [
    ['--set', 'helmTest.enabled=sometimes'],
    ["at '/helmTest/enabled'", 'got string, want boolean'],
  ],
  [['--set', 'extraObjects[0].kind=ConfigMap'], ["at '/extraObjects/0'"]],
];

describe('values.schema.json', () => {
  it.each(BAD_VALUES)('helm template %j fails and says %j', (args, messages) => {
    const result = helmTemplate(helm, args);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    for (const message of messages) expect(result.stderr).toContain(message);
  });

  it('makes helm lint --strict fail too', () => {
    const result = run(helm, ['lint', '--strict', CHART, '--set', 'replicas=-1']);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('minimum: got -1, want 0');
  });

  it('accepts the documented forms', () => {
    for (const args of [
      ['--set', 'serviceMonitor.enabled=auto'],
      ['--set', 'serviceMonitor.enabled=false'],
      ['--set', 'resources.limits.cpu=1'],
      ['--set', 'resources.requests.cpu=250m'],
      ['--set', 'replicas=0'],
      ['--set', 'rbac.scope=namespace', '--set', 'watchNamespaces={a,b-2}'],
      ['--set', 'global.imageRegistry=x'],
      ['--set', 'global.imageRegistry=registry.example.com:5000/team'],
      ['--set', 'podDisruptionBudget.maxUnavailable=1'],
      ['--set', 'podDisruptionBudget.minAvailable=50%'],
      ['--set', 'strategy.type=RollingUpdate', '--set', 'strategy.rollingUpdate.maxSurge=25%'],
      ['--set', 'global.someOtherChartValue=1'],
    ]) {
      const result = helmTemplate(helm, args);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
  });
});
