/**
 * The alerts and the dashboard see this operator only: every selector of files/alerts.yaml carries
 * the job (replaced per release by the chart), every controller_runtime_* selector the controller
 * name the operator exports and every workqueue_* selector its queue name (both read from
 * src/metrics/controller-metrics.ts); the dashboard selects the job and namespace variables.
 * test/prometheus/alert-scope.test.ts shows with promtool that another controller's series do not fire.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_NAME, QUEUE_NAME } from '../../src/metrics/controller-metrics.js';
import { exprsInDashboard, exprsInRuleFile, type Selector, selectorsInExpr } from './metric-names.js';
import { CHART } from './tools.js';

const alertSelectors = exprsInRuleFile(readFileSync(join(CHART, 'files/alerts.yaml'), 'utf8')).flatMap(selectorsInExpr);
const dashboard = JSON.parse(readFileSync(join(CHART, 'files/dashboard.json'), 'utf8')) as {
  templating: { list: { name: string; query?: unknown; allValue?: string; includeAll?: boolean }[] };
};
const dashboardSelectors = exprsInDashboard(dashboard).flatMap(selectorsInExpr);

/** The matchers a selector must carry besides the job: the operator's own controller and queue names. */
function ownMatchers(selector: Selector): Record<string, string> {
  if (selector.name.startsWith('controller_runtime_')) return { controller: `=${CONTROLLER_NAME}` };
  if (selector.name.startsWith('workqueue_')) return { name: `=${QUEUE_NAME}` };
  return {};
}

describe('metric-names selectorsInExpr', () => {
  it('reads each selector with its matchers', () => {
    expect(selectorsInExpr('sum(rate(a_total{job="j", x=~"y|z"}[5m])) / b{c!="d"} + absent(up{job="j"} == 1)')).toEqual(
      [
        { name: 'a_total', matchers: { job: '=j', x: '=~y|z' } },
        { name: 'b', matchers: { c: '!=d' } },
        { name: 'up', matchers: { job: '=j' } },
      ],
    );
    expect(selectorsInExpr('m offset 5m unless n')).toEqual([
      { name: 'm', matchers: {} },
      { name: 'n', matchers: {} },
    ]);
  });
});

describe('alert rules (files/alerts.yaml)', () => {
  it('select job="mailsync-operator" (the chart puts the release job there) in every selector', () => {
    expect(alertSelectors.length).toBeGreaterThan(8);
    for (const selector of alertSelectors) {
      expect(selector.matchers.job, selector.name).toBe('=mailsync-operator');
    }
  });

  it(`select controller="${CONTROLLER_NAME}" in every controller_runtime_* / workqueue_* selector`, () => {
    const runtime = alertSelectors.filter((s) => /^(controller_runtime|workqueue)_/.test(s.name));
    expect(runtime.length).toBeGreaterThanOrEqual(2);
    for (const selector of runtime) expect(selector.matchers, selector.name).toMatchObject(ownMatchers(selector));
  });
});

describe('dashboard (files/dashboard.json)', () => {
  it('has job and namespace variables that only list mailsync-operator targets', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(Object.keys(variables)).toEqual(['datasource', 'job', 'namespace']);
    expect(JSON.stringify(variables.job!.query)).toContain('label_values(mailsync_leader, job)');
    expect(JSON.stringify(variables.namespace!.query)).toContain(
      'label_values(mailsync_leader{job=~\\"$job\\"}, namespace)',
    );
    // "All" of the job variable is the listed mailsync jobs, never every job of the Prometheus
    expect(variables.job!.allValue).toBeUndefined();
  });

  it('select the job variable in every query, the namespace variable where the metric has no namespace of its own', () => {
    expect(dashboardSelectors.length).toBeGreaterThan(20);
    for (const selector of dashboardSelectors) {
      expect(selector.matchers.job, selector.name).toBe('=~$job');
      // the MailMigration metrics carry the migration's namespace label, not the operator's
      if (!selector.name.startsWith('mailsync_migration_')) {
        expect(selector.matchers.namespace, selector.name).toBe('=~$namespace');
      }
    }
  });

  it('select the operator controller and queue in every controller_runtime_* and workqueue_* query', () => {
    const runtime = dashboardSelectors.filter((s) => /^(controller_runtime|workqueue)_/.test(s.name));
    expect(new Set(runtime.map((s) => s.name.replace(/_bucket$/, ''))).size).toBeGreaterThanOrEqual(6);
    for (const selector of runtime) expect(selector.matchers, selector.name).toMatchObject(ownMatchers(selector));
  });
});
