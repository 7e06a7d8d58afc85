import { describe, expect, it } from 'vitest';
import { parseAccountFile } from '../../src/api/accounts-file.js';

describe('imapsync file.txt (FAQ.Massive)', () => {
  it('reads the FAQ example with its trailing separator, comments and blank lines, keeping line numbers', () => {
    const text = [
      '# old;joe;x;new;joe;y',
      'host001_1;user001_1;password001_1;host001_2;user001_2;password001_2;',
      '',
      'host002_1;user002_1;pass word;host002_2;user002_2;p#2;--folder INBOX --exclude "^Junk;x"',
    ].join('\r\n');
    const { rows, errors } = parseAccountFile(text, 'imapsync');
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        source: { host: 'host001_1', user: 'user001_1', password: 'password001_1' },
        destination: { host: 'host001_2', user: 'user001_2', password: 'password001_2' },
        options: [],
      },
      {
        line: 4,
        source: { host: 'host002_1', user: 'user002_1', password: 'pass word' },
        destination: { host: 'host002_2', user: 'user002_2', password: 'p#2' },
        options: ['--folder', 'INBOX', '--exclude', '^Junk;x'],
      },
    ]);
  });

  it.each([
    ['too few fields', 'h1;joe;secret1;h2', 'found 4 field(s)'],
    ['no source user', 'h1; ;secret1;h2;joe;secret2', 'user1 (the source user) is empty'],
  ])('reports %s with the line and without the line content', (_name, line, message) => {
    const { rows, errors } = parseAccountFile(`h;ok;p;h2;ok;p2\n${line}\n`, 'imapsync');
    expect(rows).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(2);
    expect(errors[0]?.message).toContain(message);
    expect(errors[0]?.message).not.toContain('secret');
  });

  it('leaves empty hosts and passwords to the template, and an empty user2 is user1', () => {
    const { rows } = parseAccountFile(';joe;;;;\n', 'imapsync');
    expect(rows).toEqual([{ line: 1, source: { user: 'joe' }, destination: { user: 'joe' }, options: [] }]);
  });
});

describe('CSV with a header', () => {
  it('maps columns by name, in any order and case, with quoted fields', () => {
    const text = 'User1,Password1,user2,password2,port2,options\njoe,"se,cret",joe@new,"p""2",1143,--folder INBOX\n';
    const { rows, errors } = parseAccountFile(text, 'csv');
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        source: { user: 'joe', password: 'se,cret' },
        destination: { user: 'joe@new', port: 1143, password: 'p"2' },
        options: ['--folder', 'INBOX'],
      },
    ]);
  });

  it.each([
    ['an unknown column', 'user1,pasword1\njoe,x\n', 1, 'unknown column(s) pasword1'],
    ['no header (an account first)', 'imap.old,joe,secret,imap.new,joe,secret2\n', 1, 'the first line is not a header'],
    ['no user1 column', 'user2\njoe\n', 1, 'no user1 column'],
    ['an empty file', '', 1, 'the file is empty'],
    ['a bad port', 'user1,port1,password1\njoe,99999,secret\n', 2, 'port1 is not a port number'],
    ['too many fields', 'user1,password1\njoe,secret,extra\n', 2, 'not as many fields'],
    ['an unclosed quote', 'user1,password1\njoe,"secret\n', 2, 'a quoted field is not closed'],
  ])('reports %s at its line, quoting no field', (_name, text, line, message) => {
    const { errors } = parseAccountFile(text, 'csv');
    expect(errors).toEqual([{ line, message: expect.stringContaining(message) }]);
    expect(errors[0]?.message).not.toContain('secret');
  });

  it("oauth2refresh1/2 name the Secret and key of an account's OAuth2 refresh material", () => {
    const text =
      'user1,oauth2refresh1,password2,oauth2refresh2\njoe,joe-oauth/refresh.json,pw2,\nann,,,ann-oauth/dst\n';
    const { rows, errors } = parseAccountFile(text, 'csv');
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.source, r.destination])).toEqual([
      [
        { user: 'joe', oauth2RefreshSecretRef: { name: 'joe-oauth', key: 'refresh.json' } },
        { user: 'joe', password: 'pw2' },
      ],
      [{ user: 'ann' }, { user: 'ann', oauth2RefreshSecretRef: { name: 'ann-oauth', key: 'dst' } }],
    ]);
  });

  it.each([
    ['no key', 'joe-oauth', 'oauth2refresh1 must be secret-name/key'],
    ['the refresh material itself', '{"refreshToken":"1//secret-token"}', 'oauth2refresh1 must be secret-name/key'],
    ['an upper-case Secret name', 'Joe/key', 'oauth2refresh1 must be secret-name/key'],
    ['a key with a slash', 'joe/a/secret', 'oauth2refresh1 must be secret-name/key'],
  ])('refuses an oauth2refresh column with %s, quoting no field', (_name, value, message) => {
    const text = `user1,oauth2refresh1\njoe,"${value.replaceAll('"', '""')}"\n`;
    const { rows, errors } = parseAccountFile(text, 'csv');
    expect(rows).toEqual([]);
    expect(errors).toEqual([{ line: 2, message: expect.stringContaining(message) }]);
    expect(errors[0]?.message).not.toContain('secret-token');
    expect(errors[0]?.message).not.toContain('joe');
  });

  it('refuses a password and an oauth2refresh for the same side', () => {
    const { rows, errors } = parseAccountFile('user1,password1,oauth2refresh1\njoe,secret,joe-oauth/key\n', 'csv');
    expect(rows).toEqual([]);
    expect(errors).toEqual([
      { line: 2, message: 'password1 and oauth2refresh1 are both given: one credential per side' },
    ]);
  });

  it('keeps the good rows when one is bad', () => {
    const { rows, errors } = parseAccountFile('user1,port1\na,1\nb,x\nc,3\n', 'csv');
    expect(rows.map((r) => [r.line, r.source.user])).toEqual([
      [2, 'a'],
      [4, 'c'],
    ]);
    expect(errors.map((e) => e.line)).toEqual([3]);
  });
});
