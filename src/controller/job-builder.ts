/**
 * Builds the worker Job of a MailSync run and the ConfigMap it reads. Pure:
 * the same inputs give the same objects (no clock, no API calls).
 *
 * Pod layout (the contract with `mailsync worker`, src/worker/):
 *   args                       ["worker"] (the image entrypoint is the CLI)
 *   /etc/mailsync/spec.json    the MailSync spec (ConfigMap key spec.json)     env MAILSYNC_SPEC_FILE
 *   /var/run/mailsync/state/state.json  delta state of the last run, if any   env MAILSYNC_STATE_FILE
 *   /var/run/mailsync/secrets/{source,destination}/{password,oauth2-token,ca.crt}  Secrets, read-only
 *   /tmp                       emptyDir (the root filesystem is read-only)
 */
import type {
  V1ConfigMap,
  V1EnvVar,
  V1Job,
  V1OwnerReference,
  V1PodFailurePolicyRule,
  V1PodSpec,
  V1Volume,
  V1VolumeMount,
  V1VolumeProjection,
} from '@kubernetes/client-node';
import { contentDigest, SPEC_DIGEST_ENV, STATE_DIGEST_ENV } from '../api/content-digest.js';
import { type EgressSettings, egressEnv } from '../api/egress-policy.js';
import { EXIT_CODES } from '../api/exit-codes.js';
import {
  ANNOTATION_DESTINATION_HOST,
  ANNOTATION_RUN_GENERATION,
  ANNOTATION_RUN_TRIGGER,
  ANNOTATION_SOURCE_HOST,
  API_VERSION,
  KIND,
  LABEL_MAILSYNC,
  LABEL_MAILSYNC_UID,
  LABEL_MIGRATION,
  LABEL_PAIR,
  type MailSync,
  WORKER_CONTAINER,
} from '../api/mailsync.js';
import { NOT_RETRIED } from '../api/retry-policy.js';
import { SECRET_REF_FIELDS, SECRETS_DIR } from '../api/secret-refs.js';
import type { Endpoint, Side } from '../api/spec.js';
import { KUBE_DEFAULTS } from '../api/spec-defaults.js';
import { compareQuantities, parseQuantity } from '../kube/quantity.js';
import { hostKey } from './admission/hosts.js';

export const SPEC_DIR = '/etc/mailsync';
export const SPEC_KEY = 'spec.json';
export const STATE_DIR = '/var/run/mailsync/state';
export const STATE_KEY = 'state.json';
/** The image's numeric user (Dockerfile USER 10001:10001). */
export const WORKER_UID = 10001;

export const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1', memory: '512Mi' },
} as const;

