import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import type { MailSync } from '../../src/api/mailsync.js';
import { buildImport, ImportError, nameFromFile } from '../../src/api/migration-import.js';
import type { MailMigration } from '../../src/api/migration-object.js';
import { formatReport, reportRows } from '../../src/api/migration-report.js';
import { extraOptionsToSpec } from '../../src/imapsync/extra-options.js';

const NOW = new Date('2026-12-02T12:00:00Z');

const child = (name: string, line: number, status: MailSync['status']): MailSync => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: { name, annotations: { 'mailsync.io/account-line': String(line) } },
  spec: {
    source: { host: 'old', user: `${name}@old` },
    destination: { host: 'new', user: `${name}@new` },
  },
  status,
});

const mm: MailMigration = {
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailMigration',
  metadata: { name: 'acme', namespace: 'ns' },
  spec: { template: {} },
  status: { invalidAccounts: [{ line: 2, message: 'no source host' }] },
};

const children = [
  child('bob', 3, {
    phase: 'Failed',
    runGeneration: 1,
    lastError: { reason: 'AuthenticationFailed', message: 'source: LOGIN refused\nsecond line' },
    summary: { durationSeconds: 4, messagesTransferred: 0, bytesTransferred: 0 },
  }),
  child('ann', 1, {
    phase: 'Succeeded',
    runGeneration: 1,
    summary: { durationSeconds: 66, messagesTransferred: 120, bytesTransferred: 2 * 1024 * 1024 },
  }),
  child('cid', 4, {
    phase: 'Running',
    runGeneration: 2,
    startTime: '2026-12-02T11:59:00Z',
    progress: { messagesCopied: 7, bytesCopied: 700 },
  }),
];

