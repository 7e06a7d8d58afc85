/**
 * The pieces every cell of the fault matrix shares: a small seeded mailbox
 * (random bodies, flags, keywords, INTERNALDATEs), a run that is repeated the
 * way the controller would (a retriable failure gets a new run with the kept
 * delta state), the exact-copy check of test/harness/exact-copy.ts, the
 * agreement between the engine's summary and that check, and a bound on the
 * engine's memory while the cell runs.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Summary } from '../../../src/api/events.js';
import { isRetriable } from '../../../src/api/retry-policy.js';
import type { MailSyncSpec } from '../../../src/api/spec.js';
import { type RunOptions, runSync } from '../../../src/sync/engine.js';
import type { DovecotServer } from '../../harness/dovecot.js';
import { compareMailboxes, type ExactCopyReport } from '../../harness/exact-copy.js';
import { appendMessages } from '../../harness/mailbox.js';
import { type Capture, captureLogger, makeMessage, type UserPair } from '../sync-helpers.js';

/** Reconnect quickly in tests (the default policy waits up to 15 s between attempts). */
export const FAST_RETRY = { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 6 };

const FLAG_SETS = [[], ['\\Seen'], ['\\Seen', '\\Flagged'], ['$Label1'], ['\\Answered', 'Project-X']];

/** A message body of `bytes` random base64 (incompressible: the proxies count real traffic). */
export function randomBody(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
}

/** Appends `count` messages to each folder (names without prefix) of the source; returns the source paths. */
export async function seed(
  server: DovecotServer,
  user: string,
  folders: Record<string, number>,
  bodyBytes = 3000,
): Promise<string[]> {
  const paths: string[] = [];
  for (const [name, count] of Object.entries(folders)) {
    const path = server.folder(name);
    await appendMessages(
      server,
      user,
      path,
      Array.from({ length: count }, (_, i) => ({
        raw: makeMessage({ subject: `${name} ${i}`, body: randomBody(bodyBytes) }),
        flags: FLAG_SETS[i % FLAG_SETS.length]!,
        date: new Date(Date.UTC(2019, i % 12, 1 + (i % 28), i % 24, i % 60, i % 60)),
      })),
    );
    paths.push(path);
  }
  return paths;
}

/** Runs the engine with a captured logger and records the engine's peak heap growth while it runs. */
export async function runCell(
  spec: MailSyncSpec,
  options: RunOptions & { onEvent?: Parameters<typeof captureLogger>[0] } = {},
): Promise<{ summary: Summary; capture: Capture; heapGrowthBytes: number }> {
  const capture = captureLogger(options.onEvent);
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  try {
    const summary = await runSync(spec, {
      progressIntervalMs: 100,
      reconnect: FAST_RETRY,
      logoutTimeoutMs: 500,
      ...options,
      logger: capture.logger,
    });
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { summary, capture, heapGrowthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * A few hundred small messages need a few MB; the bound is far above that and far below a leak
 * (a body or a listing kept per message, a retry loop piling up buffers).
 */
export const HEAP_BOUND_BYTES = 96 * 1024 * 1024;

/**
 * What the controller does after a run: a retriable failure gets a new run (with the delta state
 * the last run reported), up to `retries` times. Returns every summary, the last one last.
 */
export async function runAsController(
  spec: MailSyncSpec,
  first: Summary,
  options: RunOptions = {},
  retries = 3,
): Promise<Summary[]> {
  const summaries = [first];
  let last = first;
  while (last.reason !== 'Succeeded' && isRetriable(last.reason) && summaries.length <= retries) {
    ({ summary: last } = await runCell(spec, { ...options, state: last.state ?? options.state }));
    summaries.push(last);
  }
  return summaries;
}

/** The destination mailbox compared with the source (every folder, every message). */
export function exactCheck(users: UserPair): Promise<ExactCopyReport> {
  return compareMailboxes(
    { server: users.source, user: users.sourceUser },
    { server: users.destination, user: users.destinationUser },
  );
}

/** Destination == source: every message once, bodies byte-identical, flags, keywords, INTERNALDATE. */
export async function expectExact(users: UserPair): Promise<ExactCopyReport> {
  const report = await exactCheck(users);
  expect({ missing: report.missing, extra: report.extra }, 'destination == source').toEqual({
    missing: [],
    extra: [],
  });
  expect(report.exact).toBe(true);
  return report;
}

/**
 * The engine's word agrees with the check: a successful run means an exact copy, and its counts
 * add up to the source (copied + already present = every source message).
 */
export function expectSummaryAgrees(summary: Summary, report: ExactCopyReport): void {
  if (summary.verdict === 'success') {
    expect(report.exact, `summary says ${summary.reason} but the destination differs`).toBe(true);
    expect(summary.messagesFailed).toBe(0);
    expect(summary.verificationMissing).toBe(0);
    expect(summary.messagesTransferred + summary.messagesSkipped).toBe(report.sourceMessages);
  } else {
    expect(summary.reason).not.toBe('Succeeded');
    expect(summary.exitCode).not.toBe(0);
  }
}

/** A success summary (with its message on failure). */
export function expectSucceeded(summary: Summary): void {
  expect(summary, summary.message).toMatchObject({ verdict: 'success', reason: 'Succeeded', exitCode: 0 });
}
