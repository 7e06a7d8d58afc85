/**
 * imapsync's end of run, line for line (imapsync 2.229: `do_and_print_stats`,
 * `comment_on_final_diff_in_1_not_in_2`, `errors_listing`, `exit_clean`), for
 * `mailsync sync --imapsync-compat`: scripts that grep "Detected 0 errors" or
 * "Messages transferred" keep working. A value mailsync does not count is
 * "NA", as imapsync itself prints for unknown values. Pure: the clock, memory
 * and CPU figures are passed in.
 */
import type { Summary } from '../api/events.js';
import type { ImapsyncExit } from './imapsync-exit.js';

/** What the statistics need besides the summary: measured by the caller at the end of the run. */
export interface RunFacts {
  /** Folders selected for the run (the `folders` event), when known. */
  foldersTotal?: number;
  memoryStartBytes: number;
  memoryEndBytes: number;
  cpuSeconds: number;
  /** 1, 5 and 15 minute load averages. */
  loadAverage: readonly number[];
  cores: number;
  /** IANA zone for the dates (default: the process's). */
  timeZone?: string;
}

export interface ExitFacts {
  exit: ImapsyncExit;
  errors: number;
  errorsMax: number;
  pid: number;
  /** imapsync's comment after the most frequent error ("Check the credentials for joe."), or ''. */
  comment: string;
}

const KIBI = 1024;
/** imapsync's label column: the label padded to 40 characters, then ": ". */
const row = (label: string, value: string) => `${label.padEnd(40)}: ${value}`;
const fixed1 = (n: number) => n.toFixed(1);

/** imapsync's bytes_display_string_bin: "%.3f KiB" below 1000 KiB, then MiB, GiB, TiB. */
export function bytesBin(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return 'NA';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  for (const [i, unit] of units.entries()) {
    if (Math.abs(bytes) < 1000 * KIBI ** (i + 1)) return `${(bytes / KIBI ** (i + 1)).toFixed(3)} ${unit}`;
  }
  return `${(bytes / KIBI ** 5).toFixed(3)} PiB`;
}

/** imapsync's localtimez: strftime('%A %d %B %Y-%m-%d %H:%M:%S %z %Z'). */
export function localTimeZ(iso: string, timeZone?: string): string {
  const date = new Date(iso);
  const parts = (options: Intl.DateTimeFormatOptions) =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', ...options })
        .formatToParts(date)
        .map((p) => [p.type, p.value]),
    );
  const p = parts({
    weekday: 'long',
    day: '2-digit',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const month = parts({ month: '2-digit' }).month;
  const offsetName = parts({ timeZoneName: 'longOffset' }).timeZoneName ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(offsetName);
  const offset = m ? `${m[1]}${m[2]}${m[3]}` : '+0000';
  const zone = parts({ timeZoneName: 'short' }).timeZoneName ?? 'UTC';
  return `${p.weekday} ${p.day} ${p.month} ${p.year}-${month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${offset} ${zone}`;
}

/** The "++++ Statistics" block through "Detected N errors". */
export function statisticsLines(s: Summary, facts: RunFacts, errors: number): string[] {
  const seconds = s.durationSeconds;
  const perSecond = seconds || 1; // imapsync: no division by 0
  const cpuPercent = (100 * facts.cpuSeconds) / perSecond;
  const mib = (bytes: number) => bytes / KIBI / KIBI;
  const identified = s.messagesTransferred + s.messagesSkipped;
  const verified = s.mode === 'sync' && s.verdict === 'success' && s.verificationMissing === 0;
  const reconnects = s.reconnects === 0 ? '0' : 'NA';
  const dry = s.dryRun ? `(could be ${s.dryRun.wouldCopy} without dry mode)` : '';
  const lines = [
    '++++ Statistics',
    row('Transfer started on', localTimeZ(s.startTime, facts.timeZone)),
    row('Transfer ended on', localTimeZ(s.endTime, facts.timeZone)),
    row('Transfer time', `${fixed1(seconds)} sec`),
    row('Folders synced', `${s.foldersSynced}/${facts.foldersTotal ?? s.foldersSynced} synced`),
    // imapsync prints a space after the number, then the dry-run remark (if any), then the newline.
    row('Messages transferred', `${s.messagesTransferred} ${dry}`),
    row('Messages skipped', String(s.messagesSkipped)),
    row('Messages found duplicate on host1', String(s.duplicatesSkipped)),
    row('Messages found duplicate on host2', 'NA'),
    row('Messages found crossduplicate on host2', 'NA'),
    // Every message has an identity in mailsync (Date, From, Subject and size when headers are missing).
    row('Messages void (noheader) on host1', '0  '),
    row('Messages void (noheader) on host2', 'NA'),
    row('Messages found in host1 not in host2', `${verified ? 0 : 'NA'} messages`),
    row('Messages found in host2 not in host1', 'NA messages'),
    row('Messages deleted on host1', String(s.messagesDeletedOnSource)),
    row('Messages deleted on host2', String(s.messagesDeletedOnDestination)),
    row('Total bytes transferred', `${s.bytesTransferred} (${bytesBin(s.bytesTransferred)})`),
    row('Total bytes skipped', 'NA (NA)'),
    row('Message rate', `${fixed1(s.messagesTransferred / perSecond)} messages/s`),
    row('Average bandwidth rate', `${fixed1(s.bytesTransferred / KIBI / perSecond)} KiB/s`),
    row('Reconnections to host1', reconnects),
    row('Reconnections to host2', reconnects),
    row(
      'Memory consumption at the end',
      `${fixed1(mib(facts.memoryEndBytes))} MiB (*time ${fixed1((seconds * mib(facts.memoryEndBytes)) / 3600)} MiB*h) (started with ${fixed1(mib(facts.memoryStartBytes))} MiB)`,
    ),
    row('Load end is', `${facts.loadAverage.map((l) => l.toFixed(2)).join(' ')} on ${facts.cores} cores`),
    row(
      'CPU time and %cpu',
      `${facts.cpuSeconds.toFixed(2)} sec ${fixed1(cpuPercent)} %cpu ${fixed1(cpuPercent / facts.cores)} %allcpus`,
    ),
    row('Biggest message transferred', `${s.biggestMessageBytes} bytes (${bytesBin(s.biggestMessageBytes)})`),
    row(
      'Memory/biggest message ratio',
      s.biggestMessageBytes > 0 ? fixed1(facts.memoryEndBytes / s.biggestMessageBytes) : 'NA',
    ),
  ];
  if (verified) {
    lines.push(
      `The sync looks good, all ${identified} identified messages in host1 are on host2.`,
      'There is no unidentified message on host1.',
    );
  }
  lines.push(`Detected ${errors} errors`, '');
  return lines;
}

/** After the statistics (or instead of them, when the login failed): the error line and the exit line. */
export function exitLines(facts: ExitFacts): string[] {
  const lines: string[] = [];
  if (facts.errors > 0 && facts.exit.error) {
    lines.push(`The most frequent error is ${facts.exit.error}. ${facts.comment}`);
  }
  lines.push(
    `Exiting with return value ${facts.exit.code} (${facts.exit.name}) ${facts.errors}/${facts.errorsMax} nb_errors/max_errors PID ${facts.pid}`,
  );
  return lines;
}
