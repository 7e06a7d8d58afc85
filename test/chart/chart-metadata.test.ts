/**
 * Chart.yaml's Artifact Hub annotations tell the truth: the CRDs listed are the chart's (crds-src/),
 * the example objects are valid for the engine's schemas and for the CRDs (kubeconform -strict),
 * the image is the chart's default and the license the project's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { MailMigrationSpec } from '../../src/api/migration-spec.js';
import { MailSyncSpec } from '../../src/api/spec.js';
import type { K8sObject } from './manifests.js';
import { buildTool, CHART, CHART_CRDS, crdFiles, kubeconform, kubeconformSchemaDir, ROOT } from './tools.js';

interface ChartYaml {
  version: string;
  appVersion: string;
  annotations: Record<string, string>;
}
const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as ChartYaml;
const annotation = <T>(name: string) => parseYaml(chart.annotations[`artifacthub.io/${name}`]!) as T;
const crds = crdFiles(CHART_CRDS).map((f) => parseYaml(readFileSync(join(CHART_CRDS, f), 'utf8')) as K8sObject);
const examples = annotation<K8sObject[]>('crdsExamples');

describe('Chart.yaml Artifact Hub annotations', () => {
  let kubeconformBin = '';
  beforeAll(() => {
    kubeconformBin = buildTool('kubeconform');
  }, 30 * 60_000);

  it('list exactly the CRDs of crds-src/ (kind, served version, name)', () => {
    const listed = annotation<{ kind: string; version: string; name: string }[]>('crds');
    const actual = crds.map((c) => ({
      kind: c.spec.names.kind,
      version: c.spec.versions.find((v: { storage: boolean }) => v.storage).name,
      name: c.metadata.name,
    }));
    expect(
      listed.map(({ kind, version, name }) => ({ kind, version, name })).sort((a, b) => a.kind.localeCompare(b.kind)),
    ).toEqual(actual.sort((a, b) => a.kind.localeCompare(b.kind)));
  });

  it('give one example per CRD, valid for the spec schemas', () => {
    expect(examples.map((e) => e.kind).sort()).toEqual(crds.map((c) => c.spec.names.kind).sort());
    for (const example of examples) {
      const schema = example.kind === 'MailSync' ? MailSyncSpec : MailMigrationSpec;
      expect([...Value.Errors(schema, example.spec)].map((e) => `${example.kind} ${e.path}: ${e.message}`)).toEqual([]);
    }
  });

  it('give examples the CRDs accept (kubeconform -strict)', () => {
    const result = kubeconform(kubeconformBin, kubeconformSchemaDir(), examples.map((e) => stringify(e)).join('---\n'));
    expect(result.stdout).toContain(`"valid": ${examples.length}`);
    expect(result.status).toBe(0);
  });

  it("name the chart's default image and the project's license", () => {
    const values = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { image: { repository: string } };
    expect(annotation<{ image: string }[]>('images')).toEqual([
      { name: 'mailsync-operator', image: `${values.image.repository}:${chart.appVersion}` },
    ]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string; version: string };
    expect(chart.annotations['artifacthub.io/license']).toBe(pkg.license);
    expect(chart.appVersion).toBe(pkg.version);
  });
});
