/**
 * examples/: ready manifests. Each MailSync spec is valid for the engine's TypeBox schema
 * (src/api/spec.ts) and for the CRD (kubeconform -strict with the CRD's openAPIV3Schema), and
 * every Secret it names is in the same file with that key, as a stringData placeholder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, KIND } from '../../src/api/mailsync.js';
import { MailSyncSpec } from '../../src/api/spec.js';
import { type K8sObject, ofKind, parseManifests } from './manifests.js';
import { buildTool, kubeconform, kubeconformSchemaDir, ROOT } from './tools.js';

const EXAMPLES = join(ROOT, 'examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
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
  it('has the four promised manifests', () => {
    expect(files.sort()).toEqual(['basic.yaml', 'gmail-oauth2.yaml', 'mirror.yaml', 'office365-throttled.yaml']);
  });

  describe.each(files)('%s', (file) => {
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
    const office = spec('office365-throttled.yaml');
    expect([office.destination.host, office.destination.authMechanism]).toEqual(['outlook.office365.com', 'XOAUTH2']);
    expect(office.throttle.maxMessagesPerSecond).toBeGreaterThan(0);
    expect(office.throttle.maxBytesPerSecond).toBeGreaterThan(0);
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
