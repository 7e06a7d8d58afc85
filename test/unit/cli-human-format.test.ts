import { describe, expect, it } from 'vitest';
import type { Summary } from '../../src/api/events.js';
import { formatLine, formatSummary } from '../../src/cli/human-format.js';

const summary: Summary = {
  verdict: 'success',
  reason: 'Succeeded',
  exitCode: 0,
  mode: 'sync',
  startTime: '2026-01-02T03:04:05.000Z',
  endTime: '2026-01-02T03:05:10.500Z',
  durationSeconds: 65.5,
  foldersSynced: 12,
  foldersCreated: 3,
  foldersUnchanged: 2,
  messagesTransferred: 1234,
  messagesSkipped: 10,
  duplicatesSkipped: 2,
  messagesFilteredOut: 5,
  messagesFailed: 0,
  messagesDeletedOnSource: 0,
  messagesDeletedOnDestination: 1,
  flagsUpdated: 7,
  bytesTransferred: 5 * 1024 * 1024,
  messagesPerSecond: 18.84,
  bytesPerSecond: 80_000,
  errors: 0,
  reconnects: 1,
  biggestMessageBytes: 2 * 1024 * 1024,
  verificationMissing: 0,
  message: 'all 1246 messages present on the destination',
};

describe('terminal lines', () => {
  it('prefixes the local time, or nothing without a time', () => {
    expect(formatLine({ level: 30, time: 0, msg: 'hello' }, { clock: () => '12:00:00' })).toBe('12:00:00 hello');
    expect(formatLine({ level: 30, msg: 'hello' })).toBe('hello');
  });
});

describe('final statistics', () => {
  it("reads like imapsync's block and ends with the verdict", () => {
    const lines = formatSummary(summary);
    expect(lines[0]).toBe('++++ Statistics');
    expect(lines).toContain('Transfer time                     : 1m06s');
    expect(lines).toContain('Folders synced                    : 12 (3 created, 2 unchanged)');
    expect(lines).toContain('Messages transferred              : 1234');
    expect(lines).toContain('Messages found duplicate on host1 : 2');
    expect(lines).toContain('Total bytes transferred           : 5242880 (5.00 MiB)');
    expect(lines).toContain('Verification                      : no folder misses a message');
    expect(lines.at(-2)).toBe('++++ End statistics');
    expect(lines.at(-1)).toBe(
      'Verdict: success (Succeeded, exit code 0): all 1246 messages present on the destination',
    );
  });

  it('shows the copies changed on their way (spec.messages), only when there are some', () => {
    expect(formatSummary({ ...summary, messagesChanged: 3 })).toContain('Messages changed on the way       : 3');
    expect(formatSummary({ ...summary, messagesChanged: 0 }).join('\n')).not.toContain('changed on the way');
  });

  it('shows the copies the destination server changed (8-bit header bytes), only when there are some', () => {
    const text = formatSummary({ ...summary, messagesChangedByServer: 2 }).join('\n');
    expect(text).toMatch(/^Messages changed by the destination server *: 2$/m);
    expect(formatSummary(summary).join('\n')).not.toContain('changed by the destination server');
  });

  it('adds the dry-run totals and folder sizes when present', () => {
    const text = formatSummary({
      ...summary,
      mode: 'dryRun',
      dryRun: {
        wouldCopy: 5,
        wouldCopyBytes: 5000,
        wouldUpdateFlags: 1,
        wouldDeleteOnDestination: 0,
        wouldCreateFolders: 2,
      },
      folderSizes: [{ folder: 'INBOX', destinationFolder: 'INBOX', source: { messages: 3, bytes: 3072 } }],
    }).join('\n');
    expect(text).toMatch(/---- Dry run: what a real run would do\nMessages to copy\s+: 5 \(4.88 KiB\)/);
    expect(text).toMatch(/INBOX\s+: 3 msgs, 3.00 KiB \| does not exist/);
  });

  it('is what a summary event prints', () => {
    expect(formatLine({ schema: 1, level: 30, time: 0, event: 'summary', summary })).toBe(
      formatSummary(summary).join('\n'),
    );
  });
});

describe('verification line', () => {
  const verificationLine = (s: Partial<Summary>) =>
    formatSummary({ ...summary, ...s }).find((l) => l.startsWith('Verification'));
  it.each<[string, Partial<Summary>, RegExp]>([
    ['a verified sync', {}, /no folder misses a message$/],
    ['a failed run', { verdict: 'failed', reason: 'ConnectFailed' }, /incomplete/],
    ['an aborted run', { verdict: 'aborted', reason: 'Aborted' }, /incomplete/],
    ['a dry run', { mode: 'dryRun' }, /not applicable \(dryRun\)/],
    ['missing messages', { verdict: 'failed', verificationMissing: 2 }, /2 folders with messages missing/],
  ])('does not claim a verification that did not happen: %s', (_name, s, expected) => {
    expect(verificationLine(s)).toMatch(expected);
  });
});
