/**
 * --imapsync-compat: imapsync's statistics block and exit codes, checked
 * against imapsync 2.229's own source lines (test/fixtures/imapsync/).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../src/api/events.js';
import { EXIT_CODES, type Reason } from '../../src/api/exit-codes.js';
import { IMAPSYNC_EXITS, imapsyncExit } from '../../src/cli/imapsync-exit.js';
import { compatReport } from '../../src/cli/imapsync-report.js';
import { bytesBin, exitLines, localTimeZ, type RunFacts, statisticsLines } from '../../src/cli/imapsync-stats.js';
import { parseSyncArgs } from '../../src/imapsync/parse.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/imapsync/${name}`, import.meta.url), 'utf8');

const SUMMARY: Summary = {
  verdict: 'success',
  reason: 'Succeeded',
  exitCode: 0,
  mode: 'sync',
  startTime: '2026-12-03T08:16:05.000Z',
  endTime: '2026-12-03T08:16:17.500Z',
  durationSeconds: 12.5,
  foldersSynced: 4,
  foldersCreated: 1,
  messagesTransferred: 25,
  messagesSkipped: 5,
  duplicatesSkipped: 2,
  messagesFailed: 0,
  messagesDeletedOnSource: 0,
  messagesDeletedOnDestination: 3,
  flagsUpdated: 1,
  bytesTransferred: 2_097_152,
  messagesPerSecond: 2,
  bytesPerSecond: 167_772,
  errors: 0,
  reconnects: 0,
  biggestMessageBytes: 524_288,
  verificationMissing: 0,
  message: 'all 30 messages present on the destination',
};
const FACTS: RunFacts = {
  foldersTotal: 5,
  memoryStartBytes: 50 * 1024 * 1024,
  memoryEndBytes: 80 * 1024 * 1024,
  cpuSeconds: 2.5,
  loadAverage: [0.5, 0.25, 1],
  cores: 2,
  timeZone: 'UTC',
};

describe('the statistics block', () => {
  it('is imapsync\'s, line for line (values mailsync does not count are "NA", as imapsync prints them)', () => {
    expect(statisticsLines(SUMMARY, FACTS, 0)).toEqual([
      '++++ Statistics',
      'Transfer started on                     : Thursday 03 December 2026-12-03 08:16:05 +0000 UTC',
      'Transfer ended on                       : Thursday 03 December 2026-12-03 08:16:17 +0000 UTC',
      'Transfer time                           : 12.5 sec',
      'Folders synced                          : 4/5 synced',
      'Messages transferred                    : 25 ',
      'Messages skipped                        : 5',
      'Messages found duplicate on host1       : 2',
      'Messages found duplicate on host2       : NA',
      'Messages found crossduplicate on host2  : NA',
      'Messages void (noheader) on host1       : 0  ',
      'Messages void (noheader) on host2       : NA',
      'Messages found in host1 not in host2    : 0 messages',
      'Messages found in host2 not in host1    : NA messages',
      'Messages deleted on host1               : 0',
      'Messages deleted on host2               : 3',
      'Total bytes transferred                 : 2097152 (2.000 MiB)',
      'Total bytes skipped                     : NA (NA)',
      'Message rate                            : 2.0 messages/s',
      'Average bandwidth rate                  : 163.8 KiB/s',
      'Reconnections to host1                  : 0',
      'Reconnections to host2                  : 0',
      'Memory consumption at the end           : 80.0 MiB (*time 0.3 MiB*h) (started with 50.0 MiB)',
      'Load end is                             : 0.50 0.25 1.00 on 2 cores',
      'CPU time and %cpu                       : 2.50 sec 20.0 %cpu 10.0 %allcpus',
      'Biggest message transferred             : 524288 bytes (512.000 KiB)',
      'Memory/biggest message ratio            : 160.0',
      'The sync looks good, all 30 identified messages in host1 are on host2.',
      'There is no unidentified message on host1.',
      'Detected 0 errors',
      '',
    ]);
  });

  it("uses imapsync's labels, in its order and its column (imapsync 2.229's do_and_print_stats)", () => {
    // Each printing statement of the source: "Label<spaces>: value".
    const source = [...fixture('statistics-2.229.txt').matchAll(/"([A-Z][^"]*?\s+: )/g)].map((m) => m[1] ?? '');
    const ours = statisticsLines(SUMMARY, FACTS, 0)
      .map((line) => /^([A-Z][^:]*?\s+: )/.exec(line)?.[1])
      .filter((prefix): prefix is string => prefix !== undefined);
    // The two "difference" lines are printed by imapsync only with --foldersizesatend (not computed here).
    expect(ours).toEqual(source.filter((p) => !p.includes('difference')));
    expect(fixture('statistics-2.229.txt')).toContain('myprint( "Detected $mysync->{nb_errors} errors\\n" )');
  });

  it('a dry run says what a real run would transfer, as imapsync does', () => {
    const dry = { ...SUMMARY, mode: 'dryRun', messagesTransferred: 0, dryRun: { wouldCopy: 7 } } as Summary;
    const lines = statisticsLines(dry, FACTS, 0);
    expect(lines).toContain('Messages transferred                    : 0 (could be 7 without dry mode)');
    expect(lines.join('\n')).not.toContain('The sync looks good');
  });

  it('a run with errors: no "sync looks good", the errors counted, reconnections unknown per host', () => {
    const failed = { ...SUMMARY, verdict: 'errors', reason: 'ErrorsPresent', errors: 3, reconnects: 2 } as Summary;
    const lines = statisticsLines(failed, FACTS, 3);
    expect(lines).toContain('Messages found in host1 not in host2    : NA messages');
    expect(lines).toContain('Reconnections to host1                  : NA');
    expect(lines.slice(-2)).toEqual(['Detected 3 errors', '']);
    expect(lines.join('\n')).not.toContain('The sync looks good');
  });

  it.each([
    [0, '0.000 KiB'],
    [1536, '1.500 KiB'],
    [999 * 1024, '999.000 KiB'],
    [1000 * 1024, '0.977 MiB'],
    [3 * 1024 ** 3, '3.000 GiB'],
  ])('bytes %d read %s (bytes_display_string_bin)', (bytes, text) => {
    expect(bytesBin(bytes)).toBe(text);
  });

  it.each([
    ['UTC', 'Thursday 03 December 2026-12-03 08:16:05 +0000 UTC'],
    ['Europe/Paris', 'Thursday 03 December 2026-12-03 09:16:05 +0100 GMT+1'],
    ['America/New_York', 'Thursday 03 December 2026-12-03 03:16:05 -0500 EST'],
  ])('dates in %s as strftime %%A %%d %%B %%Y-%%m-%%d %%H:%%M:%%S %%z %%Z', (zone, text) => {
    expect(localTimeZ('2026-12-03T08:16:05Z', zone)).toBe(text);
  });
});

describe("imapsync's exit codes", () => {
  const source = fixture('exit-codes-2.229.txt');
  type Case = [Reason, 'source' | 'destination' | undefined];
  const cases = (Object.keys(EXIT_CODES) as Reason[]).flatMap((reason): Case[] =>
    typeof EXIT_CODES[reason] === 'number'
      ? [[reason, undefined]]
      : [
          [reason, 'source'],
          [reason, 'destination'],
        ],
  );

  it.each(cases)('%s (%s): a code and name of imapsync 2.229', (reason, side) => {
    const exit = imapsyncExit(reason, side);
    const constant = exit.name.split(':')[0] ?? '';
    // "Readonly my $EXIT_TLS_FAILURE =>  12 ;" and "$EXIT_TLS_FAILURE => 'EXIT_TLS_FAILURE'," in the source.
    expect(source).toMatch(new RegExp(`Readonly my \\$${constant}\\s+=>\\s+${exit.code}\\s*;`));
    expect(source).toMatch(new RegExp(`\\$${constant}\\s+=> '${exit.name}',`));
  });

  it.each<[string, 'source' | 'destination' | undefined, number]>([
    ['Succeeded', undefined, 0],
    ['InvalidConfiguration', undefined, 64],
    ['AuthenticationFailed', 'source', 161],
    ['AuthenticationFailed', 'destination', 162],
    ['ConnectFailed', 'source', 101],
    ['ConnectFailed', 'destination', 102],
    ['TLSFailed', 'destination', 12],
    ['ErrorsPresent', undefined, 111],
    ['ErrorBudgetExceeded', undefined, 112],
    ['QuotaExceeded', undefined, 113],
    ['ByteCapReached', undefined, 118],
    ['Aborted', undefined, 6],
    ['SomethingNew', undefined, 1],
  ])('%s %s -> %d', (reason, side, code) => {
    expect(imapsyncExit(reason, side).code).toBe(code);
  });

  it('maps every reason', () => {
    expect(Object.keys(IMAPSYNC_EXITS).sort()).toEqual(Object.keys(EXIT_CODES).sort());
  });

  it('prints the exit line as imapsync does', () => {
    const exit = imapsyncExit('AuthenticationFailed', 'source');
    expect(exitLines({ exit, errors: 1, errorsMax: 50, pid: 301, comment: 'Check the credentials for joe.' })).toEqual([
      'The most frequent error is ERR_AUTHENTICATION_FAILURE_USER1. Check the credentials for joe.',
      'Exiting with return value 161 (EXIT_AUTHENTICATION_FAILURE_USER1) 1/50 nb_errors/max_errors PID 301',
    ]);
    expect(exitLines({ exit: imapsyncExit('Succeeded'), errors: 0, errorsMax: 50, pid: 301, comment: '' })).toEqual([
      'Exiting with return value 0 (EX_OK: successful termination) 0/50 nb_errors/max_errors PID 301',
    ]);
  });
});

describe('the report at the end of a run', () => {
  const start = { memoryStartBytes: 1, cpu: process.cpuUsage() };
  const spec = { source: { host: 'old.example', user: 'joe' }, destination: { host: 'new.example', user: 'joe2' } };

  it('a refused login: no statistics block (imapsync stops before it), the comment names the user', () => {
    const summary = { ...SUMMARY, verdict: 'failed', reason: 'AuthenticationFailed', exitCode: 15, foldersSynced: 0 };
    const nothing = { ...summary, messagesTransferred: 0, messagesSkipped: 0 } as Summary;
    const report = compatReport(
      { reason: 'AuthenticationFailed', side: 'destination', summary: nothing, spec: spec as never },
      start,
    );
    expect(report.code).toBe(162);
    expect(report.lines).toEqual([
      'The most frequent error is ERR_AUTHENTICATION_FAILURE_USER2. Check the credentials for joe2.',
      `Exiting with return value 162 (EXIT_AUTHENTICATION_FAILURE_USER2) 1/50 nb_errors/max_errors PID ${process.pid}`,
    ]);
  });

  it('a success: the block, "Detected 0 errors", exit 0', () => {
    const report = compatReport({ reason: 'Succeeded', summary: SUMMARY, spec: spec as never }, start);
    expect(report.code).toBe(0);
    expect(report.lines[0]).toBe('++++ Statistics');
    expect(report.lines).toContain('Detected 0 errors');
    expect(report.lines.at(-1)).toMatch(/^Exiting with return value 0 \(EX_OK: successful termination\) 0\/50 /);
  });

  it('bad options (no summary): EX_USAGE 64', () => {
    const report = compatReport({ reason: 'InvalidConfiguration' }, start);
    expect(report.code).toBe(64);
    expect(report.lines.at(-1)).toMatch(/^Exiting with return value 64 \(EX_USAGE: command line usage error\) 1\/50 /);
  });
});

describe('--imapsync-compat on the command line', () => {
  const parse = (...argv: string[]) => parseSyncArgs(argv, { isFile: () => false });
  it('is a flag of the command', () => {
    expect(parse('--imapsync-compat').imapsyncCompat).toBe(true);
    expect(parse().imapsyncCompat).toBe(false);
  });
  it('cannot go with JSON log lines', () => {
    expect(() => parse('--imapsync-compat', '--log-format', 'json')).toThrow(/cannot go with --log-format json/);
  });
});
