import { describe, expect, it } from 'vitest';
import { contentDigest } from '../../src/api/content-digest.js';
import { EXIT_CODES } from '../../src/api/exit-codes.js';
import { LABEL_PAIR, type MailSync } from '../../src/api/mailsync.js';
import {
  buildConfigMap,
  buildJob,
  DEFAULT_RESOURCES,
  nonRetriableExitCodes,
  type WorkerOptions,
} from '../../src/controller/job-builder.js';

const mailSync = (spec: Partial<MailSync['spec']> = {}): MailSync => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: { name: 'alice', namespace: 'mail', uid: '1111-2222', generation: 3 },
  spec: {
    source: { host: 'src', port: 993, user: 'alice', passwordSecretRef: { name: 'creds', key: 'src-pw' } },
    destination: {
      host: 'dst',
      user: 'alice',
      oauth2TokenSecretRef: { name: 'tokens', key: 'alice' },
      caSecretRef: { name: 'ca', key: 'ca.pem' },
    },
    ...spec,
  },
});
const worker: WorkerOptions = { image: 'mailsync-operator:dev', hostNetwork: false };
const input = (ms: MailSync, over: Partial<Parameters<typeof buildJob>[0]> = {}) => ({
  mailSync: ms,
  pairHash: 'abc123',
  jobName: 'mailsync-abc123',
  configMapName: 'mailsync-alice',
  hasState: false,
  worker,
  ...over,
});

