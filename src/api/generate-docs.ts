/** Rewrites the generated blocks of the docs (npm run docs, after npm run build): the README's MailSync field table, the retry table of docs/exit-codes.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withFieldTable } from './field-table.js';
import { withRetryTable } from './retry-policy.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = join(root, 'README.md');
writeFileSync(readme, withFieldTable(readFileSync(readme, 'utf8')));
console.log('README.md: MailSync field table updated');
const exitCodes = join(root, 'docs', 'exit-codes.md');
writeFileSync(exitCodes, withRetryTable(readFileSync(exitCodes, 'utf8')));
console.log('docs/exit-codes.md: retry table updated');
