/**
 * Reconcile while a run goes on and when it ends: Pending until the worker
 * pod runs, Running with progress from its log, and the outcome of a
 * finished Job (worker summary, else exit code, else the Job's own failure)
 * as phase, reason, Event and metrics; a run whose Job vanished is recorded
 * as lost.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ANNOTATION_STATE_DIGEST, contentDigest } from '../../../src/api/content-digest.js';
import type { Summary } from '../../../src/api/events.js';
import { ownerReference } from '../../../src/controller/job-builder.js';
import type { StoredObject } from './fake-kube.js';
import {
  configMapOf,
  folderLine,
  type JobOptions,
  jobNameOf,
  mailSync,
  NS,
  type PodOptions,
  progressLine,
  runJob,
  secret,
  startedStatus,
  summary,
  summaryLine,
  useFakeClock,
  workerPod,
} from './fixtures.js';
import { condition, World } from './world.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const joe = mailSync({ status: startedStatus(mailSync()) });
const JOB = jobNameOf(joe);

describe('a run going on', () => {
  it.each<{
    name: string;
    pod?: PodOptions;
    phase: string;
    ready: string;
    running: string;
    message: string;
    event?: string;
  }>([
    {
      name: 'no pod yet',
      phase: 'Pending',
      ready: 'PodPending',
      running: 'PodPending',
      message: `worker pod of Job ${JOB} not running yet`,
    },
    {
      name: 'pod waiting for its image',
      pod: { container: 'waiting', waitingReason: 'ErrImagePull' },
      phase: 'Pending',
      ready: 'PodPending',
      running: 'PodPending',
      message: `worker pod of Job ${JOB} not running yet: ErrImagePull`,
    },
    {
      name: 'pod not scheduled yet',
      pod: { container: 'none' },
      phase: 'Pending',
      ready: 'PodPending',
      running: 'PodPending',
      message: `worker pod of Job ${JOB} not running yet: Pending`,
    },
    {
      name: 'worker running',
      pod: { container: 'running' },
      phase: 'Running',
      ready: 'Running',
      running: 'PodRunning',
      message: `sync running in Job ${JOB}`,
      event: 'Running',
    },
  ])('$name: phase $phase, Ready reason $ready', async ({ pod, phase, ready, running, message, event }) => {
    const job = runJob(joe);
    const w = new World([joe, secret(), job, ...(pod ? [workerPod(job, pod)] : [])]);
    // Not running yet: looked at again when spec.startDeadlineSeconds (600 s) has passed.
    expect(await w.reconcile('joe')).toEqual(phase === 'Pending' ? { requeueAfter: 600_500 } : {});
    expect(w.writes()).toEqual(['patch mailsyncs/joe/status']);
    const status = w.status();
    expect(status.phase).toBe(phase);
    expect(condition(status, 'Ready')).toMatchObject({
      status: 'False',
      reason: ready,
      message,
      observedGeneration: 1,
    });
    expect(condition(status, 'Running')).toMatchObject({ status: 'True', reason: running });
    // A pod on its way is not news; a running worker is.
    expect(w.events().map((e) => e.reason)).toEqual(event ? [event] : []);
    // The log is followed only once the container has started.
    expect(w.kube.actions.some((a) => a.verb === 'log')).toBe(pod?.container === 'running');
  });

  describe('a pod on a node whose start the API does not show yet (a loaded kubelet reports late)', () => {
    it('its log is read (a probe): lines make it Running with their progress, before the pod status says so', async () => {
      const job = runJob(joe);
      const pod = workerPod(job, { container: 'waiting', node: 'local' });
      const name = pod.metadata!.name!;
      const w = new World([joe, secret(), job, pod]);
      w.kube.appendLog(
        NS,
        name,
        folderLine('2026-01-01T00:00:02Z', 'INBOX', 100),
        progressLine('2026-01-01T00:00:03Z', 40, 100),
      );
      await w.reconcile('joe');
      // First polled (follow=false): a pod still being created takes no follow from a running one. Found at
      // work, it is followed from its last line.
      const reads = w.kube.actions.filter((a) => a.verb === 'log').map((a) => a.query);
      expect(reads).toEqual([
        expect.objectContaining({ container: 'worker', follow: false, timestamps: true }),
        expect.objectContaining({ follow: true, sinceTime: '2026-01-01T00:00:03Z' }),
      ]);
      expect(w.streamUpdates).toEqual([job.metadata!.uid]);
      await w.reconcile('joe');
      const status = w.status();
      expect(status.phase).toBe('Running');
      expect(condition(status, 'Running')).toMatchObject({ status: 'True', reason: 'PodRunning' });
      expect(status.progress).toMatchObject({ messagesCopied: 40, messagesTotal: 100 });
      expect(status.logStream).toMatchObject({ pod: name, timestamp: '2026-01-01T00:00:03Z' });
      expect(w.events().map((e) => e.reason)).toEqual(['Running']);
    });

    it('no lines yet (ContainerCreating): still Pending, read again within a second (a probe), no warning', async () => {
      const job = runJob(joe);
      const pod = workerPod(job, { container: 'waiting', node: 'local' });
      const w = new World([joe, secret(), job, pod]);
      await w.reconcile('joe');
      expect(w.status().phase).toBe('Pending');
      const reads = () => w.kube.actions.filter((a) => a.verb === 'log').length;
      expect(reads()).toBe(1);
      // One probe: read every second (PROBE_MIN_INTERVAL_MS), not every 5 s (the refresh interval).
      await w.settle(999);
      expect(reads()).toBe(1);
      await w.settle(1);
      expect(reads()).toBe(2);
      w.kube.appendLog(NS, pod.metadata!.name!, folderLine('2026-01-01T00:00:09Z', 'INBOX', 5));
      await w.settle(1000);
      await w.reconcile('joe');
      expect(w.status().phase).toBe('Running');
      expect(w.logOutput.join('')).not.toMatch(/log (stream|read) failed/);
    });

    it.each<{ name: string; pod: PodOptions }>([
      { name: 'not on a node yet', pod: { container: 'none' } },
      {
        name: 'failing to start (ErrImagePull)',
        pod: { container: 'waiting', waitingReason: 'ErrImagePull', node: 'local' },
      },
      { name: 'being deleted', pod: { container: 'waiting', node: 'local', deleting: '2026-01-01T00:00:00Z' } },
    ])('a pod $name: its log is not read', async ({ pod }) => {
      const job = runJob(joe);
      const w = new World([joe, secret(), job, workerPod(job, pod)]);
      await w.reconcile('joe');
      await w.settle(10_000);
      expect(w.kube.actions.some((a) => a.verb === 'log')).toBe(false);
      expect(w.status().phase).toBe('Pending');
    });
  });

  it('shows the progress and the readable lines of the worker log', async () => {
    const job = runJob(joe);
    const pod = workerPod(job);
    const w = new World([joe, secret(), job, pod]);
    w.kube.appendLog(
      NS,
      pod.metadata!.name!,
      folderLine('2026-01-01T00:00:02Z', 'INBOX', 100),
      progressLine('2026-01-01T00:00:03Z', 40, 100),
    );
    await w.reconcile('joe');
    expect(w.streamUpdates).toEqual([job.metadata!.uid]);
    await w.reconcile('joe');
    // Progress is not urgent: it goes out with the next status window (5 s).
    expect(w.statusPatches()).toHaveLength(1);
    await w.settle(5000);
    expect(w.statusPatches()).toHaveLength(2);
    const status = w.status();
    expect(status.progress).toMatchObject({ messagesCopied: 40, messagesTotal: 100, display: '40/100' });
    expect(status.logTail).toEqual([expect.stringMatching(/^00:00:02 .*INBOX.*100 messages/)]);
    expect(status.logStream).toMatchObject({ pod: pod.metadata!.name, timestamp: '2026-01-01T00:00:03Z' });
    const follow = w.kube.actions.find((a) => a.verb === 'log');
    expect(follow?.query).toMatchObject({ container: 'worker', follow: true, timestamps: true });
  });

  it('after a controller restart, resumes the log where status says it stopped (no line twice)', async () => {
    const job = runJob(joe);
    const pod = workerPod(job);
    const podName = pod.metadata!.name!;
    const first = folderLine('2026-01-01T00:00:02Z', 'INBOX', 100);
    const second = folderLine('2026-01-01T00:00:02Z', 'Sent', 5);
    const restarted = mailSync({
      status: {
        ...startedStatus(joe),
        logTail: ['00:00:02 folder INBOX -> INBOX: 100 messages'],
        logStream: { pod: podName, timestamp: '2026-01-01T00:00:02Z', linesAtTimestamp: 1 },
      },
    });
    const w = new World([restarted, secret(), job, pod]);
    w.kube.appendLog(NS, podName, first, second);
    await w.reconcile('joe');
    expect(w.kube.actions.find((a) => a.verb === 'log')?.query?.sinceTime).toBe('2026-01-01T00:00:02Z');
    await w.reconcile('joe');
    await w.settle(5000);
    expect(w.status().logTail).toEqual([
      '00:00:02 folder INBOX -> INBOX: 100 messages',
      expect.stringMatching(/^00:00:02 .*Sent.*5 messages/),
    ]);
  });
});

/** A finished run: the Job, its terminated pod (if any) and what the worker logged. */
interface Finished {
  name: string;
  job: JobOptions;
  pod?: PodOptions;
  summary?: Partial<Summary>;
  phase: string;
  reason: string;
  message: string;
  event: 'Normal' | 'Warning';
}

