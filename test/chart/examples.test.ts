/**
 * examples/: ready manifests. Each MailSync spec is valid for the engine's TypeBox schema
 * (src/api/spec.ts) and for the CRD (kubeconform -strict with the CRD's openAPIV3Schema), and
 * every Secret it names is in the same file with that key, as a stringData placeholder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAccountFile } from '../../src/api/accounts-file.js';
import { API_VERSION, KIND } from '../../src/api/mailsync.js';
import { MIGRATION_KIND } from '../../src/api/migration.js';
import { resolveAccounts } from '../../src/api/migration-accounts.js';
import { MailMigrationSpec } from '../../src/api/migration-spec.js';
import { MailSyncSpec } from '../../src/api/spec.js';
import { applyDefaults } from '../../src/api/spec-defaults.js';
import { extraOptionsToSpec } from '../../src/imapsync/extra-options.js';
import { type K8sObject, ofKind, parseManifests } from './manifests.js';
import { buildTool, kubeconform, kubeconformSchemaDir, ROOT } from './tools.js';

const EXAMPLES = join(ROOT, 'examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
/** The examples of one MailSync each (migration.yaml holds a MailMigration: tested below). */
const mailSyncFiles = files.filter((f) => f !== 'migration.yaml');
const load = (file: string) => parseManifests(readFileSync(join(EXAMPLES, file), 'utf8'));

interface Ref {
  name: string;
  key: string;
}
const refsOf = (mailsync: K8sObject): [string, Ref][] =>
  (['source', 'destination'] as const).flatMap((side) =>
    (['passwordSecretRef', 'oauth2TokenSecretRef', 'caSecretRef'] as const)
      .filter((field) => mailsync.spec[side][field])
      .map((field): [string, Ref] => [`${side}.${field}`, mailsync.spec[side][field]]),
  );

