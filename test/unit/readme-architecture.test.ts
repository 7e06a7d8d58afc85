import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PACKAGE_MAP_BEGIN,
  PACKAGE_ROLES,
  packageMapTable,
  packageNames,
  packageRows,
  ROOT,
  withPackageMap,
} from '../../scripts/package-map.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const architecture = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('## Development'));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

describe('README Architecture: the package map', () => {
  it('has a role for every package of src/ and no role for a package that is gone', () => {
    expect(Object.keys(PACKAGE_ROLES).sort()).toEqual(packageNames());
  });

  it('reads the imports from the code: the controller builds on kube, the CLI on the engine, api on nothing', () => {
    const rows = new Map(packageRows().map((row) => [row.name, row]));
    expect(rows.get('controller')?.imports).toContain('kube');
    expect(rows.get('cli')?.imports).toContain('sync');
    expect(rows.get('api')?.imports).toEqual([]);
    expect(rows.get('kube')?.npm).toContain('@kubernetes/client-node');
  });

  it('lists a package only after every package it imports (lower rows never import higher ones)', () => {
    const seen = new Set<string>();
    for (const row of packageRows()) {
      for (const imported of row.imports) expect(seen, `${row.name} imports ${imported}`).toContain(imported);
      seen.add(row.name);
    }
  });

  it('refuses a package without a role instead of writing an empty cell', () => {
    expect(() => packageMapTable([{ name: 'nowhere', imports: [], npm: [] }])).toThrow(/no role .* nowhere/);
  });

  it('refuses a document without its markers instead of appending a second table', () => {
    expect(() => withPackageMap('# no map here\n')).toThrow(/README.md has no markers/);
  });

  it('is up to date in README.md (run `npx tsx scripts/package-map.ts`, or `npm run build && npm run docs`)', () => {
    expect(readme).toContain(PACKAGE_MAP_BEGIN);
    expect(withPackageMap(readme)).toBe(readme);
  });
});

describe('README Architecture: where each concept lives', () => {
  const named = [...architecture.matchAll(/`([^`\s]+)`/g)].map((match) => match[1]!);
  const srcFiles = new Set(filesUnder(join(ROOT, 'src')));

  it('names only paths that exist', () => {
    const paths = named.filter((text) => text.startsWith('src/'));
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });

  it('names only file names that exist somewhere in src/', () => {
    const bare = named.filter((text) => /^[\w.-]+\.ts$/.test(text));
    expect(bare.length).toBeGreaterThan(10);
    for (const name of bare) expect(srcFiles.has(name), name).toBe(true);
  });
});
