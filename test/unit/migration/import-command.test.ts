/** `mailsync import` through the CLI's dispatch (no cluster: printing, usage errors, bad rows). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { dispatch } from '../../../src/cli/dispatch.js';

const dir = mkdtempSync(join(tmpdir(), 'mailsync-import-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const template = file('t.yaml', 'source: { host: imap.old }\ndestination: { host: imap.new }\n');

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dispatch(argv, {
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdoutIsTTY: false,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('mailsync import (CLI)', () => {
  it('prints the Secret and the MailMigration, and warns that the output holds passwords', async () => {
    const accounts = file('acme.txt', ';joe;pw-old;;joe@new;pw-new\n');
    const { code, stdout, stderr } = await run('import', accounts, '--template', template, '-n', 'mail');
    expect(code).toBe(0);
    const docs = parseAllDocuments(stdout).map((d) => d.toJS());
    expect(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace])).toEqual([
      ['Secret', 'acme-accounts', 'mail'],
      ['MailMigration', 'acme', 'mail'],
    ]);
    expect(stderr).toContain('1 account(s). The Secret below holds the passwords');
  });

  it('exits 2 with every bad line and prints nothing', async () => {
    const accounts = file('bad.csv', 'user1,password1,port1\njoe,s3cret,x\nann,s3cret2,143\n,s3cret3,\n');
    const { code, stdout, stderr } = await run('import', accounts, '--template', template);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${accounts}:2: port1 is not a port number`);
    expect(stderr).toContain(`${accounts}:4: user1 (the source user) is empty`);
    expect(stderr).not.toMatch(/s3cret/);
  });

  it('exits 2 for a user name with a control character, naming the line and the column, never echoing it', async () => {
    const accounts = file('ctl.txt', ';joe;s3cret;;joe@new;s3cret2\n;ann\u0000A1 LOGOUT;s3cret3;;ann@new;s3cret4\n');
    const { code, stdout, stderr } = await run('import', accounts, '--template', template);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${accounts}:2: user1 must not contain control characters (CR, LF, NUL, ...)`);
    expect(stderr).not.toMatch(/s3cret|A1 LOGOUT/);
  });

  it.each([
    [['import'], 'give one account file'],
    [['import', 'x.txt'], '--template T.yaml is required'],
    [['import', 'x.txt', '--template', 't', '--format', 'xml'], '--format must be imapsync or csv'],
    [['import', 'x.txt', '--bogus'], "Unknown option '--bogus'"],
    [['report'], 'give one MailMigration name'],
    [['report', 'm', '--format', 'pdf'], '--format must be table, csv or json'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
