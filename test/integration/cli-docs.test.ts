/** docs/imapsync-options.md documents every option the parser knows, and only those (its tables are generated: test/unit/imapsync-options-doc.test.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/api/exit-codes.js';
import { knownOptionNames } from '../../src/imapsync/lookup.js';

const read = (file: string) => readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');

describe('CLI documentation', () => {
  it('documents every option in docs/imapsync-options.md', () => {
    const doc = read('imapsync-options.md');
    const known = new Set(knownOptionNames());
    // Per-side options are documented once, as the "1" variant ("every option of this kind exists for both sides").
    const missing = [...known]
      .filter((name) => name !== 'h')
      .map((name) => (name.endsWith('2') && known.has(`${name.slice(0, -1)}1`) ? `${name.slice(0, -1)}1` : name))
      .filter((name) => !new RegExp(`--${name.replace(/[-]/g, '\\-')}(?![\\w-])`).test(doc));
    expect(missing).toEqual([]);
  });

  it('names no option in docs/imapsync-options.md that the parser does not know', () => {
    const doc = read('imapsync-options.md');
    const known = new Set(knownOptionNames());
    // "--opt value" is the syntax; "--host" without a side stands for --host1/--host2.
    const unknown = [...doc.matchAll(/--([a-z][\w-]*)/gi)]
      .map((m) => (m[1] ?? '').toLowerCase())
      .filter((name) => name !== 'opt' && !known.has(name) && !known.has(`${name}1`));
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('documents every exit code in docs/exit-codes.md', () => {
    const doc = read('exit-codes.md');
    for (const [reason, code] of Object.entries(EXIT_CODES)) {
      const codes = typeof code === 'number' ? [code] : [code.source, code.destination];
      for (const c of codes) expect(doc, reason).toMatch(new RegExp(`\\| ${c} \\| \`${reason}\``));
    }
  });
});
