/**
 * The delta state of the last run arrives as a mounted ConfigMap key, which
 * is read-only: the engine works on a private copy in a writable directory
 * and reports the new state in its final summary (the controller keeps it).
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../sync/errors.js';

/**
 * A writable state file path for the engine, holding the previous state when
 * there is one. A missing previous file is not an error: the first run has none.
 */
export function prepareStateFile(
  previous: string | undefined,
  workDir: string,
): { path: string; copied: boolean; problem?: string } {
  let dir: string;
  try {
    dir = mkdtempSync(join(workDir, 'mailsync-'));
  } catch (err) {
    throw new ConfigError(`work directory ${workDir} is not writable (mount an emptyDir there): ${String(err)}`);
  }
  const path = join(dir, 'state.json');
  if (!previous) return { path, copied: false };
  try {
    copyFileSync(previous, path);
    return { path, copied: true };
  } catch (err) {
    // An unreadable state only costs a full comparison; never a reason to fail the run.
    const code = (err as NodeJS.ErrnoException).code;
    return { path, copied: false, problem: code === 'ENOENT' ? undefined : String(err) };
  }
}
