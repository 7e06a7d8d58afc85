/**
 * docs/imapsync-options.md is generated from the option tables, and every option
 * of imapsync's own `--help` (imapsync 2.229, test/fixtures/imapsync/) is either
 * supported (mapped onto the spec), accepted with a notice, or refused with a
 * reason that the page lists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  docWithCompatExitTable,
  docWithOptionTables,
  EXIT_DOC,
  OPTIONS_DOC,
  optionTables,
} from '../../scripts/imapsync-options-doc.js';
import { IMAPSYNC_COMPAT } from '../../src/imapsync/compat-options.js';
import { GLOBAL_OPTIONS } from '../../src/imapsync/global-options.js';
import { knownOptionNames, lookupOption } from '../../src/imapsync/lookup.js';
import { OPTION_DOC_ROWS } from '../../src/imapsync/option-docs.js';
import { SIDED_OPTIONS } from '../../src/imapsync/sided-options.js';

const HELP = readFileSync(new URL('../fixtures/imapsync/help-2.229.txt', import.meta.url), 'utf8');
/** Every `--option` that starts a line of the help text: the options imapsync documents. */
const HELP_OPTIONS = [...new Set([...HELP.matchAll(/^ +--([A-Za-z][\w-]*)/gm)].map((m) => (m[1] ?? '').toLowerCase()))];

type Status = 'mapped' | 'notice' | 'refused' | 'unknown';

function statusOf(name: string): Status {
  const compat = IMAPSYNC_COMPAT[name];
  if (compat) return compat.kind === 'notice' ? 'notice' : 'refused';
  return lookupOption(name) ? 'mapped' : 'unknown';
}

describe('docs/imapsync-options.md', () => {
  it('is the page generated from the option tables (run `npm run docs`)', () => {
    const doc = readFileSync(OPTIONS_DOC, 'utf8');
    expect(doc).toBe(docWithOptionTables(doc));
  });

  it("docs/exit-codes.md's imapsync table is the one generated from src/cli/imapsync-exit.ts", () => {
    const doc = readFileSync(EXIT_DOC, 'utf8');
    expect(doc).toBe(docWithCompatExitTable(doc));
    expect(doc).toContain('| `AuthenticationFailed` | source | 14 | 161 | `EXIT_AUTHENTICATION_FAILURE_USER1` |');
  });

  it('has a row for every mapped option, and no row for an option the parser does not know', () => {
    const documented = OPTION_DOC_ROWS.flatMap((r) => r.options.map((o) => (r.sided ? `sided:${o}` : o)));
    const tables = [...Object.keys(GLOBAL_OPTIONS), ...Object.keys(SIDED_OPTIONS).map((o) => `sided:${o}`)];
    expect([...documented].sort()).toEqual([...tables].sort());
  });

  it('lists each refused option with its reason, as the CLI prints it', () => {
    const tables = optionTables();
    for (const [name, option] of Object.entries(IMAPSYNC_COMPAT)) {
      const row = tables.split('\n').find((line) => line.includes(`\`--${name}\``) || line.includes(`\`--${name} V\``));
      expect(row, name).toBeDefined();
      expect(row, name).toContain(option.why.replace(/\|/g, '\\|'));
    }
  });
});

describe("imapsync's --help (2.229): every option supported, or accepted or refused with a reason", () => {
  it('reads the options of the help text', () => {
    // 156 distinct option names start a line of imapsync 2.229's --help.
    expect(HELP_OPTIONS.length).toBe(156);
    expect(HELP_OPTIONS).toEqual(expect.arrayContaining(['host1', 'passfile2', 'regextrans2', 'gmail1', 'keepalive2']));
  });

  it.each(HELP_OPTIONS)('--%s', (name) => {
    const status = statusOf(name);
    expect(status).not.toBe('unknown');
    if (status === 'refused' || status === 'notice') expect(IMAPSYNC_COMPAT[name]?.why.length).toBeGreaterThan(10);
  });
});

describe('the options named by the real-world servers issue', () => {
  // What each one does now; a change here is a change of the CLI's contract (and of the page).
  it.each<[string, Status]>([
    ['noexclude', 'mapped'],
    ['proxyauth1', 'mapped'],
    ['authmd52', 'mapped'],
    ['compress1', 'mapped'],
    ['nocompress2', 'mapped'],
    ['keepalive1', 'notice'],
    ['reconnectretry2', 'notice'],
    ['foldersizes', 'notice'],
    ['sslcheck', 'notice'],
    ['tail', 'notice'],
    ['noid', 'notice'],
    ['appendlimit', 'refused'],
    ['justconnect', 'refused'],
    ['justfolderlists', 'refused'],
    ['subfolder1', 'refused'],
    ['search', 'refused'],
    ['skipheader', 'refused'],
    ['skipemptyfolders', 'refused'],
    ['subscribed', 'mapped'],
    ['delete2folders', 'refused'],
    ['delete1emptyfolders', 'refused'],
    ['expunge1', 'refused'],
    ['maxbytesafter', 'mapped'],
    ['skipcrossduplicates', 'mapped'],
    ['synclabels', 'mapped'],
    ['resynclabels', 'mapped'],
    ['folderlast', 'mapped'],
    ['gmail1', 'mapped'],
    ['gmail2', 'mapped'],
    ['gmail12', 'mapped'],
    ['office2', 'mapped'],
    ['domino2', 'refused'],
    ['idatefromheader', 'refused'],
    ['pipemess', 'refused'],
    ['oauthdirect1', 'refused'],
  ])('--%s is %s', (name, expected) => {
    expect(statusOf(name)).toBe(expected);
  });

  it('refusals name what to use instead', () => {
    for (const name of ['subfolder1', 'search1', 'expunge2', 'appendlimit', 'justfolderlists', 'justconnect']) {
      expect(IMAPSYNC_COMPAT[name]?.why, name).toMatch(/use|--/);
    }
  });

  it('knows every option exactly once', () => {
    const names = knownOptionNames();
    expect(names.length).toBe(new Set(names).size);
  });
});
