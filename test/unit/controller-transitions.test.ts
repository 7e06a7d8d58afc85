import { describe, expect, it } from 'vitest';
import type { MailSyncStatus } from '../../src/api/status.js';
import {
  runAborted,
  runBlocked,
  runFinished,
  runProgressing,
  runStarted,
  runWaiting,
} from '../../src/controller/transitions.js';
import { findCondition } from '../../src/kube/conditions.js';

const t0 = { generation: 1, now: '2026-01-01T00:00:00Z' };
const t1 = { generation: 1, now: '2026-01-01T00:01:00Z' };
const run = { jobName: 'mailsync-h', pairHash: 'h' };

describe('status computation', () => {
  it('a started run clears the previous run and is Pending until the pod runs', () => {
    const previous: MailSyncStatus = {
      phase: 'Failed',
      lastError: { reason: 'AuthenticationFailed', message: 'x' },
      summary: { reason: 'AuthenticationFailed' },
      completionTime: 'old',
      logTail: ['old line'],
      attempts: 3,
      interruptions: 2,
      lastInterruption: { pod: 'p', reason: 'PodDeleted', message: 'm', time: 'old' },
      workerPod: 'p2',
    };
    const s = runStarted(previous, t0, run);
    for (const counted of ['attempts', 'interruptions', 'lastInterruption', 'workerPod']) {
      expect(s, 'a new run counts its own worker pods').not.toHaveProperty(counted);
    }
    expect(s).toMatchObject({
      phase: 'Pending',
      runGeneration: 1,
      jobName: 'mailsync-h',
      startTime: t0.now,
      logTail: [],
    });
    expect(s).not.toHaveProperty('lastError');
    expect(s).not.toHaveProperty('summary');
    expect(s).not.toHaveProperty('completionTime');
    expect(s.observedGeneration).toBe(1);
    expect(findCondition(s.conditions, 'Running')?.status).toBe('True');
  });

  it.each([
    [{}, 'Job mailsync-h created'],
    [{ inBatch: true }, 'joined the batch of Job mailsync-h'],
  ])('says what exists: a created Job, or a place in a batch whose Job is made later (%j)', (how, step) => {
    const s = runStarted({}, t0, { ...run, ...how });
    expect(findCondition(s.conditions, 'Running')).toMatchObject({
      status: 'True',
      reason: 'JobCreated',
      message: step,
    });
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'JobCreated',
      message: `${step}; waiting for the worker pod`,
    });
  });

  it('goes Running when the worker runs, keeping the Ready transition time', () => {
    const started = runStarted({}, t0, run);
    const s = runProgressing(started, t1, { ...run, runGeneration: 1, startTime: t0.now, podRunning: true });
    expect(s.phase).toBe('Running');
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Running',
      lastTransitionTime: t0.now,
    });
  });

  it('says when a spec change applies to the next run', () => {
    const started = runStarted({}, t0, run);
    const s = runProgressing(
      started,
      { generation: 2, now: t1.now },
      {
        ...run,
        runGeneration: 1,
        startTime: t0.now,
        podRunning: true,
      },
    );
    expect(s.pendingGeneration).toBe(2);
    expect(findCondition(s.conditions, 'SpecChangePending')).toMatchObject({
      status: 'True',
      reason: 'AppliesToNextRun',
    });
    const later = runStarted(s, { generation: 2, now: t1.now }, run);
    expect(later).not.toHaveProperty('pendingGeneration');
    expect(findCondition(later.conditions, 'SpecChangePending')).toBeUndefined();
  });

  it('waiting names the holder and mirrors its log', () => {
    const s = runWaiting({}, t0, { holder: 'ns/b', holderJob: 'ns/mailsync-h', pairHash: 'h', logTail: ['line'] });
    expect(s).toMatchObject({ phase: 'Waiting', waitingFor: 'ns/b', logTail: ['line'] });
    expect(findCondition(s.conditions, 'Ready')).toMatchObject({ reason: 'AccountPairBusy' });
    expect(findCondition(s.conditions, 'Ready')?.message).toContain('ns/b');
  });

  it('waiting for a holder in another namespace: no holder named, an earlier waitingFor dropped', () => {
    const s = runWaiting({ phase: 'Waiting', waitingFor: 'ns/b' }, t0, { pairHash: 'h' });
    expect(s.phase).toBe('Waiting');
    expect(s.waitingFor).toBeUndefined();
    expect(findCondition(s.conditions, 'Ready')?.message).toBe(
      'the account pair is busy in another namespace; this one runs when that sync ends',
    );
  });

  it('a finished run records phase, reason, completion time and lastError', () => {
    const started = runStarted({}, t0, run);
    const failed = runFinished(
      started,
      t1,
      { phase: 'Failed', reason: 'AuthenticationFailed', message: 'source: LOGIN failed', permanent: true },
      { summary: { reason: 'AuthenticationFailed' }, logTail: ['x'] },
    );
    expect(failed).toMatchObject({
      phase: 'Failed',
      completionTime: t1.now,
      lastError: { reason: 'AuthenticationFailed', message: 'source: LOGIN failed' },
      summary: { reason: 'AuthenticationFailed' },
    });
    expect(findCondition(failed.conditions, 'Running')?.message).toContain('not retried');
    const ok = runFinished(
      started,
      t1,
      { phase: 'Succeeded', reason: 'Succeeded', message: 'all', permanent: false },
      {},
    );
    expect(ok).not.toHaveProperty('lastError');
    expect(findCondition(ok.conditions, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: t1.now });
  });

  it('a spec problem is Failed when retrying cannot help, Pending when it can', () => {
    expect(runBlocked({}, t0, { reason: 'InvalidConfiguration', message: 'bad regex', retry: false }, 'h').phase).toBe(
      'Failed',
    );
    const pending = runBlocked({}, t0, { reason: 'SecretNotFound', message: 'no secret', retry: true }, 'h');
    expect(pending.phase).toBe('Pending');
    expect(findCondition(pending.conditions, 'Ready')).toMatchObject({
      reason: 'SecretNotFound',
      message: 'no secret',
    });
  });

  it('suspend ends a running run as Aborted with a completion time', () => {
    const started = runStarted({}, t0, run);
    const s = runAborted(started, t1, { summary: { reason: 'Aborted' } }, 'aborted');
    expect(s).toMatchObject({ phase: 'Aborted', completionTime: t1.now, summary: { reason: 'Aborted' } });
    expect(findCondition(s.conditions, 'Ready')?.reason).toBe('Suspended');
  });
});
