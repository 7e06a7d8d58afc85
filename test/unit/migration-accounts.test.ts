import { describe, expect, it } from 'vitest';
import { parseAccountFile } from '../../src/api/accounts-file.js';
import { type AccountInput, resolveAccounts } from '../../src/api/migration-accounts.js';
import { childName } from '../../src/api/migration-child-name.js';
import type { InlineAccount, MailSyncTemplate } from '../../src/api/migration-spec.js';
import { extraOptionsToSpec } from '../../src/imapsync/extra-options.js';

const template: MailSyncTemplate = {
  source: { host: 'imap.old.example', tls: 'implicit' },
  destination: { host: 'imap.new.example', authUser: 'admin', passwordSecretRef: { name: 'admin', key: 'pw' } },
  folders: { exclude: ['^Junk'] },
};

const fromFile = (text: string, format: 'imapsync' | 'csv' = 'imapsync'): AccountInput => ({
  kind: 'file',
  ...parseAccountFile(text, format),
});

describe('child names', () => {
  const a = { host: 'imap.old.example', user: 'joe' };
  const b = { host: 'imap.new.example', user: 'joe' };

  it('are <migration>-<10 hex>, stable for the same pair however it is spelled', () => {
    const name = childName('acme', a, b);
    expect(name).toMatch(/^acme-[0-9a-f]{10}$/);
    expect(childName('acme', { ...a, host: 'IMAP.old.example.', port: 993 }, b)).toBe(name);
    expect(childName('acme', a, { ...b, user: 'ann' })).not.toBe(name);
  });

  it.each([
    ['a'.repeat(63), 'a'.repeat(52)],
    [`${'a'.repeat(51)}-x`, 'a'.repeat(51)],
    [`${'b'.repeat(51)}.-long-tail`, 'b'.repeat(51)],
  ])('cut a long migration name to stay within 63 characters (%#)', (migration, prefix) => {
    const name = childName(migration, a, b);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.startsWith(`${prefix}-`)).toBe(true);
    expect(name).toMatch(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/);
  });
});