describe('examples/', () => {
  it('has the promised manifests', () => {
    expect(files.sort()).toEqual([
      'basic.yaml',
      'gmail-oauth2.yaml',
      'migration.yaml',
      'mirror.yaml',
      'office365-throttled.yaml',
    ]);
  });

  describe('migration.yaml', () => {
    const objects = load('migration.yaml');
    const [mm] = ofKind(objects, MIGRATION_KIND);
    const secret = (name: string) => ofKind(objects, 'Secret').find((s) => s.metadata.name === name);

    it('holds a MailMigration whose spec the schema accepts, reading its accounts from a Secret', () => {
      expect(ofKind(objects, MIGRATION_KIND)).toHaveLength(1);
      const errors = [...Value.Errors(MailMigrationSpec, mm!.spec)].map((e) => `${e.path}: ${e.message}`);
      expect(errors).toEqual([]);
      expect(mm!.spec.accountsFrom.format).toBe('imapsync');
      expect(
        secret(mm!.spec.accountsFrom.secretRef.name)?.stringData?.[mm!.spec.accountsFrom.secretRef.key],
      ).toBeDefined();
    });

    it('every account of its file.txt is usable as the controller reads it, passwords only as placeholders', () => {
      const ref = mm!.spec.accountsFrom.secretRef;
      const text = secret(ref.name)!.stringData![ref.key] as string;
      const parsed = parseAccountFile(text, 'imapsync');
      const resolved = resolveAccounts(mm!.metadata.name, mm!.spec, { kind: 'file', ...parsed }, extraOptionsToSpec);
      expect(resolved.invalid).toEqual([]);
      expect(resolved.accounts).toHaveLength(3);
      for (const row of parsed.rows) {
        for (const password of [row.source.password, row.destination.password]) {
          if (password !== undefined) expect(password).toMatch(/^REPLACE-/);
        }
      }
      const admin = mm!.spec.template.source.passwordSecretRef;
      expect(secret(admin.name)?.stringData?.[admin.key]).toMatch(/^REPLACE-/);
      for (const s of ofKind(objects, 'Secret')) expect(s.data).toBeUndefined();
    });
  });

  describe.each(mailSyncFiles)('%s', (file) => {
    const objects = load(file);
    const mailsyncs = ofKind(objects, KIND);

    it('holds one MailSync whose spec the engine schema accepts', () => {
      expect(mailsyncs).toHaveLength(1);
      const [mailsync] = mailsyncs;
      expect(mailsync!.apiVersion).toBe(API_VERSION);
      const errors = [...Value.Errors(MailSyncSpec, mailsync!.spec)].map((e) => `${e.path}: ${e.message}`);
      expect(errors).toEqual([]);
    });

    it('defines every Secret it names, with the key, as a stringData placeholder', () => {
      const secrets = ofKind(objects, 'Secret');
      const refs = refsOf(mailsyncs[0]!);
      expect(refs.length).toBeGreaterThanOrEqual(2);
      for (const [field, ref] of refs) {
        const secret = secrets.find((s) => s.metadata.name === ref.name);
        expect(secret, `${field} names Secret ${ref.name}`).toBeDefined();
        expect(secret!.stringData?.[ref.key], `${field}: key ${ref.key}`).toMatch(/^REPLACE-/);
      }
      // no Secret without a user, and never real data
      expect(secrets.map((s) => s.metadata.name).sort()).toEqual([...new Set(refs.map(([, r]) => r.name))].sort());
      for (const secret of secrets) expect(secret.data).toBeUndefined();
    });
  });

  it('show what their names promise', () => {
    const spec = (file: string) => ofKind(load(file), KIND)[0]!.spec;
    expect(spec('mirror.yaml').deleteOnDestination).toBe(true);
    const gmail = spec('gmail-oauth2.yaml').source;
    expect([gmail.host, gmail.authMechanism, gmail.oauth2TokenSecretRef?.key]).toEqual([
      'imap.gmail.com',
      'XOAUTH2',
      'token',
    ]);
    expect(gmail.preset).toBe('gmail');
    const office = spec('office365-throttled.yaml');
    expect([office.destination.host, office.destination.authMechanism]).toEqual(['outlook.office365.com', 'XOAUTH2']);
    expect(office.destination.preset).toBe('office365');
    // The preset fills what the example leaves out; the example's own maxSize wins.
    const effective = applyDefaults(office);
    expect(effective.throttle).toEqual({ maxMessagesPerSecond: 4, maxBytesPerSecond: 1_000_000 });
    expect(effective.filters.maxSize).toBe(35_000_000);
    expect(effective.messages).toMatchObject({ wrapLinesLongerThan: 10239, disarmReadReceipts: true });
    expect(effective.destination.tls).toBe('implicit');
  });

  describe('against the CRD schema (kubeconform -strict)', () => {
    let bin = '';
    let schemas = '';
    beforeAll(() => {
      bin = buildTool('kubeconform');
      schemas = kubeconformSchemaDir();
    }, 30 * 60_000);

    it.each(files)('%s is valid', (file) => {
      const result = kubeconform(bin, schemas, readFileSync(join(EXAMPLES, file), 'utf8'));
      const report = JSON.parse(result.stdout) as { resources: unknown[]; summary: { valid: number } };
      expect(report.resources).toEqual([]);
      expect(report.summary).toMatchObject({ valid: load(file).length, invalid: 0, errors: 0, skipped: 0 });
    });

    it('rejects a field the CRD does not have (an inline password) and a bad port', () => {
      const text = readFileSync(join(EXAMPLES, 'basic.yaml'), 'utf8')
        .replace(
          '    passwordSecretRef:\n      name: basic-source',
          '    password: hunter2\n    passwordSecretRef:\n      name: basic-source',
        )
        .replace('port: 993', 'port: 99300');
      const result = kubeconform(bin, schemas, text);
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain("additional properties 'password' not allowed");
      expect(result.stdout).toContain("at '/spec/source/port'");
    });
  });
});
