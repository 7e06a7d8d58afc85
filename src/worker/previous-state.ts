/**
 * The delta state of the last run, mounted by the controller from the
 * MailSync's state ConfigMap (read-only). It is handed to the engine in
 * memory; the new state comes back in the final summary (Summary.state),
 * which the controller stores for the next run. A missing or unreadable state
 * only costs a full comparison, never a failed run.
 */
import { readFileSync } from 'node:fs';
import { contentDigest } from '../api/content-digest.js';

/**
 * `expectedDigest` (MAILSYNC_STATE_DIGEST) is the digest the controller
 * checked before it started this run: a file that differs from it (the
 * ConfigMap changed between the check and the pod's start) is not used.
 */
export function readPreviousState(
  path: string | undefined,
  expectedDigest?: string,
): { state?: unknown; problem?: string } {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `cannot read ${path}: ${(err as Error).message}` };
  }
  if (expectedDigest && contentDigest(text) !== expectedDigest) {
    return { problem: `${path} is not the state the controller checked (its digest differs)` };
  }
  if (text.trim() === '') return {};
  try {
    return { state: JSON.parse(text) };
  } catch (err) {
    return { problem: `${path} is not JSON: ${(err as Error).message}` };
  }
}
