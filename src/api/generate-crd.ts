/**
 * Writes the MailSync CRD to crds/ (npm run crds, after npm run build).
 * `--check` exits 1 when the committed file differs from the generator output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, crdYaml } from './crd.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = join(root, CRD_FILE);
const generated = crdYaml();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== generated) {
    console.error(`${CRD_FILE} is out of date: run npm run crds`);
    process.exit(1);
  }
  console.log(`${CRD_FILE} is up to date`);
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${CRD_FILE}`);
}
