/**
 * Writes the CRDs (MailSync, MailMigration) to crds/ (npm run crds, after npm run build).
 * `--check` exits 1 when a committed file differs from the generator output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, crdYaml } from './crd.js';
import { MIGRATION_CRD_FILE, migrationCrdYaml } from './migration-crd.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let stale = false;
for (const [file, generated] of [
  [CRD_FILE, crdYaml()],
  [MIGRATION_CRD_FILE, migrationCrdYaml()],
] as const) {
  const target = join(root, file);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== generated) {
      console.error(`${file} is out of date: run npm run crds`);
      stale = true;
    } else console.log(`${file} is up to date`);
  } else {
    writeFileSync(target, generated);
    console.log(`wrote ${file}`);
  }
}
if (stale) process.exit(1);
