import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, PERMANENT_REASONS } from '../../src/api/exit-codes.js';
import { isRetriable, NOT_RETRIED, retryTable, withRetryTable } from '../../src/api/retry-policy.js';
import type { MailSyncStatus } from '../../src/api/status.js';
import { nonRetriableExitCodes } from '../../src/controller/job-builder.js';
import {
  backoffSeconds,
  decideRetry,
  RETRY_DEFAULTS,
  retrySettings,
  withRetryVerdict,
} from '../../src/controller/retry.js';
import { runStarted } from '../../src/controller/transitions.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const step = { generation: 3, now: '2026-01-01T12:00:00Z' };

describe('retry policy', () => {
  it.each([
    ['ConnectFailed', true],
    ['InternalError', true],
    ['ErrorsPresent', true],
    ['ErrorBudgetExceeded', true],
    ['VerificationFailed', true],
    ['Killed', true],
    ['UnknownExitCode', true],
    ['JobFailed', true],
    ['JobDeleted', true],
    ['DeadlineExceeded', true],
    ['AuthenticationFailed', false],
    ['TLSFailed', false],
    ['InvalidConfiguration', false],
    ['ByteCapReached', false],
    ['Aborted', false],
    ['Succeeded', false],
  ])('%s retriable: %s', (reason, retriable) => {
    expect(isRetriable(reason)).toBe(retriable);
  });

  it('never retries what the outcome calls permanent, nor what the Job itself refuses to retry', () => {
    for (const reason of PERMANENT_REASONS) expect(isRetriable(reason), reason).toBe(false);
    // The Job's pod retries (podFailurePolicy FailJob) stop on exactly the codes of the reasons never retried.
    const codesOfNotRetried = Object.entries(EXIT_CODES)
      .filter(([reason]) => NOT_RETRIED.has(reason))
      .flatMap(([, code]) => (typeof code === 'number' ? [code] : [code.source, code.destination]))
      .sort((a, b) => a - b);
    expect(nonRetriableExitCodes()).toEqual(codesOfNotRetried);
  });

  it('docs/exit-codes.md carries the generated retry table (npm run docs)', () => {
    const doc = readFileSync(new URL('../../docs/exit-codes.md', import.meta.url), 'utf8');
    expect(withRetryTable(doc)).toBe(doc);
    expect(retryTable()).toContain('| `ConnectFailed` | 10, 11 | yes (spec.retry) |');
    expect(retryTable()).toMatch(/\| `AuthenticationFailed` \| 14, 15 \| no: /);
  });
});

describe('backoff (exponential, full jitter)', () => {
  const settings = retrySettings({ initialBackoffSeconds: 10, maxBackoffSeconds: 600 });
  it.each([
    // retry number, random, seconds
    [1, 1, 10],
    [2, 1, 20],
    [3, 1, 40],
    [7, 1, 600],
    [30, 1, 600],
    [1, 0.5, 5],
    [3, 0.25, 10],
    [5, 0, 1],
  ])('retry %i with random %f waits %i s', (retry, random, seconds) => {
    expect(backoffSeconds(retry, settings, () => random)).toBe(seconds);
  });

  it('spreads syncs that failed together over the whole window', () => {
    let x = 0;
    const values = Array.from({ length: 100 }, () => backoffSeconds(4, settings, () => (x++ % 100) / 100));
    expect(Math.min(...values)).toBe(1);
    expect(Math.max(...values)).toBe(79);
    expect(new Set(values).size).toBeGreaterThan(50);
  });

  it('has documented defaults', () => {
    expect(retrySettings(undefined)).toEqual(RETRY_DEFAULTS);
    expect(RETRY_DEFAULTS).toEqual({ limit: 3, initialBackoffSeconds: 10, maxBackoffSeconds: 600 });
  });
});