export interface WorkerOptions {
  image: string;
  /** Pods share the node's network (the local test cluster reaches Dovecot on 127.0.0.1 this way). */
  hostNetwork: boolean;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Secrets (in the MailSync's namespace) the kubelet uses to pull the worker image from a private registry. */
  imagePullSecrets?: readonly string[];
  /** Where the worker may connect (the controller's --egress-* flags); unset: the worker's default policy. */
  egress?: EgressSettings;
}

export interface JobInput {
  mailSync: MailSync;
  pairHash: string;
  jobName: string;
  configMapName: string;
  /** The ConfigMap holds a delta state from an earlier run: mount it. */
  hasState: boolean;
  /** The digest the mounted state must have (the worker ignores a state that does not match it). */
  contentDigest?: string;
  worker: WorkerOptions;
  /** Why this run starts (generation, requested, retry, schedule): an annotation for people and tests. */
  trigger?: string;
}

/**
 * Exit codes after which a retry cannot help (bad password, TLS, config, a full
 * destination), or must not happen (byte cap; Aborted is the CLI's code, kept
 * for a worker of an older image): the exit codes of the reasons the
 * controller never retries (api/retry-policy.ts).
 */
export function nonRetriableExitCodes(): number[] {
  const codes = new Set<number>();
  for (const reason of NOT_RETRIED.keys()) {
    const value = EXIT_CODES[reason as keyof typeof EXIT_CODES];
    if (typeof value === 'number') codes.add(value);
    else if (value) {
      codes.add(value.source);
      codes.add(value.destination);
    }
  }
  return [...codes].sort((a, b) => a - b);
}

/** A container killed by SIGKILL (128 + 9). */
const EXIT_KILLED = 137;

/**
 * Exit codes the Job hands back to the controller at once instead of retrying
 * the pod itself: the server said it is too busy (ServerBusy), or broke the
 * protocol or a bound (ServerMisbehaved). A new pod at
 * once would knock again while the run keeps its run slot; the controller's
 * retry (spec.retry) frees the slot, waits with jitter, and a MailMigration
 * with concurrency: auto lowers its limit for that host right away.
 */
export function handedBackExitCodes(): number[] {
  return [
    EXIT_CODES.ServerBusy.source,
    EXIT_CODES.ServerBusy.destination,
    // A misbehaving server would misbehave again at once: the controller's retry waits with backoff and jitter.
    EXIT_CODES.ServerMisbehaved.source,
    EXIT_CODES.ServerMisbehaved.destination,
  ];
}

/**
 * How the Job treats a failed worker pod (first matching rule wins):
 * - Ignore (a new pod, not counted against backoffLimit) when the pod was
 *   disrupted (DisruptionTarget: evicted, drained, preempted, its node lost)
 *   or the worker stopped on a SIGTERM (exit Interrupted: e.g. `kubectl
 *   delete pod`). Such a run is interrupted, not failed: the new pod
 *   continues from what the destination already has. When the controller
 *   itself aborts, it suspends the Job first, so no new pod comes.
 * - FailJob at once when a retry cannot help (credentials, TLS, config),
 *   when the server is busy (the controller retries, see above), and on a
 *   SIGKILL (137): out of memory, or the end of a grace period.
 * - Anything else counts against backoffLimit (the Job's default).
 * interruption.ts reads pods with these same rules.
 */
export function podFailureRules(): V1PodFailurePolicyRule[] {
  return [
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    {
      action: 'Ignore',
      onExitCodes: { containerName: WORKER_CONTAINER, operator: 'In', values: [EXIT_CODES.Interrupted] },
    },
    {
      action: 'FailJob',
      onExitCodes: { containerName: WORKER_CONTAINER, operator: 'In', values: nonRetriableExitCodes() },
    },
    {
      action: 'FailJob',
      onExitCodes: { containerName: WORKER_CONTAINER, operator: 'In', values: handedBackExitCodes() },
    },
    // SIGKILL (137) that is not a disruption: the kubelet's OOM kill, where a new pod with the same limit is
    // killed again (the run ends OutOfMemory, not retried until the limit changes), or a worker that did not
    // stop within the grace period of a `kubectl delete pod` (the run ends Killed, which spec.retry retries).
    { action: 'FailJob', onExitCodes: { containerName: WORKER_CONTAINER, operator: 'In', values: [EXIT_KILLED] } },
  ];
}

export function ownerReference(mailSync: MailSync): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: mailSync.metadata.name!,
    uid: mailSync.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Labels shared by the Job, its pods and the ConfigMap. Label values are limited to 63 characters. */
export function runLabels(mailSync: MailSync, pairHash: string): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': 'mailsync-worker',
    'app.kubernetes.io/managed-by': 'mailsync-operator',
    [LABEL_PAIR]: pairHash,
    [LABEL_MAILSYNC_UID]: mailSync.metadata.uid!,
  };
  const name = mailSync.metadata.name!;
  if (name.length <= 63) labels[LABEL_MAILSYNC] = name;
  const migration = mailSync.metadata.labels?.[LABEL_MIGRATION];
  if (migration) labels[LABEL_MIGRATION] = migration;
  return labels;
}

/** The hosts a run connects to, on the Job and its pods: the per-host caps count running syncs by them. */
export function hostAnnotations(mailSync: MailSync): Record<string, string> {
  return {
    [ANNOTATION_SOURCE_HOST]: hostKey(mailSync.spec.source.host),
    [ANNOTATION_DESTINATION_HOST]: hostKey(mailSync.spec.destination.host),
  };
}

/** Each Secret key the endpoint names, projected as the file the worker expects (src/api/secret-refs.ts). */
function secretsVolume(side: Side, endpoint: Endpoint): V1Volume | undefined {
  const sources: V1VolumeProjection[] = SECRET_REF_FIELDS.flatMap((field) => {
    const ref = endpoint[field.ref];
    return ref ? [{ secret: { name: ref.name, items: [{ key: ref.key, path: field.file }] } }] : [];
  });
  if (sources.length === 0) return undefined;
  // 0440 + fsGroup: readable by the worker's group only.
  return { name: `${side}-secrets`, projected: { defaultMode: 0o440, sources } };
}

const quantities = (list: Record<string, string | number> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(list ?? {}).map(([name, value]) => [name, String(value)]));

/** request > limit; a quantity that does not parse is left for the API server to refuse with its own message. */
function exceeds(request: string, limit: string): boolean {
  try {
    return compareQuantities(parseQuantity(request), parseQuantity(limit)) > 0;
  } catch {
    return false;
  }
}

/**
 * Defaults, overridden per resource by the spec. A default never puts a request above its limit (the API
 * server refuses such a pod): as Kubernetes does for a limit given alone, the default request comes down to
 * a smaller limit the spec gives, and the default limit goes up to a larger request the spec gives.
 */
function mergeResources(spec: MailSync['spec']['resources']) {
  const givenRequests = quantities(spec?.requests);
  const givenLimits = quantities(spec?.limits);
  const requests: Record<string, string> = { ...DEFAULT_RESOURCES.requests, ...givenRequests };
  const limits: Record<string, string> = { ...DEFAULT_RESOURCES.limits, ...givenLimits };
  for (const name of Object.keys(requests)) {
    const request = requests[name]!;
    const limit = limits[name];
    if (limit === undefined || !exceeds(request, limit)) continue;
    if (!(name in givenRequests)) requests[name] = limit;
    else if (!(name in givenLimits)) limits[name] = request;
  }
  return { requests, limits };
}

