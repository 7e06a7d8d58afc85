/**
 * The Deployment's arguments are the controller's flag contract: each value set's rendered command
 * line is parsed by the controller's own parser (src/controller/main.ts) with the environment the pod
 * gets, and means what the values say.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseControllerArgs } from '../../src/controller/main.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_SECONDS } from '../../src/controller/shutdown-plan.js';
import { DEFAULT_LEASE } from '../../src/kube/leader-election.js';
import { oneOfKind, parseManifests } from './manifests.js';
import { LONG_RELEASE } from './render.js';
import { buildTool, helmTemplate } from './tools.js';

const NAMESPACE = 'mailsync-system';
let helm = '';
beforeAll(() => {
  helm = buildTool('helm');
}, 30 * 60_000);

/** The controller's configuration as the pod would start it with these values. */
function controllerConfig(args: string[], release = 'mailsync') {
  const rendered = helmTemplate(helm, args, NAMESPACE, release);
  expect(rendered.stderr).toBe('');
  const container = oneOfKind(parseManifests(rendered.stdout), 'Deployment').spec.template.spec.containers[0];
  const [command, ...flags] = container.args as string[];
  expect(command).toBe('controller');
  // the values and the Downward API values the Deployment sets
  const env = Object.fromEntries(
    (container.env as { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]).map((e) => [
      e.name,
      e.value ?? (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace' ? NAMESPACE : 'mailsync-pod-0'),
    ]),
  );
  const config = parseControllerArgs(flags, env);
  if (config === 'help') throw new Error('the chart asked the controller for --help');
  return config;
}

describe('the controller parses the chart arguments', () => {
  it('defaults: all namespaces, leader election on a per-release Lease in the release namespace', () => {
    expect(controllerConfig([])).toMatchObject({
      namespaces: [],
      concurrency: 4,
      maxLogFollows: 100,
      workerImage: 'mailsync-operator:0.1.0',
      workerHostNetwork: false,
      workerImagePullPolicy: 'IfNotPresent',
      metricsPort: 8080,
      leaderElect: true,
      leaseName: 'mailsync-mailsync-operator',
      leaseNamespace: NAMESPACE,
      release: `${NAMESPACE}/mailsync`,
      workerImagePullSecrets: [],
      logLevel: 'info',
      maxRunning: 0,
      maxRunningPerHost: 0,
      batchWindowSeconds: 5,
      kubeApiQps: 100,
      kubeApiBurst: 200,
    });
  });

  it('every value that becomes a flag', () => {
    expect(
      controllerConfig([
        '--set',
        'rbac.scope=namespace',
        '--set',
        'watchNamespaces={team-a,team-b}',
        '--set',
        'concurrency=9',
        '--set',
        'maxLogFollows=7',
        '--set',
        'workerImage=reg.example/worker:2',
        '--set',
        'image.pullPolicy=Never',
        '--set',
        'testMode=true',
        '--set',
        'workerHostNetwork=true',
        '--set',
        'metrics.port=9090',
        '--set',
        'logLevel=debug',
        '--set',
        'replicas=1',
        '--set',
        'leaderElection.enabled=false',
        '--set',
        'extraArgs={--resync-seconds=30}',
        '--set',
        'maxRunning=200',
        '--set',
        'maxRunningPerHost=50',
        '--set',
        'batchWindowSeconds=0',
        '--set',
        'kubeApi.qps=40',
        '--set',
        'kubeApi.burst=60',
      ]),
    ).toMatchObject({
      namespaces: ['team-a', 'team-b'],
      concurrency: 9,
      maxLogFollows: 7,
      workerImage: 'reg.example/worker:2',
      workerHostNetwork: true,
      workerImagePullPolicy: 'Never',
      metricsPort: 9090,
      leaderElect: false,
      logLevel: 'debug',
      resyncSeconds: 30,
      maxRunning: 200,
      maxRunningPerHost: 50,
      batchWindowSeconds: 0,
      kubeApiQps: 40,
      kubeApiBurst: 60,
    });
  });

  it('secretSelector: off by default, passed as --secret-selector when set', () => {
    expect(controllerConfig([]).secretSelector).toBeUndefined();
    const config = controllerConfig(['--set-string', 'secretSelector=mailsync.io/credentials=true']);
    expect(config.secretSelector?.text).toBe('mailsync.io/credentials=true');
  });

  it('maxWorkerResources: no maximum by default, passed as --max-worker-resources when set', () => {
    expect(controllerConfig([]).maxWorkerResources).toEqual({});
    const config = controllerConfig([
      '--set-json',
      'maxWorkerResources={"cpu":2,"memory":"4Gi","ephemeral-storage":"10Gi"}',
    ]);
    expect(Object.fromEntries(Object.entries(config.maxWorkerResources).map(([k, q]) => [k, q.text]))).toEqual({
      cpu: '2',
      'ephemeral-storage': '10Gi',
      memory: '4Gi',
    });
    // A large integer is printed as one (YAML numbers reach the template as floats).
    const big = controllerConfig(['--set-json', 'maxWorkerResources={"memory":8589934592}']);
    expect(big.maxWorkerResources.memory?.text).toBe('8589934592');
  });

  it('workerEgress: nothing by default (the built-in policy), passed as --egress-* when set', () => {
    expect(controllerConfig([]).egress).toEqual({ allowCidrs: [], denyCidrs: [], allowPorts: [] });
    const config = controllerConfig([
      '--set-json',
      'workerEgress={"allowCidrs":["203.0.113.0/24","2001:db8::/32"],"denyCidrs":["203.0.113.9"],"allowPorts":[993,143]}',
    ]);
    expect(config.egress).toEqual({
      allowCidrs: ['203.0.113.0/24', '2001:db8::/32'],
      denyCidrs: ['203.0.113.9'],
      allowPorts: [993, 143],
    });
  });

  it('imagePullSecrets reach the worker pods too', () => {
    const config = controllerConfig([
      '--set',
      'imagePullSecrets[0].name=regcred',
      '--set',
      'imagePullSecrets[1].name=mirror',
    ]);
    expect(config.workerImagePullSecrets).toEqual(['regcred', 'mirror']);
  });

  it('global.imagePullSecrets (objects or plain names) reach the worker pods, without duplicates', () => {
    const config = controllerConfig([
      '--set-json',
      'imagePullSecrets=[{"name":"regcred"}]',
      '--set-json',
      'global.imagePullSecrets=["shared-pull",{"name":"regcred"}]',
      '--set',
      'global.imageRegistry=mirror.example',
    ]);
    expect(config.workerImagePullSecrets).toEqual(['regcred', 'shared-pull']);
    expect(config.workerImage).toBe('mirror.example/mailsync-operator:0.1.0');
  });

  it('no release check without leader election (the claim lives on the Lease)', () => {
    const config = controllerConfig(['--set', 'replicas=1', '--set', 'leaderElection.enabled=false']);
    expect(config.release).toBeUndefined();
  });

  it('a 53-character release name: its release identity and its Lease (at most 63 characters)', () => {
    const config = controllerConfig([], LONG_RELEASE);
    expect(config.release).toBe(`${NAMESPACE}/${LONG_RELEASE}`);
    expect(config.leaseName.length).toBeLessThanOrEqual(63);
    expect(config.leaseName.startsWith(LONG_RELEASE)).toBe(true);
  });

  it('workerImagePullPolicy overrides the image pull policy for the workers only', () => {
    expect(controllerConfig(['--set', 'workerImagePullPolicy=Always']).workerImagePullPolicy).toBe('Always');
  });
});

describe('leader-election timings (--lease-duration-seconds, --renew-deadline-seconds, --retry-period-seconds)', () => {
  const parse = (flags: string[]) => parseControllerArgs(['--worker-image=w:1', ...flags], {});

  it('default to DEFAULT_LEASE, as the chart values do, and take the flags', () => {
    expect(parse([])).toMatchObject({ lease: DEFAULT_LEASE });
    expect(controllerConfig([])).toMatchObject({ lease: DEFAULT_LEASE });
    expect(
      parse(['--lease-duration-seconds=30', '--renew-deadline-seconds=20', '--retry-period-seconds=5']),
    ).toMatchObject({ lease: { leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 5 } });
  });

  it.each([
    [['--renew-deadline-seconds=15'], '--renew-deadline-seconds (15) must be less than --lease-duration-seconds (15)'],
    [['--retry-period-seconds=10'], '--retry-period-seconds (10) must be less than --renew-deadline-seconds (10)'],
    [['--lease-duration-seconds=0'], '--lease-duration-seconds must be an integer >= 1'],
  ])('refuses %j: %s', (flags, message) => {
    expect(() => parse(flags)).toThrow(message);
  });
});

describe('shutdown budget: the pod gives the controller the time its shutdown takes', () => {
  /** The pod's grace period, its preStop sleep and the controller's own budget, as rendered. */
  function shutdownTimes(args: string[]) {
    const rendered = helmTemplate(helm, args, NAMESPACE);
    expect(rendered.stderr).toBe('');
    const pod = oneOfKind(parseManifests(rendered.stdout), 'Deployment').spec.template.spec;
    const config = controllerConfig(args);
    return {
      grace: pod.terminationGracePeriodSeconds as number,
      preStopSleep: (pod.containers[0].lifecycle?.preStop?.sleep?.seconds as number | undefined) ?? 0,
      budget: config.shutdownTimeoutSeconds,
    };
  }

  it.each<[string, string[], { grace: number; preStopSleep: number; budget: number }]>([
    ['defaults: no preStop, the controller default budget', [], { grace: 30, preStopSleep: 0, budget: 20 }],
    [
      'a preStop sleep and a longer budget',
      [
        '--set',
        'shutdown.preStopSleepSeconds=5',
        '--set',
        'shutdown.timeoutSeconds=40',
        '--set',
        'terminationGracePeriodSeconds=50',
      ],
      { grace: 50, preStopSleep: 5, budget: 40 },
    ],
    [
      'the tightest grace period the chart accepts',
      ['--set', 'shutdown.timeoutSeconds=10', '--set', 'terminationGracePeriodSeconds=15'],
      { grace: 15, preStopSleep: 0, budget: 10 },
    ],
  ])('%s', (_name, args, expected) => {
    const times = shutdownTimes(args);
    expect(times).toEqual(expected);
    // TERM comes after the preStop sleep; the controller exits within its budget; KILL comes after the grace period
    expect(times.preStopSleep + times.budget).toBeLessThan(times.grace);
  });

  it('the chart default budget is the controller default', () => {
    expect(shutdownTimes([]).budget).toBe(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS);
  });

  it.each([
    [['--set', 'terminationGracePeriodSeconds=20'], 'terminationGracePeriodSeconds (20) must be at least', '(25)'],
    [
      ['--set', 'shutdown.preStopSleepSeconds=10', '--set', 'terminationGracePeriodSeconds=30'],
      'terminationGracePeriodSeconds (30) must be at least',
      '(35)',
    ],
  ])('refuses a grace period shorter than the shutdown: %j', (args, message, needed) => {
    const rendered = helmTemplate(helm, args, NAMESPACE);
    expect(rendered.status).not.toBe(0);
    expect(rendered.stderr).toContain(message);
    expect(rendered.stderr).toContain(needed);
  });
});
