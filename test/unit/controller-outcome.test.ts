import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
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
});
