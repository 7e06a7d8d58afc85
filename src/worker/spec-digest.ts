/**
 * The worker runs only the spec the controller wrote: with MAILSYNC_SPEC_DIGEST
 * set (the controller puts the digest of the spec it wrote into the Job), a
 * mounted spec file with another digest (its ConfigMap edited since) stops
 * the run before any connection, so nobody who may only edit ConfigMaps can
 * point the worker, and the passwords it holds, at another server.
 */
import { readFileSync } from 'node:fs';
import { contentDigest } from '../api/content-digest.js';
import { ConfigError } from '../sync/errors.js';

export function checkSpecDigest(path: string, expected: string | undefined): void {
  if (!expected) return;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return; // unreadable: reading it for real reports why
  }
  if (contentDigest(text) !== expected) {
    throw new ConfigError(
      `${path} is not the spec the controller wrote for this run (its digest differs: the ConfigMap was changed since); not run`,
    );
  }
}
