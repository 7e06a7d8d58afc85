/**
 * The package map of src/ in README "Architecture": one row per package (a
 * top-level folder of src/, and src/main.ts) with what it holds, the packages
 * it imports and the npm packages it uses. The import columns are read from
 * the code (TypeScript's own import scanner), so the table cannot drift from
 * it; the "holds" column is PACKAGE_ROLES below, and a package without a role
 * (or a role without a package) fails test/unit/readme-architecture.test.ts.
 *
 *   npx tsx scripts/package-map.ts    rewrites the table in README.md (also run by `npm run docs`)
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { withGeneratedBlock } from '../src/api/generated-block.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

export const PACKAGE_MAP_BEGIN = '<!-- package map: generated from the imports of src/ by `npm run docs` -->';
export const PACKAGE_MAP_END = '<!-- end of the package map -->';

/** What each package holds (the one hand-written column). Keys: folders of src/, and main.ts. */
export const PACKAGE_ROLES: Readonly<Record<string, string>> = {
  api: 'resource types and the one spec module (schemas, defaults, `specProblems`, Secret references, endpoint identity), engine events and their text, exit codes, the import of account files and the per-account report (for the CLI and the console)',
  sync: 'the IMAP engine, usable without Kubernetes; `imap-raw/` is the one IMAP client of a run',
  imapsync:
    "imapsync's command-line options as spec fields, for `mailsync sync` and the option column of account files",
  kube: 'generic Kubernetes plumbing (client, kubeconfig, informers, work queue, leader election, events); no MailSync knowledge',
  metrics: "the controller's Prometheus metrics and the port that serves them",
  worker:
    'the worker pod program: the mounted spec and Secrets, one engine run (or one per account of a batch), its exit code',
  cli: 'the `mailsync` command: sync, report, import',
  controller:
    'reconcile and the run steps of MailSyncs, Jobs, status, log streaming, admission; `migration/` reconciles MailMigrations',
  console:
    'the web console: the self-service page /X (form, Test logins, Sync!, live view from one watch, Abort! by credential hash) and the admin view /admin (`admin/`: migrations and syncs, every list and action checked with a SubjectAccessReview for the signed-in user); an API client like the CLI',
  'main.ts':
    'the entry point: starts the CLI, the worker, the controller or the console (the last two by an `import()` of a variable, which this table does not see)',
};

export interface PackageRow {
  name: string;
  imports: string[];
  npm: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The packages of src/: its folders, and its top-level files (main.ts). */
export function packageNames(): string[] {
  return readdirSync(SRC)
    .filter((name) => statSync(join(SRC, name)).isDirectory() || /\.ts$/.test(name))
    .sort();
}

/** "api" for src/api/x.ts, "main.ts" for src/main.ts; undefined outside src/. */
function packageOf(file: string): string | undefined {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  return rel.split(/[\\/]/)[0];
}

/** The npm package a bare specifier names ("@scope/name/sub" -> "@scope/name"); undefined for node: builtins. */
function npmPackage(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** One row per package, with what its files import (value and type imports alike, as the lint rules count them). */
export function packageRows(): PackageRow[] {
  const rows = new Map(packageNames().map((name) => [name, { imports: new Set<string>(), npm: new Set<string>() }]));
  for (const file of sourceFiles(SRC)) {
    const own = packageOf(file)!;
    const row = rows.get(own)!;
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (specifier.startsWith('.')) {
        const target = packageOf(resolve(dirname(file), specifier));
        if (target && target !== own) row.imports.add(target);
      } else {
        const name = npmPackage(specifier);
        if (name) row.npm.add(name);
      }
    }
  }
  return layered(
    [...rows].map(([name, { imports, npm }]) => ({ name, imports: [...imports].sort(), npm: [...npm].sort() })),
  );
}

/** Lowest layer first (a package after everything it imports), by name within a layer; a cycle throws. */
function layered(rows: PackageRow[]): PackageRow[] {
  const placed: PackageRow[] = [];
  let left = rows;
  while (left.length > 0) {
    const ready = left.filter((row) => row.imports.every((name) => placed.some((p) => p.name === name)));
    if (ready.length === 0) throw new Error(`import cycle between packages: ${left.map((r) => r.name).join(', ')}`);
    placed.push(...ready.sort((a, b) => a.name.localeCompare(b.name)));
    left = left.filter((row) => !ready.includes(row));
  }
  return placed;
}

const code = (text: string) => `\`${text}\``;
const label = (name: string) => (name.endsWith('.ts') ? `src/${name}` : `src/${name}/`);

export function packageMapTable(rows: PackageRow[] = packageRows()): string {
  const missing = rows.filter((row) => !PACKAGE_ROLES[row.name]).map((row) => row.name);
  if (missing.length > 0) throw new Error(`no role in scripts/package-map.ts for: ${missing.join(', ')}`);
  const lines = [
    '| package | holds | imports (from src/) | npm packages |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${code(label(row.name))} | ${PACKAGE_ROLES[row.name]} | ${row.imports.map(code).join(', ') || 'nothing'} | ${row.npm.map(code).join(', ') || 'none'} |`,
    ),
  ];
  return lines.join('\n');
}

/** README text with the table between the markers replaced; throws when a marker is missing. */
export function withPackageMap(readme: string, table: string = packageMapTable()): string {
  const block = `${PACKAGE_MAP_BEGIN}\n${table}\n${PACKAGE_MAP_END}`;
  return withGeneratedBlock(readme, { begin: PACKAGE_MAP_BEGIN, end: PACKAGE_MAP_END, block, doc: 'README.md' });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const readme = join(ROOT, 'README.md');
  writeFileSync(readme, withPackageMap(readFileSync(readme, 'utf8')));
  console.log('README.md: package map updated');
}
