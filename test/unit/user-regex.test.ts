import { describe, expect, it } from 'vitest';
import { selectSourceFolders } from '../../src/sync/folders/select.js';
import { applyRenameRules, compileRenameRules } from '../../src/sync/regextrans.js';
import type { MailboxTree } from '../../src/sync/types.js';
import { userRegex } from '../../src/sync/user-regex.js';

// A server-chosen name against a catastrophically backtracking pattern: exponential in a backtracking
// engine (hours for this length), linear with the fallback. The vitest timeout bounds the test.
const EVIL_NAME = `${'a'.repeat(60)}!`;

describe('user regexes run in linear time on hostile names', () => {
  it('a nested quantifier on a hostile name returns', { timeout: 20_000 }, () => {
    expect(userRegex('^(a+)+$').test(EVIL_NAME)).toBe(false);
    expect(userRegex('^(a|aa)*$').test(EVIL_NAME)).toBe(false);
  });

  it('gives the same results as a plain RegExp where both are fast', () => {
    for (const [pattern, input] of [
      ['^INBOX\\.(.+)$', 'INBOX.Archive.2020'],
      ['^(a+)+$', 'aaaa'],
      ['Sent|Drafts', 'INBOX.Trash'],
    ] as const) {
      expect(userRegex(pattern).test(input)).toBe(new RegExp(pattern).test(input));
    }
  });

  it('folders.exclude and rename rules use it', { timeout: 20_000 }, () => {
    const tree: MailboxTree = {
      folders: [
        { path: 'INBOX', delimiter: '/', flags: [], subscribed: true },
        { path: EVIL_NAME, delimiter: '/', flags: [], subscribed: true },
      ],
      namespace: { prefix: '', delimiter: '/' },
    } as MailboxTree;
    const selected = selectSourceFolders(tree, { exclude: ['^(a+)+$'] });
    expect(selected.map((f) => f.path)).toEqual(['INBOX', EVIL_NAME]);
    const rules = compileRenameRules([{ from: '^(a|aa)*$', to: 'x' }]);
    expect(applyRenameRules(EVIL_NAME, rules)).toBe(EVIL_NAME);
  });
});
