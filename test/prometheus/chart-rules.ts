/** The alert rules of the PrometheusRule the chart renders for a release, as a plain rule file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { oneOfKind, parseManifests } from '../chart/manifests.js';
import { helmTemplate } from '../chart/tools.js';

export interface RenderedRules {
  /** A rule file holding the PrometheusRule's groups. */
  file: string;
  /** alert name -> expression */
  exprs: Record<string, string>;
}

export function renderedRules(helm: string, release: string, namespace = 'mailsync-system'): RenderedRules {
  const rendered = helmTemplate(
    helm,
    ['--api-versions', 'monitoring.coreos.com/v1', '--show-only', 'templates/prometheusrule.yaml'],
    namespace,
    release,
  );
  if (rendered.status !== 0) throw new Error(rendered.stderr);
  const groups = oneOfKind(parseManifests(rendered.stdout), 'PrometheusRule').spec.groups as {
    rules: { alert: string; expr: string }[];
  }[];
  const file = join(mkdtempSync(join(tmpdir(), 'mailsync-rules-')), `${release}.yaml`);
  writeFileSync(file, stringify({ groups }));
  return { file, exprs: Object.fromEntries(groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr])) };
}