describe('Job building', () => {
  it('hands the egress policy to the worker in MAILSYNC_EGRESS_* (only what is set)', () => {
    const envOf = (w: WorkerOptions) =>
      buildJob(input(mailSync(), { worker: w })).spec!.template.spec!.containers[0]!.env!.filter((e) =>
        e.name.startsWith('MAILSYNC_EGRESS_'),
      );
    expect(envOf(worker)).toEqual([]);
    expect(
      envOf({ ...worker, egress: { allowCidrs: [], denyCidrs: ['10.0.0.0/8', 'fd00::/8'], allowPorts: [993] } }),
    ).toEqual([
      { name: 'MAILSYNC_EGRESS_DENY_CIDRS', value: '10.0.0.0/8,fd00::/8' },
      { name: 'MAILSYNC_EGRESS_ALLOW_PORTS', value: '993' },
    ]);
  });

  it('fails the Job at once on EgressDenied (a new pod would be refused again)', () => {
    expect(nonRetriableExitCodes()).toEqual(
      expect.arrayContaining([EXIT_CODES.EgressDenied.source, EXIT_CODES.EgressDenied.destination]),
    );
  });

  it('runs `mailsync worker` once, owned by the MailSync, labelled with the pair', () => {
    const job = buildJob(input(mailSync()));
    expect(job.metadata?.name).toBe('mailsync-abc123');
    expect(job.metadata?.namespace).toBe('mail');
    expect(job.metadata?.labels?.[LABEL_PAIR]).toBe('abc123');
    expect(job.spec?.template.metadata?.labels?.[LABEL_PAIR]).toBe('abc123');
    expect(job.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'mailsync.io/v1alpha1',
        kind: 'MailSync',
        name: 'alice',
        uid: '1111-2222',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0]!.args).toEqual(['worker']);
    expect(pod.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
    expect(job.spec?.podReplacementPolicy).toBe('Failed');
    expect(job.metadata?.annotations?.['mailsync.io/run-generation']).toBe('3');
  });

  it('takes grace period, backoff limit, active deadline and TTL from the spec, with defaults', () => {
    const defaults = buildJob(input(mailSync()));
    expect(defaults.spec?.template.spec?.terminationGracePeriodSeconds).toBe(30);
    expect(defaults.spec?.backoffLimit).toBe(1);
    expect(defaults.spec?.activeDeadlineSeconds).toBe(604800);
    expect(buildJob(input(mailSync({ activeDeadlineSeconds: 3600 }))).spec?.activeDeadlineSeconds).toBe(3600);
    expect(defaults.spec).not.toHaveProperty('ttlSecondsAfterFinished');
    const custom = buildJob(input(mailSync({ gracePeriodSeconds: 5, backoffLimit: 0, ttlSecondsAfterFinished: 600 })));
    expect(custom.spec?.template.spec?.terminationGracePeriodSeconds).toBe(5);
    expect(custom.spec?.backoffLimit).toBe(0);
    expect(custom.spec?.ttlSecondsAfterFinished).toBe(600);
  });

  it('is locked down: no service account token, restricted security context', () => {
    const pod = buildJob(input(mailSync())).spec!.template.spec!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0]!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.volumes?.find((v) => v.name === 'tmp')?.emptyDir).toBeDefined();
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('uses the host network only when the controller is told to', () => {
    const pod = buildJob(input(mailSync(), { worker: { ...worker, hostNetwork: true } })).spec!.template.spec!;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
  });

  it.each([
    { secrets: undefined, expected: undefined },
    { secrets: [], expected: undefined },
    { secrets: ['regcred'], expected: [{ name: 'regcred' }] },
    { secrets: ['regcred', 'mirror.pull'], expected: [{ name: 'regcred' }, { name: 'mirror.pull' }] },
  ])('puts the configured image pull secrets $secrets on the worker pod', ({ secrets, expected }) => {
    const job = buildJob(input(mailSync(), { worker: { ...worker, imagePullSecrets: secrets } }));
    expect(job.spec!.template.spec!.imagePullSecrets).toEqual(expected);
    if (!expected) expect(job.spec!.template.spec!).not.toHaveProperty('imagePullSecrets');
  });

  it('mounts each side’s Secrets as files named password, oauth2-token and ca.crt, read-only', () => {
    const pod = buildJob(input(mailSync())).spec!.template.spec!;
    const source = pod.volumes?.find((v) => v.name === 'source-secrets');
    expect(source?.projected?.sources).toEqual([
      { secret: { name: 'creds', items: [{ key: 'src-pw', path: 'password' }] } },
    ]);
    const destination = pod.volumes?.find((v) => v.name === 'destination-secrets');
    expect(destination?.projected?.sources).toEqual([
      { secret: { name: 'tokens', items: [{ key: 'alice', path: 'oauth2-token' }] } },
      { secret: { name: 'ca', items: [{ key: 'ca.pem', path: 'ca.crt' }] } },
    ]);
    const mounts = pod.containers[0]!.volumeMounts!;
    expect(mounts).toContainEqual({
      name: 'source-secrets',
      mountPath: '/var/run/mailsync/secrets/source',
      readOnly: true,
    });
    expect(mounts).toContainEqual({
      name: 'destination-secrets',
      mountPath: '/var/run/mailsync/secrets/destination',
      readOnly: true,
    });
    // No secret value and no Secret key name ends up in the environment.
    expect(JSON.stringify(pod.containers[0]!.env)).not.toContain('src-pw');
  });

  it('passes the spec through the ConfigMap and the delta state only when there is one', () => {
    const without = buildJob(input(mailSync())).spec!.template.spec!;
    const env = (pod: typeof without) => Object.fromEntries(pod.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env(without).MAILSYNC_SPEC_FILE).toBe('/etc/mailsync/spec.json');
    // the digest of exactly the spec text the ConfigMap gets (the worker refuses another)
    const configMap = buildConfigMap({ mailSync: mailSync(), pairHash: 'p', configMapName: 'mailsync-alice' });
    expect(env(without).MAILSYNC_SPEC_DIGEST).toBe(contentDigest(configMap.data!['spec.json']!));
    expect(env(without).MAILSYNC_STATE_FILE).toBeUndefined();
    expect(without.volumes?.find((v) => v.name === 'spec')?.configMap?.name).toBe('mailsync-alice');
    const withState = buildJob(input(mailSync(), { hasState: true })).spec!.template.spec!;
    expect(env(withState).MAILSYNC_STATE_FILE).toBe('/var/run/mailsync/state/state.json');
    expect(withState.volumes?.find((v) => v.name === 'state')?.configMap?.items).toEqual([
      { key: 'state.json', path: 'state.json' },
    ]);
  });

  it('merges resources over the defaults', () => {
    const pod = buildJob(input(mailSync({ resources: { limits: { memory: '1Gi' }, requests: { cpu: '500m' } } }))).spec!
      .template.spec!;
    expect(pod.containers[0]!.resources).toEqual({
      requests: { cpu: '500m', memory: DEFAULT_RESOURCES.requests.memory },
      limits: { cpu: DEFAULT_RESOURCES.limits.cpu, memory: '1Gi' },
    });
  });

  // The API server refuses a container whose request is above its limit. A default must never cause that
  // (found by the fault matrix: `limits: {memory: 96Mi}` alone was a Job the API server rejected, 128Mi > 96Mi):
  // as Kubernetes does for a limit given alone, the default request comes down to the limit given, and the
  // default limit goes up to a request given alone. What the spec sets itself is kept as written.
  it.each([
    [
      'a limit under the default request',
      { limits: { memory: '96Mi' } },
      { cpu: '100m', memory: '96Mi' },
      { cpu: '1', memory: '96Mi' },
    ],
    [
      'a cpu limit under the default request',
      { limits: { cpu: '50m' } },
      { cpu: '50m', memory: '128Mi' },
      { cpu: '50m', memory: '512Mi' },
    ],
    [
      'a request over the default limit',
      { requests: { cpu: 2, memory: '1Gi' } },
      { cpu: '2', memory: '1Gi' },
      { cpu: '2', memory: '1Gi' },
    ],
    [
      'both given, kept as written',
      { requests: { memory: '64Mi' }, limits: { memory: '96Mi' } },
      { cpu: '100m', memory: '64Mi' },
      { cpu: '1', memory: '96Mi' },
    ],
    [
      'a limit over the default request',
      { limits: { memory: '256Mi' } },
      { cpu: '100m', memory: '128Mi' },
      { cpu: '1', memory: '256Mi' },
    ],
  ])('never builds a request above its limit: %s', (_, resources, requests, limits) => {
    const pod = buildJob(input(mailSync({ resources }))).spec!.template.spec!;
    expect(pod.containers[0]!.resources).toEqual({ requests, limits });
  });

  it('fails the Job at once on exit codes a retry cannot fix (no retry storm on a wrong password)', () => {
    const codes = nonRetriableExitCodes();
    for (const code of [
      EXIT_CODES.AuthenticationFailed.source,
      EXIT_CODES.AuthenticationFailed.destination,
      EXIT_CODES.TLSFailed.source,
      EXIT_CODES.InvalidConfiguration,
      EXIT_CODES.Aborted,
    ]) {
      expect(codes).toContain(code);
    }
    expect(codes).not.toContain(EXIT_CODES.ConnectFailed.source);
    expect(codes).not.toContain(0);
    expect(codes).not.toContain(EXIT_CODES.Interrupted);
    const rules = buildJob(input(mailSync())).spec!.podFailurePolicy!.rules;
    expect(rules[2]).toMatchObject({ action: 'FailJob', onExitCodes: { operator: 'In', values: codes } });
  });

  it('hands a busy or misbehaving server (ServerBusy, ServerMisbehaved) back to the controller at once: no pod retry holding the run slot', () => {
    const rules = buildJob(input(mailSync())).spec!.podFailurePolicy!.rules;
    expect(rules[3]).toEqual({
      action: 'FailJob',
      onExitCodes: {
        containerName: 'worker',
        operator: 'In',
        values: [
          EXIT_CODES.ServerBusy.source,
          EXIT_CODES.ServerBusy.destination,
          EXIT_CODES.ServerMisbehaved.source,
          EXIT_CODES.ServerMisbehaved.destination,
        ],
      },
    });
    expect(nonRetriableExitCodes()).not.toContain(EXIT_CODES.ServerBusy.source);
    expect(nonRetriableExitCodes()).not.toContain(EXIT_CODES.ServerMisbehaved.source);
  });

  it('ignores interruptions (disrupted pod, worker stopped by SIGTERM) before anything else: a new pod continues', () => {
    const spec = buildJob(input(mailSync())).spec!;
    expect(spec.podReplacementPolicy).toBe('Failed');
    expect(spec.podFailurePolicy!.rules.slice(0, 2)).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'Ignore', onExitCodes: { containerName: 'worker', operator: 'In', values: [EXIT_CODES.Interrupted] } },
    ]);
  });

  it('builds the ConfigMap with the spec and, when given, the state', () => {
    const ms = mailSync();
    const cm = buildConfigMap({ mailSync: ms, pairHash: 'abc', configMapName: 'mailsync-alice', stateJson: '{"a":1}' });
    expect(JSON.parse(cm.data!['spec.json']!)).toEqual(ms.spec);
    expect(cm.data!['state.json']).toBe('{"a":1}');
    expect(cm.metadata?.ownerReferences?.[0]?.uid).toBe('1111-2222');
    expect(buildConfigMap({ mailSync: ms, pairHash: 'abc', configMapName: 'x' }).data).not.toHaveProperty('state.json');
  });

  it('is deterministic', () => {
    expect(buildJob(input(mailSync()))).toEqual(buildJob(input(mailSync())));
  });
});
