/**
 * The sync engine's entry point (src/sync/engine.ts), loaded on demand so that
 * `mailsync help` and argument errors do not pay for loading the engine.
 * Used by the CLI and the worker.
 */
import type { runSync } from './engine.js';
import { MailsyncError } from './errors.js';

export type RunSync = typeof runSync;

export async function loadRunSync(): Promise<RunSync> {
  try {
    return (await import('./engine.js')).runSync;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new MailsyncError(
        'InternalError',
        `the sync engine is incomplete in this build: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}
