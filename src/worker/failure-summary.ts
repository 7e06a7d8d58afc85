/**
 * The summary of a run that never started (a bad spec, a missing Secret
 * file): the controller reads an outcome from every run, so the worker
 * writes one with the error's reason and exit code.
 */
import type { Logger } from 'pino';
import { EVENT_SCHEMA_VERSION, type Summary } from '../api/events.js';
import { asMailsyncError } from '../sync/errors.js';

/** The summary of a run that never started (bad spec, missing Secret file): the controller still gets one. */
export function failureSummary(err: unknown, mode = 'sync', now = new Date()): Summary {
  const e = asMailsyncError(err);
  const time = now.toISOString();
  return {
    verdict: 'failed',
    reason: e.reason,
    exitCode: e.exitCode,
    mode,
    startTime: time,
    endTime: time,
    durationSeconds: 0,
    foldersSynced: 0,
    foldersCreated: 0,
    messagesTransferred: 0,
    messagesSkipped: 0,
    duplicatesSkipped: 0,
    messagesFailed: 0,
    messagesDeletedOnSource: 0,
    messagesDeletedOnDestination: 0,
    flagsUpdated: 0,
    bytesTransferred: 0,
    messagesPerSecond: 0,
    bytesPerSecond: 0,
    errors: 1,
    reconnects: 0,
    biggestMessageBytes: 0,
    verificationMissing: 0,
    message: e.message,
  };
}

export function logFailure(logger: Logger, err: unknown): Summary {
  const e = asMailsyncError(err);
  const summary = failureSummary(e);
  logger.error(
    {
      schema: EVENT_SCHEMA_VERSION,
      event: 'error',
      reason: e.reason,
      ...(e.side ? { side: e.side } : {}),
      error: e.message,
    },
    'error',
  );
  logger.info({ schema: EVENT_SCHEMA_VERSION, event: 'summary', summary }, 'summary');
  return summary;
}
