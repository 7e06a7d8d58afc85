import { describe, expect, it } from 'vitest';
import type { Summary } from '../../src/api/events.js';
import { formatBytes, formatDuration, formatEvent, formatLine, formatSummary } from '../../src/cli/human-format.js';

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

describe('units', () => {
  it('formats bytes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.00 MiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300.0 MiB');
    expect(formatDuration(4.25)).toBe('4.3 s');
    expect(formatDuration(65.5)).toBe('1m06s');
    expect(formatDuration(3725)).toBe('1h02m05s');
  });
});

describe('events', () => {
  const ev = (event: Record<string, unknown>) => formatEvent({ schema: 1, level: 30, time: 0, ...event });

  it('renders each event of the schema as a readable line', () => {
    expect(ev({ event: 'start', mode: 'sync', source: 'joe@old:993', destination: 'joe@new:993' })).toBe(
      'Sync started (sync): joe@old:993 -> joe@new:993',
    );
    expect(ev({ event: 'connected', side: 'source', tls: 'implicit', capabilities: ['IMAP4rev1', 'IDLE'] })).toBe(
      'Connected to the source (implicit, 2 capabilities)',
    );
    expect(ev({ event: 'folders', total: 3, messagesTotal: 1 })).toBe('3 folders to sync, 1 message');
    expect(ev({ event: 'folder.begin', folder: 'INBOX.Sent', destinationFolder: 'Sent', messages: 20 })).toBe(
      'Folder INBOX.Sent -> Sent (20 messages)',
    );
    expect(
      ev({
        event: 'folder.plan',
        folder: 'INBOX',
        destinationFolder: 'INBOX',
        copy: 3,
        copyBytes: 3000,
        flagUpdates: 1,
        deleteOnDestination: 0,
        alreadyPresent: 17,
        duplicates: 0,
        filteredOut: 2,
        dryRun: true,
      }),
    ).toBe('Dry run: folder INBOX -> INBOX: 3 to copy (2.93 KiB), 17 already there, 1 flag updates, 2 filtered out');
    expect(ev({ event: 'folder.create', folder: 'Archive/2020', dryRun: false })).toBe('Created folder Archive/2020');
    expect(ev({ event: 'folder.create', folder: 'Archive', dryRun: true })).toBe('Would create folder Archive');
    expect(
      ev({
        event: 'folder.size',
        folder: 'INBOX',
        destinationFolder: 'INBOX',
        source: { messages: 2, bytes: 2048 },
      }),
    ).toBe('Folder INBOX: source 2 messages, 2.00 KiB; destination INBOX: does not exist');
    expect(ev({ event: 'folder.end', folder: 'INBOX', copied: 3, skipped: 17, failed: 0, missing: 0 })).toBe(
      'Folder INBOX done: 3 copied, 17 skipped, 0 failed, verified',
    );
    expect(ev({ event: 'folder.end', folder: 'INBOX', copied: 0, skipped: 0, failed: 1, missing: 1 })).toMatch(
      /VERIFICATION FAILED: 1 missing on the destination$/,
    );
    expect(ev({ event: 'folder.end', folder: 'Sent', copied: 0, skipped: 0, failed: 0, unchanged: true })).toBe(
      'Folder Sent: unchanged since the last run',
    );
    expect(ev({ event: 'message.error', folder: 'INBOX', uid: 42, reason: 'TooBig', error: 'APPEND NO' })).toBe(
      'WARNING message UID 42 in INBOX not copied (TooBig): APPEND NO',
    );
    expect(ev({ event: 'error', reason: 'AuthenticationFailed', side: 'destination', error: 'LOGIN failed' })).toBe(
      'ERROR AuthenticationFailed on the destination: LOGIN failed',
    );
    expect(ev({ event: 'reconnect', side: 'source', attempt: 2 })).toBe('Reconnecting to the source (attempt 2)');
    expect(ev({ event: 'abort', signal: 'SIGTERM' })).toMatch(/^Stopping on SIGTERM: no new messages/);
  });

  it('renders progress with rates and ETA', () => {
    const line = ev({
      event: 'progress',
      progress: {
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
      },
    });
    expect(line).toBe(
      'Progress: 1/4 folders, 100/200 messages (90 copied, 9 skipped, 1 failed), 2.00 MiB, 45.5 msg/s, 1.00 MiB/s, ETA 3 s',
    );
  });

  it('renders plain log lines with their level and fields', () => {
    expect(formatEvent({ level: 40, time: 0, pid: 1, hostname: 'h', msg: 'careful' })).toBe('WARNING careful');
    expect(formatEvent({ level: 30, time: 0, msg: 'listed', folders: 3 })).toBe('listed folders=3');
  });

  it('still prints an event it does not know', () => {
    expect(formatEvent({ schema: 1, level: 30, time: 0, event: 'future.thing', n: 1, msg: 'x' })).toBe(
      'future.thing {"n":1}',
    );
  });

  it('prefixes the time', () => {
    const line = formatLine({ level: 30, time: 0, msg: 'hello' }, { clock: () => '12:00:00' });
    expect(line).toBe('12:00:00 hello');
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
  it('does not claim a verification that did not happen', () => {
    expect(verificationLine({ verdict: 'failed', reason: 'ConnectFailed' })).toMatch(/incomplete/);
    expect(verificationLine({ verdict: 'aborted', reason: 'Aborted' })).toMatch(/incomplete/);
    expect(verificationLine({ mode: 'dryRun' })).toMatch(/not applicable \(dryRun\)/);
    expect(verificationLine({ verdict: 'failed', verificationMissing: 2 })).toMatch(/2 folders with messages missing/);
  });
});