describe('a run whose worker pod does not run within spec.startDeadlineSeconds', () => {
  const unschedulable = (job: ReturnType<typeof runJob>) => {
    const pod = workerPod(job, { container: 'none' });
    pod.status!.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/1 nodes are available: 1 Insufficient memory.',
      },
    ];
    return pod;
  };

  it('fails with the scheduler’s reason, deletes the Job and wakes the MailSyncs waiting for the pair', async () => {
    const ms = mailSync({ spec: { startDeadlineSeconds: 30 }, status: startedStatus(mailSync()) });
    const job = runJob(ms);
    const w = new World([ms, secret(), job, unschedulable(job)]);
    w.ctx.mirrors.set(`${NS}/ann`, job.metadata!.uid!);
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 30_500 });
    expect(w.status().phase).toBe('Pending');

    await w.settle(31_000);
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 1000 });
    expect(w.writes(mark)).toEqual(['patch mailsyncs/joe/status', `delete jobs/${JOB} propagation=Background`]);
    const message =
      'the worker pod was not running within spec.startDeadlineSeconds (30 s): Unschedulable: 0/1 nodes are available: 1 Insufficient memory.';
    const status = w.status();
    expect(status).toMatchObject({
      phase: 'Failed',
      lastError: { reason: 'StartDeadlineExceeded', message },
      completionTime: expect.any(String),
    });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'StartDeadlineExceeded' });
    expect(w.events(mark)).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'StartDeadlineExceeded',
        message: expect.stringContaining(message),
      }),
    ]);
    expect(w.job(JOB)).toBeUndefined();
    expect(w.enqueued).toContain(`${NS}/ann`);
  });

  it('a recorded run whose Job could not be deleted is deleted by the next look, the outcome kept', async () => {
    const ms = mailSync({ spec: { startDeadlineSeconds: 30 }, status: startedStatus(mailSync()) });
    const job = runJob(ms);
    const w = new World([ms, secret(), job, unschedulable(job)]);
    await w.settle(31_000);
    w.kube.fail({ verb: 'delete', resource: 'jobs' }, 500);
    await expect(w.reconcile('joe')).rejects.toThrow();
    expect(w.status().lastError?.reason).toBe('StartDeadlineExceeded');
    const mark = w.mark();
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 1000 });
    expect(w.writes(mark)).toEqual([`delete jobs/${JOB} propagation=Background`]);
    expect(w.status().lastError?.reason).toBe('StartDeadlineExceeded');
  });
});

