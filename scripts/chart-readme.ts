/**
 * The values table of the chart README (charts/mailsync-operator/README.md), generated from
 * values.yaml the way helm-docs does it: a `# -- text` comment right above a key documents it
 * (following `# ...` lines continue the text), `# @default -- text` replaces the shown default,
 * and the type and default come from the parsed value. A key documented as a whole (e.g.
 * `resources`) covers the keys under it; every other value must have its own comment, or the
 * generator refuses (so a new value cannot go undocumented). test/chart/readme.test.ts fails
 * when the README's table is stale.
 *
 *   npx tsx scripts/chart-readme.ts    rewrites the table (also run by `npm run docs`)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { withGeneratedBlock } from '../src/api/generated-block.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CHART_DIR = join(ROOT, 'charts/mailsync-operator');
export const VALUES_BEGIN =
  '<!-- values table: generated from values.yaml by scripts/chart-readme.ts (npm run docs) -->';
export const VALUES_END = '<!-- end of the values table -->';

export interface ValueRow {
  key: string;
  type: string;
  default: string;
  description: string;
}

interface Documented {
  path: string[];
  description: string;
  defaultText?: string;
}

/** The `# --` comments of values.yaml, each with the path of the key below it. */
export function documentedKeys(text: string): Documented[] {
  const found: Documented[] = [];
  const stack: { indent: number; key: string }[] = [];
  let pending: { lines: string[]; defaultText?: string } | undefined;
  for (const line of text.split('\n')) {
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) {
      const body = comment[1]!;
      const start = /^-- ?(.*)$/.exec(body);
      const defaultText = /^@default -- ?(.*)$/.exec(body);
      if (start) pending = { lines: [start[1]!] };
      else if (defaultText && pending) pending.defaultText = defaultText[1]!;
      else if (pending) pending.lines.push(body);
      continue;
    }
    const keyLine = /^( *)([A-Za-z0-9_.-]+):(\s|$)/.exec(line);
    if (keyLine) {
      const indent = keyLine[1]!.length;
      while (stack.length > 0 && stack.at(-1)!.indent >= indent) stack.pop();
      stack.push({ indent, key: keyLine[2]! });
      if (pending) {
        found.push({
          path: stack.map((s) => s.key),
          description: pending.lines.join(' ').replace(/\s+/g, ' ').trim(),
          defaultText: pending.defaultText,
        });
      }
    }
    // a blank line, a list item or a key ends a comment's reach
    pending = undefined;
  }
  return found;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

function valueAt(values: unknown, path: string[]): unknown {
  let node = values;
  for (const key of path) node = (node as Record<string, unknown>)[key];
  return node;
}

/** Paths of the leaf values (scalars, lists, empty maps) of a values tree. */
function leafPaths(node: unknown, path: string[] = []): string[][] {
  if (node && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length > 0) {
    return Object.entries(node).flatMap(([key, value]) => leafPaths(value, [...path, key]));
  }
  return [path];
}

/** The table rows, in values.yaml order. Throws when a value has no `# --` comment of its own or above. */
export function valueRows(text: string): ValueRow[] {
  const values = parseYaml(text) as Record<string, unknown>;
  const documented = documentedKeys(text);
  const names = new Set(documented.map((d) => d.path.join('.')));
  const undocumented = leafPaths(values)
    .filter((path) => !path.some((_, i) => names.has(path.slice(0, i + 1).join('.'))))
    .map((path) => path.join('.'));
  if (undocumented.length > 0) {
    throw new Error(`values.yaml: no "# --" comment for ${undocumented.join(', ')}`);
  }
  return documented.map(({ path, description, defaultText }) => {
    const value = valueAt(values, path);
    return {
      key: path.join('.'),
      type: typeOf(value),
      // a computed default is told in words; a literal one is shown as JSON
      default: defaultText ?? `\`${JSON.stringify(value)}\``,
      description,
    };
  });
}

const cell = (text: string) => text.replaceAll('|', '\\|');

export function valuesTable(text: string): string {
  const rows = valueRows(text).map((r) => `| \`${r.key}\` | ${r.type} | ${cell(r.default)} | ${cell(r.description)} |`);
  return [
    VALUES_BEGIN,
    '| Key | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    VALUES_END,
  ].join('\n');
}

/** The chart README with its values table regenerated from values.yaml. */
export function readmeWithValues(readme: string, valuesText: string): string {
  return withGeneratedBlock(readme, {
    begin: VALUES_BEGIN,
    end: VALUES_END,
    block: valuesTable(valuesText),
    doc: 'charts/mailsync-operator/README.md',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const readmePath = join(CHART_DIR, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const updated = readmeWithValues(readme, readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
  if (updated !== readme) writeFileSync(readmePath, updated);
  console.log(`${readmePath}: values table ${updated === readme ? 'unchanged' : 'rewritten'}`);
}
