/**
 * An access token given literally on the command line (imapsync accepts
 * both a token and a file): the engine reads tokens from files only, so the
 * CLI writes it to a private temporary file (directory 0700, file 0600) and
 * removes it when the process exits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Side } from '../sync/errors.js';

export interface TokenFiles {
  files: Partial<Record<Side, string>>;
  remove(): void;
}

export function writeTokenFiles(tokens: Partial<Record<Side, string>>): TokenFiles {
  const sides = Object.keys(tokens) as Side[];
  if (sides.length === 0) return { files: {}, remove: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'mailsync-token-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Also on process.exit() (the CLI exits explicitly) and on a second Ctrl-C.
  process.once('exit', remove);
  const files: Partial<Record<Side, string>> = {};
  for (const side of sides) {
    const file = join(dir, side);
    writeFileSync(file, tokens[side] ?? '', { mode: 0o600 });
    files[side] = file;
  }
  return { files, remove };
}
