/** Rewrites the generated MailSync field table in README.md (npm run docs, after npm run build). */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withFieldTable } from './field-table.js';

const readme = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');
writeFileSync(readme, withFieldTable(readFileSync(readme, 'utf8')));
console.log('README.md: MailSync field table updated');
