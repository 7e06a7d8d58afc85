/**
 * docs/reliability.md carries the fault matrix generated from the faults/ tests
 * (scripts/reliability-matrix.ts): it must be what the generator writes today,
 * and the generator must refuse a cell that breaks the rules (no comment saying
 * what it asserts, a test named differently from its cell).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cellsOfSource,
  docWithMatrix,
  matrixCells,
  PLANNED_CELLS,
  RELIABILITY_DOC,
} from '../../scripts/reliability-matrix.js';

describe('docs/reliability.md fault matrix', () => {
  it('is the one generated from the tests (run `npm run docs`)', () => {
    const doc = readFileSync(RELIABILITY_DOC, 'utf8');
    expect(doc).toBe(docWithMatrix(doc));
  });

  it('has a row for every planned cell, covered or truthfully not', () => {
    const cells = matrixCells();
    for (const [side, names] of Object.entries(PLANNED_CELLS)) {
      for (const name of names)
        expect(
          cells.some((c) => c.side === side && c.name === name),
          name,
        ).toBe(true);
    }
    // Every IMAP cell of issue 11 has its test.
    expect(cells.filter((c) => c.side === 'IMAP' && !c.file)).toEqual([]);
  });
});

describe('the generator', () => {
  it('reads a cell, its comment and its file', () => {
    const source =
      "/**\n * Resets, then\n * exact.\n */\ndescribe('a cell', () => {\n  test('a cell', async () => {});\n});\n";
    expect(cellsOfSource(source, 'x.test.ts', 'IMAP')).toEqual([
      { side: 'IMAP', name: 'a cell', asserts: 'Resets, then exact.', file: 'x.test.ts' },
    ]);
  });

  it.each([
    ['no comment', "describe('a cell', () => {\n  test('a cell', () => {});\n});", /no \/\*\* \.\.\. \*\/ comment/],
    ['another test name', "/** x */\ndescribe('a cell', () => {\n  test('other', () => {});\n});", /same name/],
  ])('refuses a cell with %s', (_, source, error) => {
    expect(() => cellsOfSource(source, 'x.test.ts', 'IMAP')).toThrow(error);
  });
});
