import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type LogRecord, lineText, summaryTotals, verdictLine } from '../../src/api/event-text.js';
import type { Summary } from '../../src/api/events.js';
import { formatBytes, formatDuration, plural } from '../../src/api/units-text.js';
import { formatLine } from '../../src/cli/human-format.js';
import { parseWorkerLine, readableLines } from '../../src/controller/log-lines.js';

const T = 1_767_225_600_000; // 2026-01-01T00:00:00Z

const summary: Summary = {
  verdict: 'errors',
  reason: 'ErrorsPresent',
  exitCode: 20,
  mode: 'sync',
  startTime: '2026-01-01T00:00:00.000Z',
  endTime: '2026-01-01T00:01:05.500Z',
  durationSeconds: 65.5,
  foldersSynced: 2,
  foldersCreated: 1,
  messagesTransferred: 120,
  messagesSkipped: 3,
  duplicatesSkipped: 1,
  messagesFailed: 1,
  messagesDeletedOnSource: 0,
  messagesDeletedOnDestination: 0,
  flagsUpdated: 0,
  bytesTransferred: 2 * 1024 * 1024,
  messagesPerSecond: 1.83,
  bytesPerSecond: 32_000,
  errors: 1,
  reconnects: 0,
  biggestMessageBytes: 100_000,
  verificationMissing: 0,
  state: { INBOX: { uidvalidity: 1, uidnext: 121 } },
  message: '1 messages failed, 1 errors; the other messages are on the destination',
};

const progress = {
  foldersDone: 1,
  foldersTotal: 4,
  messagesCopied: 90,
  messagesSkipped: 9,
  messagesFailed: 1,
  messagesTotal: 200,
  bytesCopied: 2 * 1024 * 1024,
  messagesPerSecond: 45.5,
  bytesPerSecond: 1024 * 1024,
  etaSeconds: 3,
};

const plan = {
  folder: 'INBOX',
  destinationFolder: 'INBOX',
  copy: 3,
  copyBytes: 3000,
  flagUpdates: 1,
  deleteOnDestination: 0,
  alreadyPresent: 17,
  duplicates: 0,
  filteredOut: 2,
};