describe('resolveAccounts', () => {
  it('merges the template with each file row: the row password goes to a per-account Secret, the admin login elsewhere', () => {
    const { accounts, invalid } = resolveAccounts(
      'acme',
      { template },
      fromFile(';joe;old-pw;;joe@new.example;\n;ann;old-pw2;;ann@new.example;;--exclude ^Archive --folder INBOX\n'),
      extraOptionsToSpec,
    );
    expect(invalid).toEqual([]);
    const [joe, ann] = accounts;
    expect(joe?.name).toBe(
      childName(
        'acme',
        { host: 'imap.old.example', tls: 'implicit', user: 'joe' },
        { host: 'imap.new.example', user: 'joe@new.example' },
      ),
    );
    expect(joe?.spec).toEqual({
      source: {
        host: 'imap.old.example',
        tls: 'implicit',
        user: 'joe',
        passwordSecretRef: { name: joe?.name, key: 'source' },
      },
      destination: {
        host: 'imap.new.example',
        user: 'joe@new.example',
        authUser: 'admin',
        passwordSecretRef: { name: 'admin', key: 'pw' },
      },
      folders: { exclude: ['^Junk'] },
    });
    expect(joe?.passwords).toEqual({ source: 'old-pw' });
    expect(ann?.spec.folders).toEqual({ exclude: ['^Archive'], only: ['INBOX'] });
    expect(ann?.line).toBe(2);
  });

  it('a row password replaces the admin login of that side', () => {
    const { accounts } = resolveAccounts('m', { template }, fromFile(';joe;a;;joe;b\n'), extraOptionsToSpec);
    expect(accounts[0]?.spec.destination).toEqual({
      host: 'imap.new.example',
      user: 'joe',
      passwordSecretRef: { name: accounts[0]?.name, key: 'destination' },
    });
    expect(accounts[0]?.passwords).toEqual({ source: 'a', destination: 'b' });
  });

  it('takes an inline account with OAuth2 refresh material: it replaces the admin login of its side', () => {
    const { accounts, invalid } = resolveAccounts(
      'm',
      { template },
      {
        kind: 'inline',
        accounts: [
          {
            source: { user: 'joe', passwordSecretRef: { name: 'joe', key: 'old' } },
            destination: {
              user: 'joe@new.example',
              oauth2RefreshSecretRef: { name: 'joe-oauth', key: 'refresh.json' },
            },
          },
        ],
      },
      extraOptionsToSpec,
    );
    expect(invalid).toEqual([]);
    expect(accounts[0]?.spec.destination).toEqual({
      host: 'imap.new.example',
      user: 'joe@new.example',
      oauth2RefreshSecretRef: { name: 'joe-oauth', key: 'refresh.json' },
    });
  });

  it('takes inline accounts with their own Secret references and overrides', () => {
    const { accounts, invalid } = resolveAccounts(
      'm',
      { template },
      {
        kind: 'inline',
        accounts: [
          { source: { user: 'joe', passwordSecretRef: { name: 'joe', key: 'old' } } },
          {
            source: { user: 'ann', passwordSecretRef: { name: 'ann', key: 'old' } },
            destination: { user: 'ann@new.example' },
            overrides: { destination: { host: 'imap2.new.example' }, folders: { exclude: [] } },
          },
        ],
      },
      extraOptionsToSpec,
    );
    expect(invalid).toEqual([]);
    expect(accounts[0]?.spec.destination.user).toBe('joe');
    expect(accounts[0]?.passwords).toBeUndefined();
    expect(accounts[1]?.spec.destination).toMatchObject({ host: 'imap2.new.example', user: 'ann@new.example' });
    expect(accounts[1]?.spec.folders).toEqual({ exclude: [] });
  });

  it.each([
    ['no password on either side', 'h;joe;;h2;joe;', 'no source password'],
    ['no host anywhere', ';joe;a;;joe;b', 'no destination host'],
    ['a password in the options column', 'h;joe;a;h2;joe;b;--password1 s3cr3t', '--password1 is not accepted'],
    ['a local file in the options column', 'h;joe;a;h2;joe;b;--passfile2 /etc/pw', '--passfile2 names a file'],
    [
      'an OAuth2 access token in the options column (file.txt has no OAuth2 field)',
      'h;joe;;h2;joe;b;--oauthaccesstoken1 ya29.s3cr3t',
      '--oauthaccesstoken1 is not accepted',
    ],
    ['an unknown option', 'h;joe;a;h2;joe;b;--foldr INBOX', 'unknown option --foldr'],
    ['the same account on both sides', 'h;joe;a;h;joe;b', 'the same account'],
    [
      'an invalid regex in the options column',
      'h;joe;a;h2;joe;b;--exclude (',
      'spec.folders.exclude[0]: invalid regular expression',
    ],
    ['a port out of range', 'h;joe;a;h2;joe;b;--port1 70000', 'spec.source.port'],
  ])('reports %s with the line, never a password', (_name, line, message) => {
    const noHostTemplate: MailSyncTemplate = { folders: {} };
    const { accounts, invalid } = resolveAccounts(
      'm',
      { template: noHostTemplate },
      fromFile(`h;ok;pw;h2;ok;pw\n${line}\n`),
      extraOptionsToSpec,
    );
    expect(accounts).toHaveLength(1);
    expect(invalid).toEqual([{ line: 2, message: expect.stringContaining(message) }]);
    expect(invalid[0]?.message).not.toMatch(/s3cr3t|\bpw\b/);
  });

  it.each([
    ['a NUL in user1 (file.txt)', 'imapsync', 'h;ok;pw;h2;ok;pw\nh;jo\u0000e;pw;h2;joe;pw\n', 2, 'user1'],
    ['a TAB in user2 (file.txt)', 'imapsync', 'h;ok;pw;h2;ok;pw\nh;joe;pw;h2;jo\te;pw\n', 2, 'user2'],
    ['an ESC in user2 (file.txt)', 'imapsync', 'h;ok;pw;h2;ok;pw\nh;joe;pw;h2;jo\u001be;pw\n', 2, 'user2'],
    [
      'a quoted LF in user1 (CSV: the line where the row starts)',
      'csv',
      'host1,user1,password1,host2,user2,password2\nh,ok,pw,h2,ok,pw\nh,"joe\nA1 LOGOUT",pw,h2,joe,pw\n',
      3,
      'user1',
    ],
  ] as const)('refuses %s with the line and the column, never the password', (_name, format, text, line, column) => {
    const parsed = parseAccountFile(text, format);
    const { accounts, invalid } = resolveAccounts('m', { template }, { kind: 'file', ...parsed }, extraOptionsToSpec);
    expect(accounts.map((a) => a.spec.source.user)).toEqual(['ok']);
    expect(invalid).toEqual([{ line, message: `${column} must not contain control characters (CR, LF, NUL, ...)` }]);
  });

  it.each([
    ['source', { source: { user: 'joe\r\nA1 LOGOUT' }, destination: { user: 'joe' } }],
    ['destination', { source: { user: 'joe' }, destination: { user: 'joe\u0000' } }],
  ])('refuses an inline account whose %s user has a control character, naming the field', (side, account) => {
    const { accounts, invalid } = resolveAccounts(
      'm',
      { template: { ...template, source: { ...template.source, passwordSecretRef: { name: 'a', key: 'b' } } } },
      { kind: 'inline', accounts: [{ source: { user: 'ok' } }, account as InlineAccount] },
      extraOptionsToSpec,
    );
    expect(accounts).toHaveLength(1);
    expect(invalid).toEqual([
      { line: 2, message: `accounts[1]: spec.${side}.user: must not contain control characters (CR, LF, NUL, ...)` },
    ]);
  });

  it('a CSV row with oauth2refresh1 logs in with its own refresh material, not the template admin login', () => {
    const parsed = parseAccountFile('user1,password1,oauth2refresh2\njoe,pw1,joe-oauth/refresh.json\n', 'csv');
    const { accounts, invalid } = resolveAccounts('m', { template }, { kind: 'file', ...parsed }, extraOptionsToSpec);
    expect(invalid).toEqual([]);
    expect(accounts).toHaveLength(1);
    const [account] = accounts;
    expect(account!.spec.destination).toEqual({
      host: 'imap.new.example',
      user: 'joe',
      oauth2RefreshSecretRef: { name: 'joe-oauth', key: 'refresh.json' },
    });
    // Only the password of the file goes into the per-account Secret; the refresh material stays in its own.
    expect(account!.passwords).toEqual({ source: 'pw1' });
  });

  it('keeps the first of two rows for the same pair and reports the second', () => {
    const { accounts, invalid } = resolveAccounts(
      'm',
      { template },
      fromFile(';joe;a;;joe;b\n# comment\n;JOE;x;;joe;y\n;joe;c;;joe;d\n'),
      extraOptionsToSpec,
    );
    expect(accounts.map((a) => a.line)).toEqual([1, 3]);
    expect(invalid).toEqual([{ line: 4, message: 'the same account pair as line 1' }]);
  });

  it('reports file-level and account-level problems together, in line order', () => {
    const { invalid } = resolveAccounts(
      'm',
      { template },
      fromFile(';;a;;b;c\n;joe;;;joe;\nx;y\n'),
      extraOptionsToSpec,
    );
    expect(invalid.map((i) => i.line)).toEqual([1, 2, 3]);
    expect(invalid[1]?.message).toContain('no source password');
  });
});
