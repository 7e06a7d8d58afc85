/**
 * `promtool test rules` for the chart's alert rules: a test file from scenarios (synthetic series,
 * the alerts expected at given times), run against one or more rule files. The expected alerts
 * carry the annotations Prometheus renders for their labels, as promtool compares them too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { run } from '../chart/tools.js';

export interface AlertRule {
  alert: string;
  annotations: Record<string, string>;
}

export interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

export interface Scenario {
  name: string;
  series: Record<string, string>;
  /** [eval time, alert name, alerts expected (empty: must not fire)] */
  expect: [string, string, ExpectedAlert[]][];
}

export function alertRules(ruleFile: string): AlertRule[] {
  const doc = parseYaml(readFileSync(ruleFile, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert);
}

/** An alert expected to fire with these labels (severity included), with its rendered annotations. */
export function firing(rules: AlertRule[], alert: string, labels: Record<string, string>): ExpectedAlert {
  const rule = rules.find((r) => r.alert === alert);
  if (!rule) throw new Error(`no alert ${alert}`);
  const annotations = Object.fromEntries(
    Object.entries(rule.annotations).map(([key, text]) => {
      const rendered = text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
      if (rendered.includes('{{')) throw new Error(`${alert}.${key}: template the test cannot render: ${text}`);
      return [key, rendered];
    }),
  );
  return { exp_labels: labels, exp_annotations: annotations };
}

export function promtoolTestFile(ruleFiles: string[], scenarios: Scenario[]): string {
  return stringify({
    rule_files: ruleFiles,
    evaluation_interval: '1m',
    tests: scenarios.map((s) => ({
      name: s.name,
      interval: '1m',
      input_series: Object.entries(s.series).map(([series, values]) => ({ series, values })),
      alert_rule_test: s.expect.map(([eval_time, alertname, exp_alerts]) => ({ eval_time, alertname, exp_alerts })),
    })),
  });
}

/** Runs `promtool test rules` on the scenarios; its output ends in SUCCESS or names what differed. */
export function promtoolTest(ruleFiles: string[], scenarios: Scenario[]): { status: number; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'mailsync-promtool-')), 'test.yaml');
  writeFileSync(file, promtoolTestFile(ruleFiles, scenarios));
  const result = run('promtool', ['test', 'rules', file]);
  return { status: result.status, output: result.stdout + result.stderr };
}
