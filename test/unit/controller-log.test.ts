import { describe, expect, it } from 'vitest';
import type { Summary } from '../../src/api/events.js';
import { LOG_TAIL_MAX_BYTES, LOG_TAIL_MAX_LINES } from '../../src/api/status.js';
import {
  parseWorkerLine,
  readableLines,
  sinceTimeOf,
  splitTimestamp,
  timestampNanos,
} from '../../src/controller/log-lines.js';
import { LogTail, truncateUtf8 } from '../../src/controller/log-tail.js';
import { RunLog } from '../../src/controller/run-log.js';

const T = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const line = (seconds: string, body: object) =>
  `2026-01-01T00:00:${seconds}Z ${JSON.stringify({ level: 30, time: T, schema: 1, ...body })}`;
const summary: Summary = {
  verdict: 'success',
  reason: 'Succeeded',
  exitCode: 0,
  mode: 'sync',
  startTime: '2026-01-01T00:00:00.000Z',
  endTime: '2026-01-01T00:00:09.000Z',
  durationSeconds: 9,
  foldersSynced: 2,
  foldersCreated: 1,
  messagesTransferred: 120,
  messagesSkipped: 3,
  duplicatesSkipped: 1,
  messagesFailed: 0,
  messagesDeletedOnSource: 0,
  messagesDeletedOnDestination: 0,
  flagsUpdated: 0,
  bytesTransferred: 2_000_000,
  messagesPerSecond: 13.3,
  bytesPerSecond: 222_222,
  errors: 0,
  reconnects: 0,
  biggestMessageBytes: 100_000,
  verificationMissing: 0,
  state: { INBOX: { uidvalidity: 1, uidnext: 121 } },
  message: 'all 123 messages present on the destination',
};

describe('worker log lines', () => {
  it('splits the kubelet timestamp and orders timestamps to the nanosecond', () => {
    const l = splitTimestamp('2026-01-01T00:00:01.5Z {"a":1}');
    expect(l?.text).toBe('{"a":1}');
    expect(l?.timestamp).toBe('2026-01-01T00:00:01.5Z');
    expect(timestampNanos('2026-01-01T00:00:01.5Z')).toBe(timestampNanos('2026-01-01T00:00:01.500000000Z'));
    expect(timestampNanos('2026-01-01T00:00:01.000000001Z')! > timestampNanos('2026-01-01T00:00:01Z')!).toBe(true);
    expect(sinceTimeOf('2026-01-01T00:00:01.999999999Z')).toBe('2026-01-01T00:00:01Z');
    expect(splitTimestamp('no timestamp')).toBeUndefined();
  });

  it('tells engine events, plain pino lines and other output apart', () => {
    expect(parseWorkerLine('{"level":30,"schema":1,"event":"abort","signal":"SIGTERM"}').kind).toBe('event');
    expect(parseWorkerLine('{"level":40,"msg":"certificate not verified"}')).toMatchObject({
      kind: 'log',
      level: 40,
      msg: 'certificate not verified',
    });
    expect(parseWorkerLine('Error: boom')).toEqual({ kind: 'raw', text: 'Error: boom' });
    expect(parseWorkerLine('{not json')).toEqual({ kind: 'raw', text: '{not json' });
  });

  // The words themselves are table-tested in event-text.test.ts; here: the clock, progress left out, raw lines.
  it.each<[string, string, string[]]>([
    [
      'an event, with the UTC clock',
      JSON.stringify({
        level: 30,
        time: T,
        event: 'folder.begin',
        folder: 'INBOX',
        destinationFolder: 'INBOX',
        messages: 12,
      }),
      ['00:00:00 Folder INBOX -> INBOX (12 messages)'],
    ],
    [
      'progress (only updates status.progress)',
      JSON.stringify({ level: 30, time: T, event: 'progress', progress: {} }),
      [],
    ],
    ['a plain warning', JSON.stringify({ level: 40, time: T, msg: 'slow server' }), ['00:00:00 WARNING slow server']],
    ['a line without a time', JSON.stringify({ level: 30, msg: 'hello' }), ['hello']],
    ['other output as it is', 'Error: boom', ['Error: boom']],
    ['an empty line', '   ', []],
  ])('renders %s', (_name, text, expected) => {
    expect(readableLines(parseWorkerLine(text))).toEqual(expected);
  });

  it('renders the summary as totals and verdict, without the delta state', () => {
    const lines = readableLines(parseWorkerLine(JSON.stringify({ level: 30, time: T, event: 'summary', summary })));
    expect(lines).toEqual([
      '00:00:00 Totals: transferred 120, skipped 3, failed 0, 1.91 MiB in 9 s (13.3 msg/s)',
      'Verdict: success (Succeeded, exit code 0): all 123 messages present on the destination',
    ]);
  });
});

describe('log tail ring buffer', () => {
  it(`keeps at most ${LOG_TAIL_MAX_LINES} lines, the newest`, () => {
    const tail = new LogTail();
    for (let i = 0; i < 120; i++) tail.push(`line ${i}`);
    const lines = tail.lines();
    expect(lines).toHaveLength(LOG_TAIL_MAX_LINES);
    expect(lines.at(-1)).toBe('line 119');
    expect(lines[0]).toBe(`line ${120 - LOG_TAIL_MAX_LINES}`);
  });

  it(`keeps at most ${LOG_TAIL_MAX_BYTES} bytes, cutting huge lines without splitting characters`, () => {
    const tail = new LogTail();
    for (let i = 0; i < 40; i++) tail.push('é'.repeat(2000));
    expect(tail.bytes).toBeLessThanOrEqual(LOG_TAIL_MAX_BYTES);
    const total = tail.lines().reduce((n, l) => n + Buffer.byteLength(l), 0);
    expect(total).toBe(tail.bytes);
    for (const l of tail.lines()) expect(l).not.toContain('\uFFFD');
    expect(truncateUtf8('ab€cd', 6)).toBe('ab...');
  });
});

