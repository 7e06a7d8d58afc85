/** The controller's command line: worker image pull secrets and the release claim flags. */
import { describe, expect, it } from 'vitest';
import { type ControllerConfig, parseControllerArgs } from '../../src/controller/main.js';

const BASE = ['--worker-image=reg.example/mailsync:1'];
const parse = (args: string[], env: Record<string, string> = {}) =>
  parseControllerArgs([...BASE, ...args], env) as ControllerConfig;

describe('--worker-image-pull-secrets', () => {
  it.each<[string, string[], Record<string, string>, string[]]>([
    ['none by default', [], {}, []],
    ['one', ['--worker-image-pull-secrets=regcred'], {}, ['regcred']],
    [
      'a list, spaces and empty entries ignored, duplicates dropped',
      ['--worker-image-pull-secrets= a, b.c,,a '],
      {},
      ['a', 'b.c'],
    ],
    ['from the environment', [], { MAILSYNC_WORKER_IMAGE_PULL_SECRETS: 'x,y' }, ['x', 'y']],
    [
      'the flag wins over the environment',
      ['--worker-image-pull-secrets=x'],
      { MAILSYNC_WORKER_IMAGE_PULL_SECRETS: 'y' },
      ['x'],
    ],
  ])('%s', (_case, args, env, expected) => {
    expect(parse(args, env).workerImagePullSecrets).toEqual(expected);
  });

  it.each([
    ['Regcred', "'Regcred' is not a valid name"],
    ['ok,-bad,also_bad', "'-bad', 'also_bad' are not valid names"],
    ['bad.', "'bad.' is not a valid name"],
    [`${'a'.repeat(254)}`, 'is not a valid name'],
  ])('refuses %s with the bad names and the rule', (value, message) => {
    expect(() => parse([`--worker-image-pull-secrets=${value}`])).toThrow(message);
    expect(() => parse([`--worker-image-pull-secrets=${value}`])).toThrow(
      /^--worker-image-pull-secrets: .*\(lowercase letters, digits, "-" and "\."/,
    );
  });
});

describe('--release', () => {
  it('is off by default (no check against other releases); stale time 120 s', () => {
    const config = parse([]);
    expect(config.release).toBeUndefined();
    expect(config.claimStaleSeconds).toBe(120);
  });

  it('takes <namespace>/<release name> with leader election, and a stale time', () => {
    const config = parse(['--leader-elect', '--release=mailsync/ms-prod', '--claim-stale-seconds=30']);
    expect(config.release).toBe('mailsync/ms-prod');
    expect(config.claimStaleSeconds).toBe(30);
    expect(parse([], { MAILSYNC_RELEASE: 'a/b', MAILSYNC_LEADER_ELECT: 'true' }).release).toBe('a/b');
  });

  it.each(['ms', 'a/b/c', '/ms', 'ns/', 'Team/ms', 'ns/ms prod'])('refuses %j', (value) => {
    expect(() => parse(['--leader-elect', `--release=${value}`])).toThrow(
      `--release must be <namespace>/<release name>, e.g. mailsync/mailsync, got '${value}'`,
    );
  });

  it('needs leader election: the claim is kept alive by the leader renewing the Lease', () => {
    expect(() => parse(['--release=mailsync/ms'])).toThrow('--release needs --leader-elect');
  });

  it('refuses a stale time that is not a positive integer', () => {
    expect(() => parse(['--claim-stale-seconds=0'])).toThrow('--claim-stale-seconds must be an integer >= 1');
  });
});

describe('--secret-selector', () => {
  it.each<[string, string[], Record<string, string>, string | undefined]>([
    ['off by default: any Secret of the namespace', [], {}, undefined],
    ['from the flag', ['--secret-selector=mailsync.io/credentials=true'], {}, 'mailsync.io/credentials=true'],
    ['from the environment', [], { MAILSYNC_SECRET_SELECTOR: 'team=mail' }, 'team=mail'],
    ['the flag over the environment', ['--secret-selector=a=1'], { MAILSYNC_SECRET_SELECTOR: 'b=2' }, 'a=1'],
    ['empty: off', [], { MAILSYNC_SECRET_SELECTOR: ' ' }, undefined],
  ])('%s', (_what, args, env, text) => {
    expect(parse(args, env).secretSelector?.text).toBe(text);
  });

  it('refuses a selector it cannot match (set-based) at start', () => {
    expect(() => parse(['--secret-selector=env in (a)'])).toThrow(/label selector "env in \(a\)"/);
  });
});

describe('--worker-host-network (test-only)', () => {
  it.each<[string, string[], Record<string, string>]>([
    ['the flag', ['--worker-host-network'], {}],
    ['the environment', [], { MAILSYNC_WORKER_HOST_NETWORK: 'true' }],
    ['the flag, with a test mode other than 1', ['--worker-host-network'], { MAILSYNC_TEST_MODE: 'true' }],
  ])('is refused outside test mode: %s', (_what, args, env) => {
    expect(() => parse(args, env)).toThrow(
      "--worker-host-network (MAILSYNC_WORKER_HOST_NETWORK) is for the repository's local test cluster only (pods on the node's network); it is refused unless MAILSYNC_TEST_MODE=1 is set",
    );
  });

  it('is accepted with MAILSYNC_TEST_MODE=1; off, test mode changes nothing', () => {
    expect(parse(['--worker-host-network'], { MAILSYNC_TEST_MODE: '1' }).workerHostNetwork).toBe(true);
    expect(parse([], { MAILSYNC_WORKER_HOST_NETWORK: 'true', MAILSYNC_TEST_MODE: '1' }).workerHostNetwork).toBe(true);
    expect(parse([]).workerHostNetwork).toBe(false);
    expect(parse([], { MAILSYNC_TEST_MODE: '1' }).workerHostNetwork).toBe(false);
  });
});

describe('--max-worker-resources', () => {
  const texts = (config: ControllerConfig) =>
    Object.fromEntries(Object.entries(config.maxWorkerResources).map(([name, q]) => [name, q.text]));
  it.each<[string, string[], Record<string, string>, Record<string, string>]>([
    ['no maximum by default', [], {}, {}],
    ['from the flag', ['--max-worker-resources=cpu=2,memory=4Gi'], {}, { cpu: '2', memory: '4Gi' }],
    [
      'from the environment',
      [],
      { MAILSYNC_MAX_WORKER_RESOURCES: 'ephemeral-storage=10Gi' },
      { 'ephemeral-storage': '10Gi' },
    ],
    [
      'the flag over the environment',
      ['--max-worker-resources=cpu=4'],
      { MAILSYNC_MAX_WORKER_RESOURCES: 'cpu=8' },
      { cpu: '4' },
    ],
  ])('%s', (_what, args, env, expected) => {
    expect(texts(parse(args, env))).toEqual(expected);
  });

  it('refuses a name it does not limit or a bad quantity at start', () => {
    expect(() => parse(['--max-worker-resources=nvidia.com/gpu=1'])).toThrow(/unknown resource 'nvidia.com\/gpu'/);
    expect(() => parse(['--max-worker-resources=memory=4GB'])).toThrow(/memory: "4GB" is not a quantity/);
  });
});

describe('--egress-*', () => {
  it('none by default: the worker keeps its built-in policy', () => {
    expect(parse([]).egress).toEqual({ allowCidrs: [], denyCidrs: [], allowPorts: [] });
  });

  it.each<[string, string[], Record<string, string>, object]>([
    [
      'from the flags',
      [
        '--egress-allow-cidrs=10.0.0.0/8, 2001:db8::/32',
        '--egress-deny-cidrs=10.9.0.0/16',
        '--egress-allow-ports=993,143',
      ],
      {},
      { allowCidrs: ['10.0.0.0/8', '2001:db8::/32'], denyCidrs: ['10.9.0.0/16'], allowPorts: [993, 143] },
    ],
    [
      'from the environment',
      [],
      { MAILSYNC_EGRESS_DENY_CIDRS: '192.0.2.0/24', MAILSYNC_EGRESS_ALLOW_PORTS: '993' },
      { allowCidrs: [], denyCidrs: ['192.0.2.0/24'], allowPorts: [993] },
    ],
    [
      'the flag over the environment',
      ['--egress-deny-cidrs=192.0.2.1'],
      { MAILSYNC_EGRESS_DENY_CIDRS: '192.0.2.0/24' },
      { allowCidrs: [], denyCidrs: ['192.0.2.1'], allowPorts: [] },
    ],
  ])('%s', (_case, args, env, expected) => {
    expect(parse(args, env).egress).toEqual(expected);
  });

  it.each([
    ['--egress-deny-cidrs=mail.example.com', "--egress-deny-cidrs: 'mail.example.com' is not an IP address or CIDR"],
    ['--egress-allow-cidrs=10.0.0.0/40', "--egress-allow-cidrs: '10.0.0.0/40' has a prefix length that is not 0-32"],
    ['--egress-allow-ports=993,imaps', "--egress-allow-ports: 'imaps' is not a port (1-65535)"],
  ])('refuses %s, naming the flag', (flag, message) => {
    expect(() => parse([flag])).toThrow(message);
  });
});

describe('--shutdown-timeout-seconds', () => {
  it.each<[string, string[], Record<string, string>, number]>([
    ['20 s by default', [], {}, 20],
    ['from the flag', ['--shutdown-timeout-seconds=45'], {}, 45],
    ['from the environment', [], { MAILSYNC_SHUTDOWN_TIMEOUT_SECONDS: '7' }, 7],
  ])('%s', (_case, args, env, expected) => {
    expect(parse(args, env).shutdownTimeoutSeconds).toBe(expected);
  });

  it.each(['0', '-1', '2.5', 'soon'])('refuses %j', (value) => {
    expect(() => parse([`--shutdown-timeout-seconds=${value}`])).toThrow(
      '--shutdown-timeout-seconds must be an integer >= 1',
    );
  });
});

describe('--batch-window-seconds', () => {
  it.each<[string, string[], Record<string, string>, number]>([
    ['5 s by default', [], {}, 5],
    ['from the flag', ['--batch-window-seconds=12'], {}, 12],
    ['0: each packed pod starts at once', ['--batch-window-seconds=0'], {}, 0],
    ['from the environment', [], { MAILSYNC_BATCH_WINDOW_SECONDS: '2' }, 2],
    ['the flag wins over the environment', ['--batch-window-seconds=3'], { MAILSYNC_BATCH_WINDOW_SECONDS: '2' }, 3],
  ])('%s', (_case, args, env, expected) => {
    expect(parse(args, env).batchWindowSeconds).toBe(expected);
  });

  it.each(['-1', '2.5', 'soon'])('refuses %j', (value) => {
    expect(() => parse([`--batch-window-seconds=${value}`])).toThrow('--batch-window-seconds must be an integer >= 0');
  });

  it('refuses a window over an hour (the chart schema allows no more)', () => {
    expect(parse(['--batch-window-seconds=3600']).batchWindowSeconds).toBe(3600);
    expect(() => parse(['--batch-window-seconds=3601'])).toThrow(
      "--batch-window-seconds must be at most 3600, got '3601'",
    );
  });
});