describe('a finished run', () => {
  it.each<Finished>([
    {
      name: 'success with a summary',
      job: { state: 'complete' },
      pod: { container: 'terminated', exitCode: 0 },
      summary: {},
      phase: 'Succeeded',
      reason: 'Succeeded',
      message: 'all 123 messages present on the destination',
      event: 'Normal',
    },
    {
      name: 'success without a summary (log lost)',
      job: { state: 'complete' },
      pod: { container: 'terminated', exitCode: 0 },
      phase: 'Succeeded',
      reason: 'Succeeded',
      message: 'the worker finished successfully',
      event: 'Normal',
    },
    {
      name: 'errors reported by the worker summary',
      job: { state: 'failed' },
      pod: { container: 'terminated', exitCode: 20 },
      summary: { verdict: 'errors', reason: 'ErrorsPresent', exitCode: 20, message: '3 messages failed' },
      phase: 'Failed',
      reason: 'ErrorsPresent',
      message: '3 messages failed',
      event: 'Warning',
    },
    {
      name: 'exit code 14 (source login refused), no summary',
      job: { state: 'failed', failedReason: 'PodFailurePolicy' },
      pod: { container: 'terminated', exitCode: 14 },
      phase: 'Failed',
      reason: 'AuthenticationFailed',
      message: 'the worker exited with code 14 (AuthenticationFailed, source)',
      event: 'Warning',
    },
    {
      name: 'exit code 11 (destination unreachable)',
      job: { state: 'failed' },
      pod: { container: 'terminated', exitCode: 11 },
      phase: 'Failed',
      reason: 'ConnectFailed',
      message: 'the worker exited with code 11 (ConnectFailed, destination)',
      event: 'Warning',
    },
    {
      name: 'exit code 137 (SIGKILL)',
      job: { state: 'failed' },
      pod: { container: 'terminated', exitCode: 137 },
      phase: 'Failed',
      reason: 'Killed',
      message: 'the worker was killed (SIGKILL',
      event: 'Warning',
    },
    {
      name: 'exit code 30 (aborted)',
      job: { state: 'failed', failedReason: 'PodFailurePolicy' },
      pod: { container: 'terminated', exitCode: 30 },
      phase: 'Aborted',
      reason: 'Aborted',
      message: 'the worker exited with code 30 (Aborted)',
      event: 'Normal',
    },
    {
      name: 'an exit code nobody knows',
      job: { state: 'failed' },
      pod: { container: 'terminated', exitCode: 99 },
      phase: 'Failed',
      reason: 'UnknownExitCode',
      message: 'the worker exited with code 99 (UnknownExitCode)',
      event: 'Warning',
    },
    {
      name: 'the Job failed without any pod (deadline)',
      job: { state: 'failed', failedReason: 'DeadlineExceeded' },
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'the run went on longer than spec.activeDeadlineSeconds (604800 s) and was stopped',
      event: 'Warning',
    },
  ])(
    '$name: $phase, reason $reason',
    async ({ job: jobOptions, pod: podOptions, summary: s, phase, reason, message, event }) => {
      const job = runJob(joe, jobOptions);
      const pod = podOptions ? workerPod(job, podOptions) : undefined;
      const w = new World([joe, secret(), job, ...(pod ? [pod] : [])]);
      if (pod && s) w.kube.appendLog(NS, pod.metadata!.name!, summaryLine('2026-01-01T00:00:40Z', summary(s)));

      // With a pod, the first look starts reading the log to its end (the summary is the last line).
      const first = await w.reconcile('joe');
      if (pod) {
        expect(first).toEqual({ requeueAfter: 2000 });
        expect(w.statusPatches()).toEqual([]);
        expect(await w.reconcile('joe')).toEqual({ requeueAfter: 500 });
      } else {
        expect(first).toEqual({ requeueAfter: 500 });
      }

      const status = w.status();
      expect(status.phase).toBe(phase);
      expect(status.completionTime).toBe('2026-01-01T00:00:00Z');
      const ready = condition(status, 'Ready');
      expect(ready).toMatchObject({ status: phase === 'Succeeded' ? 'True' : 'False', reason, observedGeneration: 1 });
      expect(ready?.message).toContain(message);
      expect(condition(status, 'Running')).toMatchObject({ status: 'False', reason: phase });
      if (phase === 'Succeeded') expect(status.lastError).toBeUndefined();
      else expect(status.lastError).toMatchObject({ reason });
      expect(w.events()).toEqual([expect.objectContaining({ type: event, reason })]);
      expect(w.events()[0]?.message).toContain(s ? 'transferred 120' : 'no summary from the worker');
      // The run's log is let go; the Job stays (it holds the pair name until the next run clears it).
      expect(w.ctx.streams.get(job.metadata!.uid!)).toBeUndefined();
      expect(w.writes().filter((a) => a.startsWith('delete'))).toEqual([]);
    },
  );

  /** joe's run ended with its summary to come; its ConfigMap is its own, or someone else's of that name. */
  function endedRun(configMap: 'ours' | 'planted') {
    const job = runJob(joe, { state: 'complete' });
    const pod = workerPod(job, { container: 'terminated' });
    const cm: V1ConfigMap =
      configMap === 'ours'
        ? {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: configMapOf(joe), namespace: NS, ownerReferences: [ownerReference(joe)] },
          }
        : {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: configMapOf(joe), namespace: NS },
            data: { 'note.txt': 'not yours' },
          };
    return { w: new World([joe, secret(), job, pod, cm as StoredObject]), pod };
  }

  it('keeps the delta state of a successful run in the ConfigMap for the next one', async () => {
    const { w, pod } = endedRun('ours');
    w.kube.appendLog(NS, pod.metadata!.name!, summaryLine('2026-01-01T00:00:40Z'));
    await w.reconcile('joe');
    await w.reconcile('joe');
    expect(w.writes()).toEqual([`patch configmaps/${configMapOf(joe)}`, 'patch mailsyncs/joe/status']);
    const saved = w.kube.object<V1ConfigMap>('configmaps', NS, configMapOf(joe))!;
    expect(JSON.parse(saved.data!['state.json']!)).toEqual(summary().state);
    // Its digest, written with it, is what the next run checks.
    expect(saved.metadata?.annotations?.[ANNOTATION_STATE_DIGEST]).toBe(contentDigest(saved.data!['state.json']!));
    // The status keeps the summary without the state (that can be big).
    expect(w.status().summary).toMatchObject({ messagesTransferred: 120 });
    expect(w.status().summary?.state).toBeUndefined();
  });

  it('saves the state on the ConfigMap version checked at the start without reading it again', async () => {
    const { w, pod } = endedRun('ours');
    const checked = w.kube.object<V1ConfigMap>('configmaps', NS, configMapOf(joe))!.metadata!.resourceVersion!;
    w.ctx.checkedConfigMaps.set(joe.metadata.uid!, checked);
    w.kube.appendLog(NS, pod.metadata!.name!, summaryLine('2026-01-01T00:00:40Z'));
    await w.reconcile('joe');
    await w.reconcile('joe');
    const onConfigMap = w.kube.actions.filter((a) => a.resource === 'configmaps').map((a) => a.verb);
    expect(onConfigMap).toEqual(['patch']);
    const saved = w.kube.object<V1ConfigMap>('configmaps', NS, configMapOf(joe))!;
    expect(JSON.parse(saved.data!['state.json']!)).toEqual(summary().state);
    // The version it wrote is the one the next save patches.
    expect(w.ctx.checkedConfigMaps.get(joe.metadata.uid!)).toBe(saved.metadata?.resourceVersion);
  });

  it("reads and checks again a ConfigMap replaced since the start (someone else's: not written)", async () => {
    const { w, pod } = endedRun('planted');
    // The version of our ConfigMap as checked at the start, since deleted and replaced by this one.
    w.ctx.checkedConfigMaps.set(joe.metadata.uid!, 'a-version-since-gone');
    w.kube.appendLog(NS, pod.metadata!.name!, summaryLine('2026-01-01T00:00:40Z'));
    await w.reconcile('joe');
    await w.reconcile('joe');
    const onConfigMap = w.kube.actions.filter((a) => a.resource === 'configmaps').map((a) => a.verb);
    expect(onConfigMap).toEqual(['patch', 'get']);
    expect(w.kube.object<V1ConfigMap>('configmaps', NS, configMapOf(joe))?.data).toEqual({ 'note.txt': 'not yours' });
    expect(w.ctx.checkedConfigMaps.has(joe.metadata.uid!)).toBe(false);
  });

  it('never writes the state into a ConfigMap of that name that this MailSync does not control', async () => {
    const { w, pod } = endedRun('planted');
    w.kube.appendLog(NS, pod.metadata!.name!, summaryLine('2026-01-01T00:00:40Z'));
    await w.reconcile('joe');
    await w.reconcile('joe');
    expect(w.writes()).toEqual(['patch mailsyncs/joe/status']);
    expect(w.kube.object<V1ConfigMap>('configmaps', NS, configMapOf(joe))?.data).toEqual({ 'note.txt': 'not yours' });
    expect(w.logOutput.join('\n')).toContain('delta state not saved: ConfigMap');
  });

  it('counts the outcome in the metrics (failure by reason, messages copied)', async () => {
    const job = runJob(joe, { state: 'failed' });
    const pod = workerPod(job, { container: 'terminated', exitCode: 15 });
    const w = new World([joe, secret(), job, pod]);
    await w.reconcile('joe');
    await w.reconcile('joe');
    const failures = await w.ctx.metrics.failures.get();
    expect(failures.values).toEqual([
      expect.objectContaining({ labels: { reason: 'AuthenticationFailed' }, value: 1 }),
    ]);
  });

  it('lets the MailSyncs waiting for the pair go', async () => {
    const job = runJob(joe, { state: 'complete' });
    const w = new World([joe, secret(), job]);
    w.ctx.mirrors.set(`${NS}/ann`, job.metadata!.uid!);
    w.ctx.mirrors.set(`${NS}/bob`, 'some-other-job');
    await w.reconcile('joe');
    expect(w.enqueued).toEqual([`${NS}/ann`]);
  });

  it('records without the end of the log once the log has not ended within a minute of the Job', async () => {
    const job = runJob(joe, { state: 'complete', finished: '2026-01-01T00:00:00Z' });
    const pod = workerPod(job, { container: 'terminated' });
    const w = new World([joe, secret(), job, pod]);
    // The log stream does not end although the container did (a hung connection).
    w.kube.holdLogStreams = true;
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 2000 });
    await w.settle(61_000);
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 500 });
    expect(w.status().phase).toBe('Succeeded');
  });
});