describe('mailsync report', () => {
  const rows = reportRows(mm, children, NOW);

  it('has one row per account in file order, invalid accounts included', () => {
    expect(rows.map((r) => [r.line, r.account, r.phase, r.reason, r.messages, r.bytes, r.durationSeconds])).toEqual([
      [1, 'ann@old -> ann@new', 'Succeeded', '', 120, 2097152, 66],
      [2, 'line 2', 'Invalid', 'InvalidAccount', 0, 0, undefined],
      [3, 'bob@old -> bob@new', 'Failed', 'AuthenticationFailed', 0, 0, 4],
      [4, 'cid@old -> cid@new', 'Running', '', 7, 700, 60],
    ]);
    expect(rows.map((r) => r.attempts)).toEqual([1, 0, 1, 1]);
  });

  it('prints a table with the counts by phase, the first line of each error', () => {
    const text = formatReport(rows, 'table');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ACCOUNT\s+PHASE\s+REASON\s+MESSAGES\s+BYTES\s+DURATION\s+ATTEMPTS\s+LAST ERROR$/);
    expect(lines[1]).toMatch(/^ann@old -> ann@new\s+Succeeded\s+120\s+2\.00 MiB\s+1m06s\s+1$/);
    expect(text).toContain('source: LOGIN refused');
    expect(text).not.toContain('second line');
    expect(lines.at(-1)).toBe('4 account(s): 1 Failed, 1 Invalid, 1 Running, 1 Succeeded');
  });

  it('writes CSV with a header that reads back to the same rows', () => {
    const records = parseCsv(formatReport(rows, 'csv'), { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(4);
    expect(records[2]).toMatchObject({
      line: '3',
      account: 'bob@old -> bob@new',
      mailsync: 'bob',
      phase: 'Failed',
      reason: 'AuthenticationFailed',
      lastError: 'source: LOGIN refused\nsecond line',
    });
  });

  it('writes JSON', () => {
    expect(JSON.parse(formatReport(rows, 'json'))).toEqual(JSON.parse(JSON.stringify(rows)));
  });
});

describe('mailsync import', () => {
  const template = `source: { host: imap.old.example }\ndestination: { host: imap.new.example }\n`;
  const file = '# customers\n;joe;pw1;;joe@new;pw2\n;ann;pw3;;ann@new;pw4;--folder INBOX\n';

  it('makes a Secret holding the file and a MailMigration reading it', () => {
    const { secret, migration, accounts } = buildImport({
      accounts: file,
      format: 'imapsync',
      template,
      fileName: '/tmp/Customers 2024.txt',
      extraOptions: extraOptionsToSpec,
    });
    expect(accounts).toBe(2);
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'customers-2024-accounts' } });
    expect(secret.stringData).toEqual({ 'file.txt': file });
    expect(migration).toMatchObject({
      apiVersion: 'mailsync.io/v1alpha1',
      kind: 'MailMigration',
      metadata: { name: 'customers-2024' },
      spec: {
        template: { source: { host: 'imap.old.example' }, destination: { host: 'imap.new.example' } },
        accountsFrom: { secretRef: { name: 'customers-2024-accounts', key: 'file.txt' }, format: 'imapsync' },
      },
    });
    expect(JSON.stringify(migration)).not.toMatch(/pw\d/);
  });

  it('keeps the spec of a MailMigration template (schedule, concurrency), its name and namespace', () => {
    const manifest = `apiVersion: mailsync.io/v1alpha1
kind: MailMigration
metadata: { name: acme, namespace: mail }
spec:
  template: { source: { host: a }, destination: { host: b } }
  schedule: "0 2 * * *"
  concurrency: { perSourceHost: 5 }
`;
    const { migration, secret } = buildImport({
      accounts: 'user1,password1,password2\njoe,x,y\n',
      format: 'csv',
      template: manifest,
      fileName: 'x.csv',
      extraOptions: extraOptionsToSpec,
    });
    expect(migration.metadata).toEqual({ name: 'acme', namespace: 'mail' });
    expect(migration.spec).toMatchObject({ schedule: '0 2 * * *', concurrency: { perSourceHost: 5 } });
    expect(migration.spec.accountsFrom).toEqual({
      secretRef: { name: 'acme-accounts', key: 'accounts.csv' },
      format: 'csv',
    });
    expect(secret.metadata).toEqual({ name: 'acme-accounts', namespace: 'mail' });
  });

  it('refuses the whole file when one row is bad, with every bad line and no password', () => {
    let error: unknown;
    try {
      buildImport({
        accounts: `${file};bad;secret9\n;eve;secret8;;eve;secret7;--password1 secret6\n`,
        format: 'imapsync',
        template,
        fileName: 'f.txt',
        extraOptions: extraOptionsToSpec,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    const invalid = (error as ImportError).invalid;
    expect(invalid.map((i) => i.line)).toEqual([4, 5]);
    expect(JSON.stringify(invalid)).not.toMatch(/secret\d/);
  });

  it.each([
    ['kind: MailSync\nspec: {}', 'expected MailMigration'],
    ['[1, 2]', 'must be a mapping'],
    ['a: [', 'not valid YAML'],
  ])('refuses a template that is not one (%s)', (text, message) => {
    expect(() =>
      buildImport({
        accounts: file,
        format: 'imapsync',
        template: text,
        fileName: 'f',
        extraOptions: extraOptionsToSpec,
      }),
    ).toThrow(message);
  });

  it('prints documents kubectl can read', () => {
    const { secret, migration } = buildImport({
      accounts: file,
      format: 'imapsync',
      template,
      fileName: 'f.txt',
      extraOptions: extraOptionsToSpec,
    });
    const docs = parseAllDocuments(`${stringify(secret)}---\n${stringify(migration)}`).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['Secret', 'MailMigration']);
  });

  it.each([
    ['file.txt', 'file'],
    ['/x/Hosting Customers (2024).csv', 'hosting-customers-2024'],
    ['___', 'migration'],
  ])('names a migration after %s: %s', (path, name) => {
    expect(nameFromFile(path)).toBe(name);
  });
});