describe('retry decision after a run', () => {
  const settings = retrySettings({ limit: 2, initialBackoffSeconds: 10 });
  const decide = (phase: 'Succeeded' | 'Failed' | 'Aborted', reason: string, attempts: number) =>
    decideRetry({ outcome: { phase, reason }, attempts, settings, now: NOW, random: () => 1 });

  it.each([
    ['Failed', 'ConnectFailed', 1, { retry: true, retryNumber: 1, at: new Date('2026-01-01T12:00:10Z') }],
    ['Failed', 'ConnectFailed', 2, { retry: true, retryNumber: 2, at: new Date('2026-01-01T12:00:20Z') }],
    ['Failed', 'ConnectFailed', 3, { retry: false, why: 'RetriesExhausted' }],
    ['Failed', 'AuthenticationFailed', 1, { retry: false, why: 'NotRetriable' }],
    ['Failed', 'ByteCapReached', 1, { retry: false, why: 'NotRetriable' }],
    ['Failed', 'OutOfMemory', 1, { retry: false, why: 'NotRetriable' }],
    ['Aborted', 'Aborted', 1, { retry: false, why: 'NotRetriable' }],
    ['Succeeded', 'Succeeded', 2, { retry: false, why: 'Succeeded' }],
  ] as const)('%s %s after %i attempt(s)', (phase, reason, attempts, verdict) => {
    expect(decide(phase, reason, attempts)).toEqual(verdict);
  });

  it('limit 0 never retries', () => {
    const verdict = decideRetry({
      outcome: { phase: 'Failed', reason: 'ConnectFailed' },
      attempts: 1,
      settings: retrySettings({ limit: 0 }),
      now: NOW,
      random: () => 1,
    });
    expect(verdict).toEqual({ retry: false, why: 'RetriesExhausted' });
  });

  it('says so in status: nextRetryAt and a Retrying condition with the reason; cleared on success', () => {
    const failed: MailSyncStatus = { phase: 'Failed', retries: 0 };
    const scheduled = withRetryVerdict(
      failed,
      step,
      { reason: 'ConnectFailed' },
      decide('Failed', 'ConnectFailed', 1),
      settings,
    );
    expect(scheduled.nextRetryAt).toBe('2026-01-01T12:00:10Z');
    expect(scheduled.conditions).toEqual([
      expect.objectContaining({
        type: 'Retrying',
        status: 'True',
        reason: 'ConnectFailed',
        message: 'attempt 1 of 3 failed (ConnectFailed); retry 1 at 2026-01-01T12:00:10Z',
      }),
    ]);
    const exhausted = withRetryVerdict(
      { ...scheduled, retries: 2 },
      step,
      { reason: 'ConnectFailed' },
      decide('Failed', 'ConnectFailed', 3),
      settings,
    );
    expect(exhausted.nextRetryAt).toBeUndefined();
    expect(exhausted.conditions?.[0]).toMatchObject({ status: 'False', reason: 'RetriesExhausted' });
    const ok = withRetryVerdict(
      scheduled,
      step,
      { reason: 'Succeeded' },
      decide('Succeeded', 'Succeeded', 2),
      settings,
    );
    expect(ok.nextRetryAt).toBeUndefined();
    expect(ok.conditions).toEqual([]);
  });
});

describe('a started run records what it answers', () => {
  const before: MailSyncStatus = {
    phase: 'Failed',
    retries: 1,
    nextRetryAt: '2026-01-01T11:59:00Z',
    queuePosition: 4,
    lastRequestedAt: 'a',
    conditions: [
      {
        type: 'Retrying',
        status: 'True',
        reason: 'ConnectFailed',
        message: 'retry 2',
        lastTransitionTime: 'x',
      },
    ],
  };
  const run = { jobName: 'mailsync-h', pairHash: 'h' };
  it.each([
    ['retry', { trigger: 'retry' }, 2, 'a', true],
    ['generation', { trigger: 'generation' }, 0, 'a', false],
    ['requested', { trigger: 'requested', requestedAt: 'b' }, 0, 'b', false],
    ['schedule', { trigger: 'schedule', scheduledAt: '2026-01-01T12:00:00Z' }, 0, 'a', false],
  ] as const)('%s: retries %i, lastRequestedAt %s', (_what, trigger, retries, requested, keepsRetrying) => {
    const next = runStarted(before, step, { ...run, trigger });
    expect(next).toMatchObject({ phase: 'Pending', retries, lastRequestedAt: requested, startTime: step.now });
    expect(next.nextRetryAt).toBeUndefined();
    expect(next.queuePosition).toBeUndefined();
    expect(next.conditions?.some((c) => c.type === 'Retrying')).toBe(keepsRetrying);
    if ('scheduledAt' in trigger) expect(next.lastScheduledAt).toBe(trigger.scheduledAt);
  });
});
