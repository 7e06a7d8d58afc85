/**
 * Objects for the controller tests, built the way the cluster would hold
 * them: MailSyncs, their Secrets, the worker Jobs (from the controller's own
 * job builder, so labels, annotations and owners are the real ones), the
 * Jobs' pods, and worker log lines.
 */
import type { V1Job, V1Pod, V1Secret } from '@kubernetes/client-node';
import { vi } from 'vitest';
import type { Summary } from '../../../src/api/events.js';
import { FINALIZER, type MailSync, WORKER_CONTAINER } from '../../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../../src/api/spec.js';
import type { MailSyncStatus } from '../../../src/api/status.js';
import { buildJob } from '../../../src/controller/job-builder.js';
import { configMapName, jobNameForPair, pairHash } from '../../../src/controller/pair-hash.js';

export const NS = 'mail';
/** The tests' clock starts here (fake timers). */
export const T0 = '2026-01-01T00:00:00Z';
/** The value of every password in the fixtures: it must never show up in an API call, status, event or log. */
export const SECRET_VALUE = 'hunter2-never-in-logs';
export const WORKER = { image: 'mailsync-operator:test', hostNetwork: false };

export const baseSpec = (): MailSyncSpec => ({
  source: { host: 'imap.old.example', user: 'joe', passwordSecretRef: { name: 'joe-passwords', key: 'old' } },
  destination: {
    host: 'imap.new.example',
    user: 'joe@new.example',
    passwordSecretRef: { name: 'joe-passwords', key: 'new' },
  },
});

export interface MailSyncOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  spec?: Partial<MailSyncSpec>;
  /** Has the controller's finalizer (default true). */
  finalizer?: boolean;
  /** metadata.deletionTimestamp (kubectl delete). */
  deleting?: string;
  status?: MailSyncStatus;
}

export function mailSync(opts: MailSyncOptions = {}): MailSync {
  const name = opts.name ?? 'joe';
  return {
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailSync',
    metadata: {
      name,
      namespace: opts.namespace ?? NS,
      uid: opts.uid ?? `uid-${name}`,
      generation: opts.generation ?? 1,
      creationTimestamp: new Date(T0),
      ...(opts.finalizer === false ? {} : { finalizers: [FINALIZER] }),
      ...(opts.deleting ? { deletionTimestamp: opts.deleting as unknown as Date } : {}),
    },
    spec: { ...baseSpec(), ...opts.spec },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

export function secret(opts: { name?: string; namespace?: string; keys?: string[] } = {}): V1Secret {
  const keys = opts.keys ?? ['old', 'new'];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: opts.name ?? 'joe-passwords', namespace: opts.namespace ?? NS },
    data: Object.fromEntries(keys.map((k) => [k, Buffer.from(SECRET_VALUE).toString('base64')])),
  };
}

export const hashOf = (ms: MailSync) => pairHash(ms.spec);
export const jobNameOf = (ms: MailSync) => jobNameForPair(hashOf(ms));
export const configMapOf = (ms: MailSync) => configMapName(ms.metadata.name!);

export interface JobOptions {
  /** The MailSync generation the run was started for (default: the MailSync's). */
  generation?: number;
  state?: 'active' | 'complete' | 'failed';
  /** Reason of the Failed condition (BackoffLimitExceeded, PodFailurePolicy, DeadlineExceeded...). */
  failedReason?: string;
  suspend?: boolean;
  deleting?: boolean;
  created?: string;
  finished?: string;
}

/** The Job the controller would have created for this MailSync, as the cluster now shows it. */
export function runJob(ms: MailSync, opts: JobOptions = {}): V1Job {
  const generation = opts.generation ?? ms.metadata.generation ?? 1;
  const jobName = jobNameOf(ms);
  const job = buildJob({
    mailSync: { ...ms, metadata: { ...ms.metadata, generation } },
    pairHash: hashOf(ms),
    jobName,
    configMapName: configMapOf(ms),
    hasState: false,
    worker: WORKER,
  });
  const finished = opts.finished ?? '2026-01-01T00:00:50Z';
  const condition =
    opts.state === 'complete'
      ? { type: 'Complete', status: 'True', lastTransitionTime: finished }
      : opts.state === 'failed'
        ? {
            type: 'Failed',
            status: 'True',
            lastTransitionTime: finished,
            reason: opts.failedReason ?? 'BackoffLimitExceeded',
            message: `Job has reached the specified backoff limit (${opts.failedReason ?? 'BackoffLimitExceeded'})`,
          }
        : undefined;
  return {
    ...job,
    metadata: {
      ...job.metadata,
      uid: `uid-job-${ms.metadata.name}-g${generation}`,
      creationTimestamp: (opts.created ?? T0) as unknown as Date,
      ...(opts.deleting ? { deletionTimestamp: T0 as unknown as Date } : {}),
    },
    spec: { ...job.spec!, ...(opts.suspend ? { suspend: true } : {}) },
    status: condition ? { conditions: [condition as never] } : { active: 1 },
  };
}

