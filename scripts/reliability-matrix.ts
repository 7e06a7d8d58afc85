/**
 * The fault matrix table of docs/reliability.md, generated from the tests
 * (issue 11). Each cell is one `describe` in a `faults/` test directory whose
 * single test has the same name; the `/** ... *\/` comment right above the
 * `describe` says what the cell asserts and goes into the table. Cells of the
 * matrix that no test covers yet are listed as "not yet covered", so the
 * table never claims more than the tests do. test/unit/reliability-doc.test.ts
 * fails when the document is stale.
 *
 *   npx tsx scripts/reliability-matrix.ts    rewrites the table (also run by `npm run docs`)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withGeneratedBlock } from '../src/api/generated-block.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RELIABILITY_DOC = join(ROOT, 'docs/reliability.md');
export const MATRIX_BEGIN =
  '<!-- fault matrix: generated from the faults/ tests by scripts/reliability-matrix.ts (npm run docs) -->';
export const MATRIX_END = '<!-- end of the fault matrix -->';

export type Side = 'IMAP' | 'Kubernetes';

/** Where each side's cells live: every `*.test.ts` directly in these directories. */
export const CELL_DIRECTORIES: Record<Side, string> = {
  IMAP: 'test/integration/faults',
  Kubernetes: 'test/e2e/faults',
};

/** The matrix of issue 11: cells expected on each side, by test name. Tests may add cells; none may vanish silently. */
export const PLANNED_CELLS: Record<Side, string[]> = {
  IMAP: [
    'connection reset in the middle of a FETCH literal',
    'connection reset in the middle of a MULTIAPPEND (half a literal sent)',
    'connection reset during LOGIN',
    'connection reset during STARTTLS',
    'source server restarted mid-sync',
    'destination server restarted mid-sync',
    'server stalled longer than the command timeout',
    'destination quota exceeded',
    'destination folder that cannot be created',
    'destination folder that cannot be appended to',
    'message over the destination APPENDLIMIT',
    'source message expunged by another client during the sync',
    'flags changed and new mail arriving during the sync',
    'UIDVALIDITY changed between runs',
    'BYE or NO [UNAVAILABLE] under load',
  ],
  Kubernetes: [
    'kube-apiserver stopped for 30 s and started again',
    'etcd restarted',
    'forced watch expiry (etcd compaction, 410 Gone)',
    'controller SIGKILLed while a MailSync is being deleted',
    'leader failover while 50 syncs run',
    'worker pod OOMKilled (memory limit too small)',
    'kubelet restarted mid-sync',
    'API server answering 429 (API Priority and Fairness) to the controller',
  ],
};

export interface Cell {
  side: Side;
  name: string;
  /** What the test asserts (its comment), or undefined when no test covers the cell. */
  asserts?: string;
  /** The test file, relative to the repository root. */
  file?: string;
}

/** The cells one test file defines: `describe('name', ...)` with the `/** *\/` comment right above it. */
export function cellsOfSource(source: string, file: string, side: Side): Cell[] {
  const cells: Cell[] = [];
  const pattern = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?describe\(\s*'((?:[^'\\]|\\.)*)'/g;
  for (const match of source.matchAll(pattern)) {
    const name = match[2]!.replace(/\\(.)/g, '$1');
    const comment = match[1];
    if (!comment) throw new Error(`${file}: the cell '${name}' has no /** ... */ comment saying what it asserts`);
    const after = source.slice(match.index! + match[0].length);
    const test = /^\s*,\s*\(\)\s*=>\s*\{\s*test\(\s*'((?:[^'\\]|\\.)*)'/.exec(after);
    if (!test || test[1]!.replace(/\\(.)/g, '$1') !== name) {
      throw new Error(`${file}: the cell '${name}' must hold one test with the same name`);
    }
    const asserts = comment
      .split('\n')
      .map((line) => line.replace(/^\s*\*\s?/, '').trim())
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    cells.push({ side, name, asserts, file });
  }
  return cells;
}

/** Every cell of the matrix: the tests' cells, then the planned cells no test covers yet. */
export function matrixCells(root = ROOT): Cell[] {
  const cells: Cell[] = [];
  for (const side of Object.keys(CELL_DIRECTORIES) as Side[]) {
    const dir = join(root, CELL_DIRECTORIES[side]);
    const found: Cell[] = [];
    if (existsSync(dir)) {
      for (const entry of readdirSync(dir).sort()) {
        if (!entry.endsWith('.test.ts')) continue;
        const file = join(dir, entry);
        found.push(...cellsOfSource(readFileSync(file, 'utf8'), relative(root, file), side));
      }
    }
    const byName = new Map(found.map((cell) => [cell.name, cell]));
    for (const name of PLANNED_CELLS[side]) cells.push(byName.get(name) ?? { side, name });
    for (const cell of found) if (!PLANNED_CELLS[side].includes(cell.name)) cells.push(cell);
  }
  return cells;
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

export function matrixTable(cells: Cell[]): string {
  const rows = ['| Side | Cell | Covered by | What the test asserts |', '| --- | --- | --- | --- |'];
  for (const cell of cells) {
    const covered = cell.file ? `[${cell.file.split('/').at(-1)}](../${cell.file})` : 'not yet covered';
    rows.push(`| ${cell.side} | ${escapeCell(cell.name)} | ${covered} | ${escapeCell(cell.asserts ?? '')} |`);
  }
  const covered = cells.filter((cell) => cell.file).length;
  const summary = `${covered} of ${cells.length} cells covered by a test.`;
  return `${MATRIX_BEGIN}\n${rows.join('\n')}\n\n${summary}\n${MATRIX_END}`;
}

export function docWithMatrix(doc: string, cells: Cell[] = matrixCells()): string {
  return withGeneratedBlock(doc, {
    begin: MATRIX_BEGIN,
    end: MATRIX_END,
    block: matrixTable(cells),
    doc: 'docs/reliability.md',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const doc = readFileSync(RELIABILITY_DOC, 'utf8');
  const next = docWithMatrix(doc);
  if (next !== doc) writeFileSync(RELIABILITY_DOC, next);
  console.log(`docs/reliability.md: fault matrix ${next === doc ? 'unchanged' : 'updated'}`);
}