describe('run log (status.progress, summary, logTail and the resume position)', () => {
  const lines = [
    line('01.100', { event: 'start', mode: 'sync', source: 'alice@src:993', destination: 'alice@dst:993' }),
    line('01.100', { event: 'folders', total: 2, messagesTotal: 123 }),
    line('02', { event: 'folder.begin', folder: 'INBOX', destinationFolder: 'INBOX', messages: 100 }),
    line('03', {
      event: 'progress',
      progress: {
        foldersDone: 0,
        foldersTotal: 2,
        messagesCopied: 60,
        messagesSkipped: 0,
        messagesFailed: 0,
        messagesTotal: 123,
        bytesCopied: 1000,
        messagesPerSecond: 30,
        bytesPerSecond: 500,
        etaSeconds: 2.2,
      },
    }),
    line('09', { event: 'summary', summary }),
  ];

  it('derives progress with printer-column strings, and the summary without the delta state', () => {
    const log = new RunLog();
    log.beginPod('pod-1');
    for (const l of lines.slice(0, 4)) log.apply(l);
    expect(log.snapshot().progress).toMatchObject({ messagesCopied: 60, display: '60/123', etaSeconds: 3 });
    expect(log.snapshot().progress?.rate).toMatch(/^30\.0 msg\/s/);
    log.apply(lines[4]!);
    const snap = log.snapshot();
    expect(snap.summary).toMatchObject({ reason: 'Succeeded', messagesTransferred: 120 });
    expect(snap.summary).not.toHaveProperty('state');
    expect(log.fullSummary?.state).toEqual(summary.state);
    expect(snap.progress?.display).toBe('123/123');
    expect(snap.logStream).toEqual({ pod: 'pod-1', timestamp: '2026-01-01T00:00:09Z', linesAtTimestamp: 1 });
  });

  it('resumes from a status snapshot without duplicating or losing lines, even within one timestamp', () => {
    const full = new RunLog();
    full.beginPod('pod-1');
    for (const l of lines) full.apply(l);

    for (let cut = 1; cut < lines.length; cut++) {
      const first = new RunLog();
      first.beginPod('pod-1');
      for (const l of lines.slice(0, cut)) first.apply(l);
      const saved = first.snapshot();
      // A new controller process: starts from the status, re-reads from the second of the last line.
      const resumed = new RunLog({
        logTail: saved.logTail,
        progress: saved.progress,
        summary: saved.summary,
        position: saved.logStream,
      });
      const since = resumed.beginPod('pod-1');
      expect(since).toBeDefined();
      const sinceNanos = timestampNanos(since!)!;
      for (const l of lines.filter((l) => splitTimestamp(l)!.nanos >= sinceNanos)) resumed.apply(l);
      expect(resumed.snapshot(), `cut after ${cut} lines`).toEqual(full.snapshot());
    }
  });

  it('starts a fresh summary for a retry pod and marks the pod switch in the tail', () => {
    const log = new RunLog();
    log.beginPod('pod-1');
    log.apply(lines[4]!);
    log.markDone();
    expect(log.done).toBe(true);
    expect(log.beginPod('pod-2')).toBeUndefined();
    expect(log.done).toBe(false);
    expect(log.summary).toBeUndefined();
    expect(log.snapshot().logTail).toContain('--- new worker pod pod-2 ---');
  });

  it('an interrupted run: the first pod to its end, the marker, the second pod, even across a controller restart', () => {
    const interrupted = line('04', {
      event: 'summary',
      summary: { ...summary, verdict: 'aborted', reason: 'Interrupted', exitCode: 31, message: 'stopped by SIGTERM' },
    });
    const first = [lines[0]!, lines[1]!, interrupted];
    const full = new RunLog();
    full.beginPod('pod-1');
    for (const l of first) full.apply(l);
    full.markDone();
    full.beginPod('pod-2');
    for (const l of lines) full.apply(l);
    const tail = full.snapshot().logTail;
    const marker = tail.indexOf('--- new worker pod pod-2 ---');
    expect(tail.slice(marker - 1, marker)[0]).toMatch(/^Verdict: aborted \(Interrupted, exit code 31\)/);
    const second = new RunLog();
    second.beginPod('pod-2');
    for (const l of lines) second.apply(l);
    expect(tail.slice(marker + 1)).toEqual(second.snapshot().logTail);

    for (let cut = 1; cut < lines.length; cut++) {
      const before = new RunLog();
      before.beginPod('pod-1');
      for (const l of first) before.apply(l);
      before.markDone();
      before.beginPod('pod-2');
      for (const l of lines.slice(0, cut)) before.apply(l);
      const saved = before.snapshot();
      const resumed = new RunLog({ ...saved, position: saved.logStream });
      const sinceNanos = timestampNanos(resumed.beginPod('pod-2')!)!;
      for (const l of lines.filter((l) => splitTimestamp(l)!.nanos >= sinceNanos)) resumed.apply(l);
      expect(resumed.snapshot(), `restart after ${cut} lines of pod-2`).toEqual(full.snapshot());
    }
  });
});