/** The spec as the worker reads it: the MailSync spec unchanged (Secret refs map to the mounted files). */
export function workerSpecJson(mailSync: MailSync): string {
  return `${JSON.stringify(mailSync.spec, null, 2)}\n`;
}

export function buildConfigMap(input: {
  mailSync: MailSync;
  pairHash: string;
  configMapName: string;
  /** The delta state to keep (JSON text), if any. */
  stateJson?: string;
}): V1ConfigMap {
  const { mailSync } = input;
  const data: Record<string, string> = { [SPEC_KEY]: workerSpecJson(mailSync) };
  if (input.stateJson !== undefined) data[STATE_KEY] = input.stateJson;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: input.configMapName,
      namespace: mailSync.metadata.namespace,
      labels: runLabels(mailSync, input.pairHash),
      ownerReferences: [ownerReference(mailSync)],
    },
    data,
  };
}

/**
 * The worker pod of a run, a single account's (buildJob) or a batch's
 * (batch-job.ts): no API token, read-only root, the image's non-root user,
 * no privilege, the spec's grace period and resources.
 */
export function workerPodSpec(input: {
  spec: MailSync['spec'];
  worker: WorkerOptions;
  env: V1EnvVar[];
  volumeMounts: V1VolumeMount[];
  volumes: V1Volume[];
}): V1PodSpec {
  const { spec, worker } = input;
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: spec.gracePeriodSeconds ?? KUBE_DEFAULTS.gracePeriodSeconds,
    ...(worker.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
    ...(worker.imagePullSecrets?.length ? { imagePullSecrets: worker.imagePullSecrets.map((name) => ({ name })) } : {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      runAsGroup: WORKER_UID,
      fsGroup: WORKER_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: WORKER_CONTAINER,
        image: worker.image,
        imagePullPolicy: worker.imagePullPolicy ?? 'IfNotPresent',
        args: ['worker'],
        env: input.env,
        volumeMounts: input.volumeMounts,
        resources: mergeResources(spec.resources),
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        terminationMessagePolicy: 'FallbackToLogsOnError',
      },
    ],
    volumes: input.volumes,
  };
}

export function buildJob(input: JobInput): V1Job {
  const { mailSync, worker } = input;
  const spec = mailSync.spec;
  const labels = runLabels(mailSync, input.pairHash);
  const volumes: V1Volume[] = [
    { name: 'spec', configMap: { name: input.configMapName, items: [{ key: SPEC_KEY, path: SPEC_KEY }] } },
    { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
  ];
  const mounts = [
    { name: 'spec', mountPath: SPEC_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const env = [
    { name: 'MAILSYNC_SPEC_FILE', value: `${SPEC_DIR}/${SPEC_KEY}` },
    // the worker runs only the spec written here, not one edited in the ConfigMap since
    { name: SPEC_DIGEST_ENV, value: contentDigest(workerSpecJson(mailSync)) },
    { name: 'MAILSYNC_SECRETS_DIR', value: SECRETS_DIR },
    { name: 'HOME', value: '/tmp' },
    { name: 'TMPDIR', value: '/tmp' },
    ...(worker.egress ? egressEnv(worker.egress) : []),
  ];
  if (input.hasState) {
    volumes.push({
      name: 'state',
      configMap: { name: input.configMapName, items: [{ key: STATE_KEY, path: STATE_KEY }] },
    });
    mounts.push({ name: 'state', mountPath: STATE_DIR, readOnly: true });
    env.push({ name: 'MAILSYNC_STATE_FILE', value: `${STATE_DIR}/${STATE_KEY}` });
    if (input.contentDigest) env.push({ name: STATE_DIGEST_ENV, value: input.contentDigest });
  }
  for (const side of ['source', 'destination'] as const) {
    const volume = secretsVolume(side, spec[side]);
    if (!volume) continue;
    volumes.push(volume);
    mounts.push({ name: volume.name, mountPath: `${SECRETS_DIR}/${side}`, readOnly: true });
  }

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.jobName,
      namespace: mailSync.metadata.namespace,
      labels,
      annotations: {
        [ANNOTATION_RUN_GENERATION]: String(mailSync.metadata.generation ?? 0),
        ...(input.trigger ? { [ANNOTATION_RUN_TRIGGER]: input.trigger } : {}),
        ...hostAnnotations(mailSync),
      },
      ownerReferences: [ownerReference(mailSync)],
    },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: spec.backoffLimit ?? KUBE_DEFAULTS.backoffLimit,
      // A run cannot hold its account pair forever (a server trickling bytes keeps every socket timeout at bay).
      activeDeadlineSeconds: spec.activeDeadlineSeconds ?? KUBE_DEFAULTS.activeDeadlineSeconds,
      ...(spec.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished } : {}),
      // No second pod while the first one is still terminating (two workers on one account pair).
      podReplacementPolicy: 'Failed',
      podFailurePolicy: { rules: podFailureRules() },
      template: {
        metadata: { labels, annotations: hostAnnotations(mailSync) },
        spec: workerPodSpec({ spec, worker, env, volumeMounts: mounts, volumes }),
      },
    },
  };
}
