/**
 * The option tables of docs/imapsync-options.md, generated from the parser's own
 * tables (src/imapsync/): the mapped options from option-docs.ts, the no-effect
 * and refused ones from compat-options.ts (their `why` is the text the CLI
 * prints). Also the table of imapsync's exit codes in docs/exit-codes.md
 * (--imapsync-compat, src/cli/imapsync-exit.ts).
 * test/unit/imapsync-options-doc.test.ts fails when a page is stale or an
 * option has no row.
 *
 *   npx tsx scripts/imapsync-options-doc.ts    rewrites the tables (also run by `npm run docs`)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES, type Reason } from '../src/api/exit-codes.js';
import { withGeneratedBlock } from '../src/api/generated-block.js';
import { imapsyncExit } from '../src/cli/imapsync-exit.js';
import { type CompatOption, IMAPSYNC_COMPAT } from '../src/imapsync/compat-options.js';
import { type DocGroup, OPTION_DOC_ROWS, type OptionDocRow } from '../src/imapsync/option-docs.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OPTIONS_DOC = join(ROOT, 'docs/imapsync-options.md');
export const OPTIONS_BEGIN =
  '<!-- option tables: generated from src/imapsync/ by scripts/imapsync-options-doc.ts (npm run docs) -->';
export const OPTIONS_END = '<!-- end of the option tables -->';
export const EXIT_DOC = join(ROOT, 'docs/exit-codes.md');
export const EXITS_BEGIN =
  '<!-- imapsync exit codes: generated from src/cli/imapsync-exit.ts by scripts/imapsync-options-doc.ts (npm run docs) -->';
export const EXITS_END = '<!-- end of the imapsync exit codes -->';

const GROUP_TITLES: Record<DocGroup, string> = {
  connection: '### Connection and credentials',
  folders: '### Folders',
  messages: '### Messages',
  presets: '### Provider presets',
  modes: '### Modes and limits',
  own: "## mailsync's own options",
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;

function optionCell(r: OptionDocRow): string {
  const arg = r.arg ? ` ${r.arg}` : '';
  return r.options.map((name) => `\`--${name}${r.sided ? '1' : ''}${arg}\``).join(', ');
}

function fieldCell(r: OptionDocRow): string {
  if (!r.field) return '';
  // Per-side fields are shown for the source; a dotted field is not per side (performance.compress).
  const field = r.sided && !r.field.includes('.') ? `source.${r.field}` : r.field;
  return `\`${field}\``;
}

function mappedTables(): string[] {
  const lines: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as DocGroup[]) {
    if (group === 'connection') {
      lines.push(
        '## Mapped options',
        '',
        '`1` is the source (host1), `2` the destination (host2): every option shown with a `1` exists for both sides.',
        '',
      );
    }
    lines.push(GROUP_TITLES[group], '', row(['imapsync', 'spec field', 'Notes']), '| --- | --- | --- |');
    for (const r of OPTION_DOC_ROWS.filter((d) => d.group === group)) {
      lines.push(row([optionCell(r), fieldCell(r), r.notes ?? '']));
    }
    lines.push('');
  }
  return lines;
}

/** Compat options of one kind, those with the same reason in one row, in table order. */
function compatRows(kind: CompatOption['kind']): string[] {
  const byWhy = new Map<string, string[]>();
  for (const [name, option] of Object.entries(IMAPSYNC_COMPAT)) {
    if (option.kind !== kind) continue;
    const names = byWhy.get(option.why) ?? [];
    names.push(`\`--${name}${option.takesValue ? ' V' : ''}\``);
    byWhy.set(option.why, names);
  }
  return [...byWhy].map(([why, names]) => row([names.join(', '), why]));
}

export function optionTables(): string {
  return [
    OPTIONS_BEGIN,
    '',
    ...mappedTables(),
    '## Accepted, with a notice',
    '',
    'These change nothing because mailsync always behaves the way they ask, or because they are about',
    "imapsync's own files and checks. The notice (the text below) is printed as a warning line at start.",
    '',
    row(['imapsync', 'Why it has no effect']),
    '| --- | --- |',
    ...compatRows('notice'),
    '',
    '## Refused, with the reason',
    '',
    'Each of these ends the command with `InvalidConfiguration` (exit 2) and the text below.',
    '',
    row(['imapsync', 'Why, and what to use instead']),
    '| --- | --- |',
    ...compatRows('unsupported'),
    '',
    OPTIONS_END,
  ].join('\n');
}

export function docWithOptionTables(text: string): string {
  return withGeneratedBlock(text, {
    begin: OPTIONS_BEGIN,
    end: OPTIONS_END,
    block: optionTables(),
    doc: 'docs/imapsync-options.md',
  });
}

/** One row per reason (and side): our code, imapsync's code and name. */
export function compatExitTable(): string {
  const rows = (Object.keys(EXIT_CODES) as Reason[]).flatMap((reason) => {
    const code = EXIT_CODES[reason];
    const sides = typeof code === 'number' ? ([[undefined, code]] as const) : Object.entries(code);
    return sides.map(([side, ours]) => {
      const exit = imapsyncExit(reason, side as 'source' | 'destination' | undefined);
      return row([`\`${reason}\``, side ?? '', String(ours), String(exit.code), `\`${exit.name}\``]);
    });
  });
  return [
    EXITS_BEGIN,
    '| Reason | Side | mailsync | `--imapsync-compat` | imapsync name |',
    '| --- | --- | ---: | ---: | --- |',
    ...rows,
    EXITS_END,
  ].join('\n');
}

export function docWithCompatExitTable(text: string): string {
  return withGeneratedBlock(text, {
    begin: EXITS_BEGIN,
    end: EXITS_END,
    block: compatExitTable(),
    doc: 'docs/exit-codes.md',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OPTIONS_DOC, docWithOptionTables(readFileSync(OPTIONS_DOC, 'utf8')));
  console.log('docs/imapsync-options.md: option tables updated');
  writeFileSync(EXIT_DOC, docWithCompatExitTable(readFileSync(EXIT_DOC, 'utf8')));
  console.log('docs/exit-codes.md: imapsync exit codes updated');
}