/** Every event of src/api/events.ts (and plain lines): the record and the words it renders to. */
const cases: [string, LogRecord, string[]][] = [
  [
    'start',
    { event: 'start', mode: 'sync', source: 'joe@old:993', destination: 'joe@new:993' },
    ['Sync started (sync): joe@old:993 -> joe@new:993'],
  ],
  [
    'connected',
    { event: 'connected', side: 'source', tls: 'implicit', capabilities: ['IMAP4rev1', 'IDLE'] },
    ['Connected to the source (implicit, 2 capabilities)'],
  ],
  [
    'connected, one capability',
    { event: 'connected', side: 'destination', tls: 'starttls', capabilities: ['IMAP4rev1'] },
    ['Connected to the destination (starttls, 1 capability)'],
  ],
  ['folders', { event: 'folders', total: 3, messagesTotal: 1 }, ['3 folders to sync, 1 message']],
  ['folders, total unknown', { event: 'folders', total: 1 }, ['1 folder to sync']],
  [
    'folder.begin',
    { event: 'folder.begin', folder: 'INBOX.Sent', destinationFolder: 'Sent', messages: 20 },
    ['Folder INBOX.Sent -> Sent (20 messages)'],
  ],
  [
    'folder.plan, dry run',
    { event: 'folder.plan', ...plan, dryRun: true },
    ['Dry run: folder INBOX -> INBOX: 3 to copy (2.93 KiB), 17 already there, 1 flag updates, 2 filtered out'],
  ],
  [
    'folder.plan, real run with duplicates and deletions',
    {
      event: 'folder.plan',
      ...plan,
      duplicates: 2,
      deleteOnDestination: 4,
      flagUpdates: 0,
      filteredOut: 0,
      dryRun: false,
    },
    ['Folder INBOX -> INBOX: 3 to copy (2.93 KiB), 17 already there, 2 duplicates, 4 to delete on the destination'],
  ],
  ['folder.create', { event: 'folder.create', folder: 'Archive/2020', dryRun: false }, ['Created folder Archive/2020']],
  [
    'folder.create, dry run',
    { event: 'folder.create', folder: 'Archive', dryRun: true },
    ['Would create folder Archive'],
  ],
  [
    'folder.size, destination absent',
    { event: 'folder.size', folder: 'INBOX', destinationFolder: 'INBOX', source: { messages: 2, bytes: 2048 } },
    ['Folder INBOX: source 2 messages, 2.00 KiB; destination INBOX: does not exist'],
  ],
  [
    'folder.size, both sides',
    {
      event: 'folder.size',
      folder: 'INBOX.Sent',
      destinationFolder: 'Sent',
      source: { messages: 1, bytes: 512 },
      destination: { messages: 0, bytes: 0 },
    },
    ['Folder INBOX.Sent: source 1 message, 512 B; destination Sent: 0 messages, 0 B'],
  ],
  [
    'folder.end, verified',
    { event: 'folder.end', folder: 'INBOX', copied: 3, skipped: 17, failed: 0, missing: 0 },
    ['Folder INBOX done: 3 copied, 17 skipped, 0 failed, verified'],
  ],
  [
    'folder.end, verification failed',
    { event: 'folder.end', folder: 'INBOX', copied: 0, skipped: 0, failed: 1, missing: 1 },
    ['Folder INBOX done: 0 copied, 0 skipped, 1 failed, VERIFICATION FAILED: 1 missing on the destination'],
  ],
  [
    'folder.end, flags and deletions, not verified',
    {
      event: 'folder.end',
      folder: 'Sent',
      copied: 1,
      skipped: 2,
      failed: 0,
      flagsUpdated: 5,
      deletedOnDestination: 6,
      deletedOnSource: 7,
    },
    [
      'Folder Sent done: 1 copied, 2 skipped, 0 failed, 5 flags updated, 6 deleted on the destination, 7 deleted on the source',
    ],
  ],
  [
    'folder.end, unchanged',
    { event: 'folder.end', folder: 'Sent', copied: 0, skipped: 0, failed: 0, unchanged: true },
    ['Folder Sent: unchanged since the last run'],
  ],
  [
    'progress',
    { event: 'progress', progress },
    [
      'Progress: 1/4 folders, 100/200 messages (90 copied, 9 skipped, 1 failed), 2.00 MiB, 45.5 msg/s, 1.00 MiB/s, ETA 3 s',
    ],
  ],
  [
    'message.error',
    { event: 'message.error', folder: 'INBOX', uid: 42, reason: 'TooBig', error: 'APPEND NO' },
    ['WARNING message UID 42 in INBOX not copied (TooBig): APPEND NO'],
  ],
  [
    'message.error without a UID',
    { event: 'message.error', folder: 'INBOX', reason: 'FetchFailed', error: 'gone' },
    ['WARNING message in INBOX not copied (FetchFailed): gone'],
  ],
  [
    'error',
    { event: 'error', reason: 'AuthenticationFailed', side: 'destination', error: 'LOGIN failed' },
    ['ERROR AuthenticationFailed on the destination: LOGIN failed'],
  ],
  ['error without a side', { event: 'error', reason: 'InternalError', error: 'boom' }, ['ERROR InternalError: boom']],
  ['reconnect', { event: 'reconnect', side: 'source', attempt: 2 }, ['WARNING reconnecting to the source (attempt 2)']],
  [
    'abort',
    { event: 'abort', signal: 'SIGTERM' },
    ['WARNING stopping on SIGTERM: no new messages, finishing the one in flight (send it again to quit at once)'],
  ],
  [
    'summary',
    { event: 'summary', summary },
    [
      'Totals: transferred 120, skipped 3, failed 1, 2.00 MiB in 1m06s (1.83 msg/s)',
      'Verdict: errors (ErrorsPresent, exit code 20): 1 messages failed, 1 errors; the other messages are on the destination',
    ],
  ],
  ['an event this version does not know', { event: 'future.thing', n: 1, msg: 'x' }, ['future.thing {"n":1}']],
  ['a plain warning', { level: 40, pid: 1, hostname: 'h', msg: 'careful' }, ['WARNING careful']],
  ['a plain info line with fields', { msg: 'listed', folders: 3, side: 'source' }, ['listed folders=3 side=source']],
  [
    'a plain error with an err object',
    { level: 50, msg: 'failed', err: { message: 'socket hang up', stack: 'at x' } },
    ['ERROR failed: socket hang up'],
  ],
];