export interface PodOptions {
  name?: string;
  container?: 'none' | 'waiting' | 'running' | 'terminated';
  waitingReason?: string;
  exitCode?: number;
  deleting?: string;
  created?: string;
  /** The node the pod was scheduled on (spec.nodeName). */
  node?: string;
}

/** A worker pod of the Job (labels from the pod template, owned by the Job). */
export function workerPod(job: V1Job, opts: PodOptions = {}): V1Pod {
  const container = opts.container ?? 'running';
  const exitCode = opts.exitCode ?? 0;
  const state =
    container === 'running'
      ? { running: { startedAt: new Date(T0) } }
      : container === 'terminated'
        ? { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } }
        : container === 'waiting'
          ? { waiting: { reason: opts.waitingReason ?? 'ContainerCreating' } }
          : undefined;
  const phase =
    container === 'terminated'
      ? exitCode === 0
        ? 'Succeeded'
        : 'Failed'
      : container === 'running'
        ? 'Running'
        : 'Pending';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: opts.name ?? `${job.metadata!.name}-abcde`,
      namespace: job.metadata!.namespace,
      uid: `uid-pod-${opts.name ?? job.metadata!.name}`,
      creationTimestamp: (opts.created ?? T0) as unknown as Date,
      labels: {
        ...job.spec!.template.metadata!.labels,
        'batch.kubernetes.io/controller-uid': job.metadata!.uid!,
      },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: job.metadata!.uid!, controller: true },
      ],
      ...(opts.deleting ? { deletionTimestamp: opts.deleting as unknown as Date } : {}),
    },
    ...(opts.node ? { spec: { nodeName: opts.node, containers: [] } } : {}),
    status: {
      phase,
      ...(state ? { containerStatuses: [{ name: WORKER_CONTAINER, state } as never] } : {}),
    },
  };
}

/** A worker stdout line as the log API returns it with timestamps=true. */
export function logLine(at: string, body: Record<string, unknown>): string {
  return `${at} ${JSON.stringify({ level: 30, time: Date.parse(at), schema: 1, ...body })}`;
}

export function progressLine(at: string, copied: number, total: number): string {
  return logLine(at, {
    event: 'progress',
    progress: {
      foldersDone: 1,
      foldersTotal: 2,
      messagesCopied: copied,
      messagesSkipped: 0,
      messagesFailed: 0,
      messagesTotal: total,
      bytesCopied: copied * 1000,
      messagesPerSecond: 10,
      bytesPerSecond: 10_000,
    },
  });
}

export function summary(overrides: Partial<Summary> = {}): Summary {
  return {
    verdict: 'success',
    reason: 'Succeeded',
    exitCode: 0,
    mode: 'sync',
    startTime: '2026-01-01T00:00:01.000Z',
    endTime: '2026-01-01T00:00:40.000Z',
    durationSeconds: 39,
    foldersSynced: 2,
    foldersCreated: 1,
    messagesTransferred: 120,
    messagesSkipped: 3,
    duplicatesSkipped: 0,
    messagesFailed: 0,
    messagesDeletedOnSource: 0,
    messagesDeletedOnDestination: 0,
    flagsUpdated: 0,
    bytesTransferred: 2_000_000,
    messagesPerSecond: 3.1,
    bytesPerSecond: 51_000,
    errors: 0,
    reconnects: 0,
    biggestMessageBytes: 100_000,
    verificationMissing: 0,
    state: { INBOX: { uidvalidity: 1, uidnext: 121 } } as never,
    message: 'all 123 messages present on the destination',
    ...overrides,
  };
}

export const summaryLine = (at: string, s: Summary = summary()) => logLine(at, { event: 'summary', summary: s });

/** The status of a MailSync whose run for `generation` was started (Job created) and is not recorded yet. */
export function startedStatus(ms: MailSync, generation = ms.metadata.generation ?? 1): MailSyncStatus {
  return {
    phase: 'Running',
    observedGeneration: generation,
    runGeneration: generation,
    jobName: jobNameOf(ms),
    pairHash: hashOf(ms),
    startTime: T0,
    logTail: [],
  };
}

/** The status of a MailSync whose run for `generation` ended and was recorded. */
export function recordedStatus(
  ms: MailSync,
  phase: 'Succeeded' | 'Failed' | 'Aborted' = 'Succeeded',
  generation = ms.metadata.generation ?? 1,
): MailSyncStatus {
  return { ...startedStatus(ms, generation), phase, completionTime: '2026-01-01T00:00:50Z' };
}

export const folderLine = (at: string, folder: string, messages: number) =>
  logLine(at, { event: 'folder.begin', folder, destinationFolder: folder, messages });

/** Start the fake clock at T0 (call in beforeEach; vi.useRealTimers in afterEach). */
export function useFakeClock(): void {
  vi.useFakeTimers({ now: new Date(T0) });
}
