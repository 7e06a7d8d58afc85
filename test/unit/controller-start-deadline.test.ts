import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { JobState } from '../../src/controller/outcome.js';
import { type RunJob, startDeadlineOutcome, startDeadlineWake } from '../../src/controller/start-deadline.js';

const T0 = '2026-01-01T00:00:00Z';
const at = (seconds: number) => new Date(new Date(T0).getTime() + seconds * 1000);

const unschedulable = (created = T0): V1Pod => ({
  metadata: { name: 'p', creationTimestamp: new Date(created) },
  status: {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/1 nodes are available: 1 Insufficient memory.',
      },
    ],
  },
});
const pulling: V1Pod = {
  metadata: { name: 'p', creationTimestamp: new Date(T0) },
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'worker',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
      },
    ],
  },
};
const started: V1Pod = {
  metadata: { name: 'p', creationTimestamp: new Date(T0) },
  status: {
    phase: 'Running',
    containerStatuses: [
      { name: 'worker', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
    ],
  },
};

const run = (pods: V1Pod[], over: { state?: JobState; deleting?: boolean } = {}): RunJob => ({
  job: { metadata: { name: 'mailsync-h', creationTimestamp: new Date(T0) } },
  name: 'mailsync-h',
  state: over.state ?? 'active',
  deleting: over.deleting ?? false,
  pods,
});

describe('spec.startDeadlineSeconds: a run whose pod does not run in time', () => {
  it.each<{ name: string; job: RunJob; deadline?: number; after: number; message?: string }>([
    {
      name: 'unschedulable past the deadline: the scheduler’s reason',
      job: run([unschedulable()]),
      deadline: 30,
      after: 31,
      message:
        'the worker pod was not running within spec.startDeadlineSeconds (30 s): Unschedulable: 0/1 nodes are available: 1 Insufficient memory.',
    },
    { name: 'unschedulable, deadline not reached', job: run([unschedulable()]), deadline: 30, after: 29 },
    {
      name: 'the default deadline is 600 s',
      job: run([unschedulable()]),
      after: 600,
      message:
        'the worker pod was not running within spec.startDeadlineSeconds (600 s): Unschedulable: 0/1 nodes are available: 1 Insufficient memory.',
    },
    { name: 'default deadline not reached', job: run([unschedulable()]), after: 599 },
    {
      name: 'an image that cannot be pulled: the kubelet’s reason',
      job: run([pulling]),
      deadline: 10,
      after: 60,
      message:
        'the worker pod was not running within spec.startDeadlineSeconds (10 s): ImagePullBackOff: Back-off pulling image "x"',
    },
    {
      name: 'no pod at all (quota, admission): says where to look',
      job: run([]),
      deadline: 10,
      after: 60,
      message:
        'the worker pod was not running within spec.startDeadlineSeconds (10 s): no worker pod was created (kubectl describe job mailsync-h shows why)',
    },
    { name: 'the worker runs: no deadline', job: run([started]), deadline: 10, after: 3600 },
    {
      name: 'a replacement pod counts from its own creation',
      job: run([started, unschedulable('2026-01-01T00:10:00Z')]),
      deadline: 60,
      after: 630,
    },
    { name: 'a finished Job is for the outcome, not the deadline', job: run([], { state: 'failed' }), after: 3600 },
    { name: 'a Job being deleted', job: run([unschedulable()], { deleting: true }), after: 3600 },
  ])('$name', ({ job, deadline, after, message }) => {
    const outcome = startDeadlineOutcome(job, deadline, at(after));
    if (message === undefined) expect(outcome).toBeUndefined();
    else expect(outcome).toEqual({ phase: 'Failed', reason: 'StartDeadlineExceeded', message, permanent: false });
  });

  it.each<{ name: string; job: RunJob; after: number; wake?: number }>([
    { name: 'pending: at the deadline', job: run([unschedulable()]), after: 10, wake: 590_500 },
    { name: 'past the deadline: at once', job: run([unschedulable()]), after: 700, wake: 500 },
    { name: 'running: no wake-up', job: run([started]), after: 10 },
  ])('looks again $name', ({ job, after, wake }) => {
    expect(startDeadlineWake(job, undefined, at(after))).toBe(wake);
  });
});
