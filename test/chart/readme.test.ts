/**
 * The chart README's values table is generated from values.yaml (scripts/chart-readme.ts, helm-docs
 * style): it must be what the generator writes today, and the generator must refuse a value that has
 * no `# --` comment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { documentedKeys, readmeWithValues, valueRows, valuesTable } from '../../scripts/chart-readme.js';
import { CHART } from './tools.js';

const README = readFileSync(join(CHART, 'README.md'), 'utf8');
const VALUES = readFileSync(join(CHART, 'values.yaml'), 'utf8');

describe('chart README values table', () => {
  it('is the one generated from values.yaml (run `npx tsx scripts/chart-readme.ts`)', () => {
    expect(README).toBe(readmeWithValues(README, VALUES));
  });

  it('lists every top-level value, with its default from values.yaml', () => {
    const rows = valueRows(VALUES);
    const tops = new Set(rows.map((r) => r.key.split('.')[0]));
    expect([...tops].sort()).toEqual(Object.keys(parseYaml(VALUES)).sort());
    expect(rows.find((r) => r.key === 'replicas')).toMatchObject({ type: 'int', default: '`2`' });
    expect(rows.find((r) => r.key === 'image.tag')).toMatchObject({ type: 'string', default: 'appVersion' });
  });
});

describe('the generator', () => {
  it('reads helm-docs comments: continuation lines, @default, nested keys', () => {
    const text = [
      'a:',
      '  # -- first line',
      '  # second line',
      '  # @default -- computed',
      '  b: ""',
      '# -- a list',
      'c: [1, 2]',
    ].join('\n');
    expect(documentedKeys(text)).toEqual([
      { path: ['a', 'b'], description: 'first line second line', defaultText: 'computed' },
      { path: ['c'], description: 'a list', defaultText: undefined },
    ]);
    expect(valuesTable(text)).toContain('| `a.b` | string | computed | first line second line |');
    expect(valuesTable(text)).toContain('| `c` | list | `[1,2]` | a list |');
  });

  it('refuses an undocumented value, and a comment separated from its key by a blank line', () => {
    expect(() => valueRows('# -- documented\na: 1\nb: 2\n')).toThrow('no "# --" comment for b');
    expect(() => valueRows('# -- loose\n\na: 1\n')).toThrow('no "# --" comment for a');
  });

  it('escapes pipes in descriptions', () => {
    expect(valuesTable('# -- a | b\nx: 1\n')).toContain('| a \\| b |');
  });
});
