/**
 * `mailsync sync --imapsync-compat`: the end of the run as imapsync prints it
 * (imapsync-stats.ts) with imapsync's exit code (imapsync-exit.ts). This file
 * measures what the statistics need from the process (memory, CPU, load) and
 * writes imapsync's comments, which name the user or host of the failing side.
 */
import os from 'node:os';
import type { Summary } from '../api/events.js';
import type { MailSyncSpec } from '../api/spec.js';
import type { Side } from '../sync/errors.js';
import { type ImapsyncExit, imapsyncExit } from './imapsync-exit.js';
import { exitLines, type RunFacts, statisticsLines } from './imapsync-stats.js';

/** Measured when the command starts; the end is measured when the report is written. */
export interface CompatStart {
  memoryStartBytes: number;
  cpu: NodeJS.CpuUsage;
}

export function compatStart(): CompatStart {
  return { memoryStartBytes: process.memoryUsage().rss, cpu: process.cpuUsage() };
}

export interface CompatOutcome {
  reason: string;
  side?: Side;
  /** Absent when the command failed before the engine ran (bad options). */
  summary?: Summary;
  spec?: MailSyncSpec;
  foldersTotal?: number;
}

/** imapsync's comment_err_* texts (the host2 one says host2; imapsync's own says host1 by mistake). */
function comment(exit: ImapsyncExit, spec: MailSyncSpec | undefined): string {
  const side = exit.error?.endsWith('2') ? spec?.destination : spec?.source;
  const n = exit.error?.endsWith('2') ? '2' : '1';
  switch (exit.error) {
    case 'ERR_AUTHENTICATION_FAILURE_USER1':
    case 'ERR_AUTHENTICATION_FAILURE_USER2':
      return `Check the credentials for ${side?.user ?? 'NA'}.`;
    case 'ERR_CONNECTION_FAILURE_HOST1':
    case 'ERR_CONNECTION_FAILURE_HOST2':
      return `Check that host${n} ${side?.host ?? 'NA'} on port ${side?.port ?? 'NA'} is the right IMAP server to be contacted for your mailbox.`;
    case 'ERR_OVERQUOTA':
      return 'The destination mailbox is 100% full, get free space on it and then resume the sync.';
    case 'ERR_TRANSFER_EXCEEDED':
      return `The maximum transfer size for a single sync is reached ( over ${spec?.throttle?.maxBytesPerRun ?? 'NA'} bytes ). Relaunch the sync to sync more.`;
    default:
      return '';
  }
}

/** The lines to print at the end and the exit code, as imapsync would have them. */
export function compatReport(outcome: CompatOutcome, start: CompatStart): { lines: string[]; code: number } {
  const exit = imapsyncExit(outcome.reason, outcome.side);
  const summary = outcome.summary;
  const failed = exit.code !== 0;
  // imapsync counts at least the error that ended it.
  const errors = Math.max(summary?.errors ?? 0, failed ? 1 : 0);
  const lines: string[] = [];
  const nothingDone =
    summary === undefined || summary.foldersSynced + summary.messagesTransferred + summary.messagesSkipped === 0;
  if (summary && !(exit.beforeStatistics && nothingDone)) {
    const cpu = process.cpuUsage(start.cpu);
    const facts: RunFacts = {
      ...(outcome.foldersTotal !== undefined ? { foldersTotal: outcome.foldersTotal } : {}),
      memoryStartBytes: start.memoryStartBytes,
      memoryEndBytes: process.memoryUsage().rss,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      loadAverage: os.loadavg(),
      cores: os.availableParallelism(),
    };
    lines.push(...statisticsLines(summary, facts, errors));
  }
  lines.push(
    ...exitLines({
      exit,
      errors,
      errorsMax: outcome.spec?.errorsMax ?? 50,
      pid: process.pid,
      comment: comment(exit, outcome.spec),
    }),
  );
  return { lines, code: exit.code };
}
