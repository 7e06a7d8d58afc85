/**
 * Watches (list + watch, not polling) of one migration's worker Jobs, worker
 * pods and child MailSyncs, for "the cap holds at every moment": on every
 * event of a stream the running workers are counted again from that stream's
 * cache and the highest count is kept.
 *
 * Jobs and pods are counted each from their own stream (one watch delivers
 * its events in order, so a count from it is a state that really existed);
 * counting across two streams could join a stale pod with a fresh Job and see
 * a moment that never was. The counting is the test's own, independent of the
 * controller's admission code.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { LABEL_MAILSYNC, type MailSync } from '../../../src/api/mailsync.js';
import { paths } from '../../../src/controller/paths.js';
import { Informer, type KubeObject } from '../../../src/kube/informers.js';
import type { KubeClient } from '../../../src/kube/kube-client.js';

/** A Job that runs or will run a worker: not finished, not suspended, not being deleted. */
export function jobRuns(job: V1Job): boolean {
  if (job.spec?.suspend || job.metadata?.deletionTimestamp) return false;
  return !(job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed' || c.type === 'SuccessCriteriaMet') && c.status === 'True',
  );
}

/** A worker pod that has not ended (Pending counts: it holds the slot it was started in). */
export function podRuns(pod: V1Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/** A Queued status seen on a child. */
export interface QueuedSighting {
  name: string;
  position: number | undefined;
  readyReason: string | undefined;
}

interface Peak {
  count: number;
  names: string[];
  at: string;
}

class Counter<T extends KubeObject> {
  events = 0;
  peak: Peak = { count: 0, names: [], at: '' };
  readonly informer: Informer<T>;

  constructor(client: KubeClient, path: string, labelSelector: string, runs: (obj: T) => boolean) {
    this.informer = new Informer<T>(client, {
      name: path,
      path,
      labelSelector,
      log: pino({ level: 'silent' }),
      backoffMs: { initial: 200, max: 2000 },
    });
    this.informer.onChange(() => {
      this.events++;
      // One worker per MailSync: a Job and its successor of the same name count once.
      const names = new Set(
        this.informer
          .list()
          .filter(runs)
          .map((o) => (o.metadata as { labels?: Record<string, string> }).labels?.[LABEL_MAILSYNC] ?? ''),
      );
      if (names.size > this.peak.count) {
        this.peak = { count: names.size, names: [...names].sort(), at: new Date().toISOString() };
      }
    });
  }
}

export interface RunWatch {
  /** The most Jobs running at once (from the Job stream), with who they were. */
  readonly jobs: Peak;
  /** The most worker pods alive at once (from the pod stream). */
  readonly pods: Peak;
  /** Events seen on the Job and pod streams. */
  readonly events: number;
  /** Every Queued status seen on a child. */
  readonly queued: QueuedSighting[];
  /** The most children whose status said Running at once (the live view; it may lag the pods). */
  readonly runningStatuses: number;
  stop(): void;
}

/** Start watching before the migration is applied; resolves once the three first lists are cached. */
export async function watchRuns(client: KubeClient, namespace: string, labelSelector: string): Promise<RunWatch> {
  const jobs = new Counter<V1Job & KubeObject>(client, paths.jobs(namespace), labelSelector, jobRuns);
  const pods = new Counter<V1Pod & KubeObject>(client, paths.pods(namespace), labelSelector, podRuns);
  const children = new Informer<MailSync>(client, {
    name: 'mailsyncs',
    path: paths.mailSyncs(namespace),
    labelSelector,
    log: pino({ level: 'silent' }),
    backoffMs: { initial: 200, max: 2000 },
  });
  const queued: QueuedSighting[] = [];
  let runningStatuses = 0;
  children.onChange((ms, type) => {
    if (type === 'delete') return;
    if (ms.status?.phase === 'Queued') {
      queued.push({
        name: ms.metadata.name ?? '',
        position: ms.status.queuePosition,
        readyReason: ms.status.conditions?.find((c) => c.type === 'Ready')?.reason,
      });
    }
    runningStatuses = Math.max(runningStatuses, children.list().filter((c) => c.status?.phase === 'Running').length);
  });
  await Promise.all([jobs.informer.start(), pods.informer.start(), children.start()]);
  return {
    get jobs() {
      return jobs.peak;
    },
    get pods() {
      return pods.peak;
    },
    get events() {
      return jobs.events + pods.events;
    },
    queued,
    get runningStatuses() {
      return runningStatuses;
    },
    stop() {
      jobs.informer.stop();
      pods.informer.stop();
      children.stop();
    },
  };
}
