import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  metricNamesInDashboard,
  metricNamesInExposition,
  metricNamesInExpr,
  metricNamesInRuleFile,
  missingMetricNames,
} from './metric-names.js';

const CHART = new URL('../../charts/mailsync-operator/', import.meta.url);

/**
 * The names the controller exports (the contract of the controller issue), as a scrape shows them:
 * histograms as _bucket, _sum and _count series. metric-names-registry.test.ts checks the same
 * against the controller's real registry.
 */
const EXPORTED = [
  'controller_runtime_reconcile_total',
  'controller_runtime_reconcile_errors_total',
  ...histogram('controller_runtime_reconcile_time_seconds'),
  'workqueue_depth',
  'workqueue_adds_total',
  'workqueue_retries_total',
  'mailsync_syncs',
  'mailsync_messages_copied_total',
  'mailsync_bytes_copied_total',
  ...histogram('mailsync_sync_duration_seconds'),
  'mailsync_failures_total',
  'mailsync_log_streams_active',
  'mailsync_leader',
  'mailsync_status_writes_total',
  'mailsync_migration_accounts',
  'mailsync_migration_queued',
  'mailsync_running_syncs',
];
function histogram(name: string): string[] {
  return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
}

describe('metricNamesInExpr', () => {
  it('finds a bare metric and one with matchers', () => {
    expect(metricNamesInExpr('mailsync_leader')).toEqual(['mailsync_leader']);
    expect(metricNamesInExpr('mailsync_syncs{phase="Running", job=~"a|b"}')).toEqual(['mailsync_syncs']);
  });

  it('skips functions, aggregations, label lists and durations', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le, controller) (rate(controller_runtime_reconcile_time_seconds_bucket[5m])))';
    expect(metricNamesInExpr(expr)).toEqual(['controller_runtime_reconcile_time_seconds_bucket']);
    expect(metricNamesInExpr('sum(rate(x_total[1h30m] offset 5m)) without (pod)')).toEqual(['x_total']);
    expect(metricNamesInExpr('max without (instance) (y)')).toEqual(['y']);
  });

  it('skips binary operators, vector matching and numbers', () => {
    const expr = 'a / on (namespace) group_left (reason) b > bool 1e-9 and c unless d or vector(0) * 0x1f';
    expect(metricNamesInExpr(expr)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('does not read names inside label values or strings', () => {
    expect(metricNamesInExpr('label_replace(m, "dst", "not_a_metric", "src", "(.*)")')).toEqual(['m']);
    expect(metricNamesInExpr('m{reason="AuthenticationFailed", job!~"x_total"}')).toEqual(['m']);
    expect(metricNamesInExpr("m{a='b}c'} + n")).toEqual(['m', 'n']);
  });

  it('reads __name__ matchers', () => {
    expect(metricNamesInExpr('{__name__="mailsync_leader", job="j"}')).toEqual(['mailsync_leader']);
  });

  it('ignores Grafana variables and comments', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable, not a JavaScript template
    expect(metricNamesInExpr('rate(m_total[$__rate_interval]) # per second\n+ n{pod="$pod"} * ${factor}')).toEqual([
      'm_total',
      'n',
    ]);
  });

  it('keeps metric names that contain keywords or colons', () => {
    expect(metricNamesInExpr('order_total + by_hand + job:errors:rate5m')).toEqual([
      'order_total',
      'by_hand',
      'job:errors:rate5m',
    ]);
  });

  it('finds absent() arguments', () => {
    expect(metricNamesInExpr('absent(up{job="mailsync-operator"} == 1) or max(mailsync_leader) == 0')).toEqual([
      'up',
      'mailsync_leader',
    ]);
  });
});

describe('metricNamesInExposition and missingMetricNames', () => {
  const scrape = [
    '# HELP mailsync_leader 1 when this replica leads',
    '# TYPE mailsync_leader gauge',
    'mailsync_leader 1',
    '# TYPE mailsync_failures_total counter',
    '# TYPE mailsync_sync_duration_seconds histogram',
    'mailsync_sync_duration_seconds_bucket{le="1"} 0',
    'mailsync_sync_duration_seconds_count 0',
    'undeclared_sample{a="b"} 3',
    '',
  ].join('\n');

  it('lists sampled names and what TYPE lines declare (histograms by their suffixes)', () => {
    expect(metricNamesInExposition(scrape)).toEqual([
      'mailsync_failures_total',
      'mailsync_leader',
      'mailsync_sync_duration_seconds_bucket',
      'mailsync_sync_duration_seconds_count',
      'mailsync_sync_duration_seconds_sum',
      'undeclared_sample',
    ]);
  });

  it('reports names that are not scraped, except Prometheus synthetic series', () => {
    expect(missingMetricNames(['up', 'mailsync_leader', 'mailsync_gone'], scrape)).toEqual(['mailsync_gone']);
  });
});

describe('the chart dashboard and alert rules', () => {
  const rules = metricNamesInRuleFile(readFileSync(new URL('files/alerts.yaml', CHART), 'utf8'));
  const dashboard = metricNamesInDashboard(JSON.parse(readFileSync(new URL('files/dashboard.json', CHART), 'utf8')));

  it('use only metrics the operator exports (and up)', () => {
    const exposition = EXPORTED.map((name) => `${name} 0`).join('\n');
    expect(missingMetricNames(rules, exposition)).toEqual([]);
    expect(missingMetricNames(dashboard, exposition)).toEqual([]);
  });

  it('cover what the issue asks for', () => {
    expect(rules).toEqual(
      expect.arrayContaining([
        'mailsync_failures_total',
        'mailsync_messages_copied_total',
        'mailsync_syncs',
        'mailsync_leader',
        'up',
        'controller_runtime_reconcile_errors_total',
      ]),
    );
    expect(dashboard).toEqual(
      expect.arrayContaining([
        'mailsync_syncs',
        'mailsync_messages_copied_total',
        'mailsync_bytes_copied_total',
        'mailsync_failures_total',
        'mailsync_sync_duration_seconds_bucket',
        'workqueue_depth',
        'mailsync_leader',
        'controller_runtime_reconcile_errors_total',
      ]),
    );
  });
});
