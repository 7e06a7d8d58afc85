/**
 * The sync engine's entry point (src/sync/engine.ts), loaded on demand so that
 * `mailsync help` and argument errors do not pay for loading the engine.
 */
import type { runSync } from '../sync/engine.js';
import { MailsyncError } from '../sync/errors.js';

export type RunSync = typeof runSync;

export async function loadRunSync(): Promise<RunSync> {
  try {
    return (await import('../sync/engine.js')).runSync;
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