describe('a run whose Job vanished', () => {
  it('is not a run whose Job the cache does not show yet: the API is asked before recording it lost', async () => {
    const w = new World([mailSync(), secret()]);
    w.freezeCaches();
    await w.reconcile('joe');
    expect(w.job(JOB)).toBeDefined();
    const mark = w.mark();
    // The MailSync's status change arrives before the Job's ADDED event.
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 1000 });
    expect(w.writes(mark)).toEqual([]);
    expect(w.events(mark)).toEqual([]);
    expect(w.status().phase).toBe('Pending');
    w.thawCaches();
    await w.reconcile('joe');
    // Tracked (a pending pod: written with the next window or phase change), not lost.
    expect(condition(w.ctx.status.current(w.mailSync('joe')!), 'Ready')?.reason).toBe('PodPending');
    expect(w.status().lastError).toBeUndefined();
    expect((await w.ctx.metrics.failures.get()).values).toEqual([]);
  });

  it('a Job of that name that is not ours, or is being deleted, does not hold the run', async () => {
    const ann = mailSync({ name: 'ann', uid: 'uid-ann' });
    const deleting = runJob(joe, { deleting: true });
    for (const job of [runJob(ann), deleting]) {
      const w = new World([joe, secret()]);
      w.freezeCaches();
      w.kube.put(job);
      expect(await w.reconcile('joe')).toEqual({ requeueAfter: 500 });
      expect(w.status()).toMatchObject({ phase: 'Failed', lastError: { reason: 'JobDeleted' } });
    }
  });

  it.each<{ name: string; status: object; reason: string; phase: string }>([
    { name: 'without a summary', status: {}, reason: 'JobDeleted', phase: 'Failed' },
    {
      name: 'after the worker reported its summary',
      status: { summary: { reason: 'Succeeded', message: 'all 3 messages present' } },
      reason: 'Succeeded',
      phase: 'Succeeded',
    },
  ])('$name: recorded as $phase ($reason)', async ({ status, reason, phase }) => {
    const w = new World([mailSync({ status: { ...startedStatus(joe), ...status } }), secret()]);
    expect(await w.reconcile('joe')).toEqual({ requeueAfter: 500 });
    expect(w.writes()).toEqual(['patch mailsyncs/joe/status']);
    expect(w.status()).toMatchObject({ phase, completionTime: '2026-01-01T00:00:00Z' });
    expect(condition(w.status(), 'Ready')?.reason).toBe(reason);
    expect(w.events()).toEqual([expect.objectContaining({ type: phase === 'Failed' ? 'Warning' : 'Normal', reason })]);
  });
});
