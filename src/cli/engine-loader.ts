/**
 * The sync engine's entry point (src/sync/engine.ts), loaded on demand so that
 * `mailsync help` and argument errors do not pay for loading the engine.
 */
import type { Logger } from 'pino';
import type { Summary } from '../api/events.js';
import type { MailSyncSpec } from '../api/spec.js';
import { MailsyncError } from '../sync/errors.js';

export interface RunSyncOptions {
  logger: Logger;
  signal: AbortSignal;
  stateFile?: string;
}

export type RunSync = (spec: MailSyncSpec, options: RunSyncOptions) => Promise<Summary>;

export async function loadRunSync(): Promise<RunSync> {
  // A variable specifier: the engine is written in parallel and may not exist in every checkout.
  const specifier = '../sync/engine.js';
  let mod: { runSync?: RunSync };
  try {
    mod = (await import(specifier)) as { runSync?: RunSync };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes('engine.js')) {
      throw new MailsyncError('InternalError', 'the sync engine is not built (dist/sync/engine.js is missing)');
    }
    throw err;
  }
  if (typeof mod.runSync !== 'function') {
    throw new MailsyncError('InternalError', 'the sync engine does not export runSync');
  }
  return mod.runSync;
}
