/**
 * Every metric the chart's dashboard and alert rules use is declared by the controller's own
 * prom-client registry (src/metrics), checked on its exposition text as Prometheus would scrape it.
 * test/e2e-helm checks the same on a live scrape of the installed operator.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from '../../src/metrics/controller-metrics.js';
import { metricNamesInDashboard, metricNamesInRuleFile, missingMetricNames } from './metric-names.js';

const CHART = new URL('../../charts/mailsync-operator/', import.meta.url);

describe("the controller's registry", () => {
  it('declares every metric of the dashboard and the alert rules', async () => {
    const exposition = await new ControllerMetrics({ defaultMetrics: false }).registry.metrics();
    const rules = metricNamesInRuleFile(readFileSync(new URL('files/alerts.yaml', CHART), 'utf8'));
    const dashboard = metricNamesInDashboard(JSON.parse(readFileSync(new URL('files/dashboard.json', CHART), 'utf8')));
    expect(missingMetricNames(rules, exposition)).toEqual([]);
    expect(missingMetricNames(dashboard, exposition)).toEqual([]);
  });
});
