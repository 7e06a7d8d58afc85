import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { trimPod } from '../../src/controller/controller.js';
import { computeOutcome, jobState } from '../../src/controller/outcome.js';

const job = (type?: string, reason?: string): V1Job => ({
  status: type ? { conditions: [{ type, status: 'True', reason, message: `${reason ?? ''} message` }] } : {},
});
const pod = (exitCode: number): V1Pod => ({
  status: { containerStatuses: [{ name: 'worker', state: { terminated: { exitCode } } } as never] },
});

describe('run outcome', () => {
  it('reads the Job state from its conditions', () => {
    expect(jobState(job())).toBe('active');
    expect(jobState(job('Complete'))).toBe('succeeded');
    expect(jobState(job('FailureTarget'))).toBe('active');
    expect(jobState(job('Failed'))).toBe('failed');
    expect(jobState(job('Suspended'))).toBe('active');
  });

  it('prefers the worker summary', () => {
    const o = computeOutcome({
      job: job('Failed', 'PodFailurePolicy'),
      pod: pod(14),
      summary: { reason: 'AuthenticationFailed', exitCode: 14, message: 'source: authentication failed for alice' },
    });
    expect(o).toEqual({
      phase: 'Failed',
      reason: 'AuthenticationFailed',
      message: 'source: authentication failed for alice',
      exitCode: 14,
      permanent: true,
    });
  });

  it('falls back to the exit code, then to the Job condition', () => {
    expect(computeOutcome({ job: job('Failed', 'BackoffLimitExceeded'), pod: pod(10) })).toMatchObject({
      phase: 'Failed',
      reason: 'ConnectFailed',
      permanent: false,
    });
    expect(computeOutcome({ job: job('Failed', 'BackoffLimitExceeded'), pod: pod(137) })).toMatchObject({
      reason: 'Killed',
    });
    expect(computeOutcome({ job: job('Failed', 'DeadlineExceeded') })).toMatchObject({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
    });
    expect(computeOutcome({ job: job('Complete') })).toMatchObject({ phase: 'Succeeded', reason: 'Succeeded' });
  });

  it('reports an abort as Aborted', () => {
    expect(computeOutcome({ job: job('Failed'), pod: pod(30) }).phase).toBe('Aborted');
  });

  it('never reads an interruption as an abort: only the controller decides that a run was aborted', () => {
    // The Job ignores exit 31 and makes a new pod; should a Job still end with it, the run failed.
    expect(computeOutcome({ job: job('Failed'), pod: pod(31) })).toMatchObject({
      phase: 'Failed',
      reason: 'Interrupted',
    });
  });

  describe('a worker the kubelet OOMKilled', () => {
    const oomPod = (
      limit: string | undefined,
      where: 'state' | 'lastState' = 'state',
      reason = 'OOMKilled',
    ): V1Pod => ({
      spec: {
        containers: [{ name: 'worker', ...(limit ? { resources: { limits: { memory: limit } } } : {}) }],
      },
      status: {
        containerStatuses: [{ name: 'worker', [where]: { terminated: { exitCode: 137, reason } } } as never],
      },
    });

    it.each([
      [
        'limit and mailbox size',
        oomPod('512Mi'),
        { messagesTotal: 330000 },
        'the worker ran out of memory (OOMKilled at its limit of 512Mi) syncing a mailbox of 330,000 messages; raise spec.resources.limits.memory',
      ],
      [
        'killed while listing (size not known yet)',
        oomPod('1Gi', 'lastState'),
        undefined,
        'the worker ran out of memory (OOMKilled at its limit of 1Gi) syncing a mailbox whose size was not known yet; raise spec.resources.limits.memory',
      ],
      [
        'no limit in the pod spec',
        oomPod(undefined),
        { messagesTotal: 0 },
        'the worker ran out of memory (OOMKilled at its limit of unknown) syncing a mailbox whose size was not known yet; raise spec.resources.limits.memory',
      ],
    ])('OutOfMemory, not retried, with the limit and the message count: %s', (_case, p, progress, message) => {
      expect(computeOutcome({ job: job('Failed', 'PodFailurePolicy'), pod: p, progress })).toEqual({
        phase: 'Failed',
        reason: 'OutOfMemory',
        message,
        exitCode: 137,
        permanent: true,
      });
    });

    // Found by the fault matrix: the controller keeps pods trimmed in its cache (trimPod), and the trim
    // dropped the spec, so every real OOMKilled run said "at its limit of unknown".
    it('names the limit also for the pod as the controller caches it (trimPod)', () => {
      const outcome = computeOutcome({
        job: job('Failed'),
        pod: trimPod(oomPod('96Mi')),
        progress: { messagesTotal: 24 },
      });
      expect(outcome.message).toBe(
        'the worker ran out of memory (OOMKilled at its limit of 96Mi) syncing a mailbox of 24 messages; raise spec.resources.limits.memory',
      );
    });

    it.each([
      ['a SIGKILL at the end of the grace period', oomPod('512Mi', 'state', 'Error'), 'Killed'],
      ['a plain exit 137', pod(137), 'Killed'],
    ])('other kills stay Killed: %s', (_case, p, reason) => {
      expect(computeOutcome({ job: job('Failed'), pod: p, progress: { messagesTotal: 5 } }).reason).toBe(reason);
    });

    it('a summary the worker wrote before it was killed still wins (it ended the run itself)', () => {
      const summary = { reason: 'Succeeded', exitCode: 0, message: 'done' };
      expect(computeOutcome({ job: job('Complete'), pod: oomPod('512Mi'), summary }).reason).toBe('Succeeded');
    });
  });
});