const withEnvelope = (record: LogRecord): LogRecord => ({
  level: 30,
  time: T,
  ...(record.event ? { schema: 1, msg: String(record.event) } : {}),
  ...record,
});

describe('the words of each worker line (api/event-text.ts)', () => {
  it.each(cases)('%s', (_name, record, expected) => {
    expect(lineText(withEnvelope(record))).toEqual(expected);
  });

  it.each(cases.filter(([, r]) => r.event !== 'summary'))(
    '%s: the CLI prints the same words after its clock',
    (_n, r, expected) => {
      expect(formatLine(withEnvelope(r), { clock: () => '12:00:00' })).toBe(`12:00:00 ${expected.join('\n')}`);
    },
  );

  it.each(cases.filter(([, r]) => r.event !== 'progress'))(
    '%s: status.logTail holds the same words after the UTC clock',
    (_n, r, expected) => {
      const [first, ...rest] = expected;
      expect(readableLines(parseWorkerLine(JSON.stringify(withEnvelope(r))))).toEqual([`00:00:00 ${first}`, ...rest]);
    },
  );

  it('keeps progress out of status.logTail (it only updates status.progress)', () => {
    expect(readableLines(parseWorkerLine(JSON.stringify(withEnvelope({ event: 'progress', progress }))))).toEqual([]);
  });

  it('ends the CLI summary with the same verdict line as the logTail', () => {
    const cli = formatLine(withEnvelope({ event: 'summary', summary })).split('\n');
    expect(cli[0]).toBe('++++ Statistics');
    expect(cli.at(-1)).toBe(verdictLine(summary));
    expect(lineText({ event: 'summary', summary }).at(-1)).toBe(verdictLine(summary));
  });

  it.each<[string, LogRecord]>([
    ['summary without a summary', { event: 'summary' }],
    ['progress of the wrong type', { event: 'progress', progress: 'lots' }],
    ['folder.size with null sides', { event: 'folder.size', folder: 'X', source: null, destination: null }],
    ['folder.end with strings for numbers', { event: 'folder.end', folder: 'X', copied: 'many', missing: '2' }],
    ['connected without capabilities', { event: 'connected', side: 'source' }],
  ])('renders a malformed line without throwing: %s', (_name, record) => {
    const lines = lineText(record);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toMatch(/undefined|NaN/);
  });

  it('never prints the delta state of the summary', () => {
    expect(lineText({ event: 'summary', summary }).join('\n')).not.toContain('uidvalidity');
  });
});

describe('docs/events.md', () => {
  const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  const block = (after: string, fence: string) => doc.split(after)[1]?.split(`${fence}\n`)[1]?.split('```')[0] ?? '';

  it('shows the logTail that its example run really gives', () => {
    const json = block('## Example', '```json').split('\n').filter(Boolean);
    expect(json.length).toBeGreaterThan(5);
    const tail = json.flatMap((line) => readableLines(parseWorkerLine(line)));
    expect(block('<!-- logtail-example -->', '```text')).toBe(`${tail.join('\n')}\n`);
  });
});

describe('summary totals (logTail and Events)', () => {
  it.each<[string, Partial<Summary> | undefined, string]>([
    ['no summary', undefined, 'no summary from the worker'],
    ['an empty status summary', {}, 'transferred 0, skipped 0, failed 0, 0 B in 0 s (0 msg/s)'],
    ['a full one', summary, 'transferred 120, skipped 3, failed 1, 2.00 MiB in 1m06s (1.83 msg/s)'],
  ])('%s', (_name, s, expected) => {
    expect(summaryTotals(s)).toBe(expected);
  });
});

describe('units (api/units-text.ts)', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [5 * 1024 * 1024, '5.00 MiB'],
    [300 * 1024 * 1024, '300.0 MiB'],
    [3 * 1024 ** 4, '3.00 TiB'],
    [2048 * 1024 ** 4, '2048.0 TiB'],
  ])('formatBytes(%d) = %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each<[number, string]>([
    [0, '0 s'],
    [4.25, '4.3 s'],
    [59.9, '59.9 s'],
    [65.5, '1m06s'],
    [3725, '1h02m05s'],
  ])('formatDuration(%d) = %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each<[number, string]>([
    [0, '0 messages'],
    [1, '1 message'],
    [2, '2 messages'],
  ])('plural(%d) = %s', (n, text) => {
    expect(plural(n, 'message')).toBe(text);
  });
});
