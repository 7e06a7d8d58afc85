/**
 * The alerts are scoped: the PrometheusRule the chart renders for release A (its job label, the
 * controller name the operator exports) is fed, through `promtool test rules`, with series of A, of a
 * second release B in the same cluster, and of another controller that exports the same
 * controller_runtime_* names; only A's own trouble fires A's alerts. Each scenario has a control
 * that fires, so a rule that never fires cannot pass.
 */
import { describe, expect, it } from 'vitest';
import { CONTROLLER_NAME } from '../../src/metrics/controller-metrics.js';
import { buildTool } from '../chart/tools.js';
import { renderedRules } from './chart-rules.js';
import { prometheusUnavailable } from './prometheus.js';
import { type AlertRule, alertRules, firing, promtoolTest, type Scenario } from './promtool.js';

const unavailable = prometheusUnavailable();
if (unavailable) console.log(`alert scope tests skipped: ${unavailable}`);

const A = 'job="mail-a-mailsync-operator"';
const B = 'job="mail-b-mailsync-operator"';
/** Another operator in the cluster, built on controller-runtime too: the same metric names. */
const OTHER = 'job="cert-manager"';

// rendered while collecting: the scenarios' expected annotations come from the rendered rules
const ruleFiles = unavailable
  ? undefined
  : { a: renderedRules(buildTool('helm'), 'mail-a').file, b: renderedRules(buildTool('helm'), 'mail-b').file };

describe.skipIf(!ruleFiles)("release A's alerts see release A only", () => {
  const ruleFile = ruleFiles?.a ?? '';
  const rules: AlertRule[] = ruleFiles ? alertRules(ruleFile) : [];

  const reconciles = (job: string, controller: string, errorsPerMinute: number) => ({
    [`controller_runtime_reconcile_total{${job},instance="x",controller="${controller}",result="success"}`]: '0+10x40',
    [`controller_runtime_reconcile_total{${job},instance="x",controller="${controller}",result="error"}`]: `0+${errorsPerMinute}x40`,
    [`controller_runtime_reconcile_errors_total{${job},instance="x",controller="${controller}"}`]: `0+${errorsPerMinute}x40`,
  });

  const scenarios: Scenario[] = !ruleFiles
    ? []
    : [
        {
          name: 'MailSyncHighErrorRate: quiet while release B and another controller (same metric names) fail',
          series: {
            ...reconciles(A, CONTROLLER_NAME, 0),
            ...reconciles(B, CONTROLLER_NAME, 10),
            ...reconciles(OTHER, 'certificates', 10),
            // a second controller scraped under A's own job (a manager running several controllers)
            ...reconciles(A, 'other-controller', 10),
          },
          expect: [['30m', 'MailSyncHighErrorRate', []]],
        },
        {
          name: "MailSyncHighErrorRate: fires for A's own failing reconciles",
          series: { ...reconciles(A, CONTROLLER_NAME, 10), ...reconciles(OTHER, 'certificates', 0) },
          expect: [
            [
              '30m',
              'MailSyncHighErrorRate',
              [firing(rules, 'MailSyncHighErrorRate', { controller: CONTROLLER_NAME, severity: 'warning' })],
            ],
          ],
        },
        {
          name: "MailSyncFailed: quiet for B's failures, fires for A's",
          series: {
            [`mailsync_failures_total{${B},instance="b",reason="AuthenticationFailed"}`]: '0 0 1x20',
            [`mailsync_failures_total{${A},instance="a",reason="TLSFailed"}`]: '0x10 1x12',
          },
          expect: [
            ['5m', 'MailSyncFailed', []],
            ['12m', 'MailSyncFailed', [firing(rules, 'MailSyncFailed', { reason: 'TLSFailed', severity: 'warning' })]],
          ],
        },
        {
          name: "MailSyncControllerDown: B's live leader does not hide A being down",
          series: {
            [`up{${A},instance="a"}`]: '0x20',
            [`up{${B},instance="b"}`]: '1x20',
            [`mailsync_leader{${B},instance="b"}`]: '1x20',
          },
          expect: [
            ['10m', 'MailSyncControllerDown', [firing(rules, 'MailSyncControllerDown', { severity: 'critical' })]],
          ],
        },
        {
          name: 'MailSyncControllerDown: quiet while A is up and leads, whatever B does',
          series: {
            [`up{${A},instance="a"}`]: '1x20',
            [`mailsync_leader{${A},instance="a"}`]: '1x20',
            [`up{${B},instance="b"}`]: '0x20',
            [`mailsync_leader{${B},instance="b"}`]: '0x20',
          },
          expect: [['10m', 'MailSyncControllerDown', []]],
        },
        {
          name: "MailSyncStuck: quiet while only B's syncs are stuck, A copying",
          series: {
            [`mailsync_syncs{${B},instance="b",phase="Running"}`]: '1x60',
            [`mailsync_messages_copied_total{${B},instance="b"}`]: '5x60',
            [`mailsync_syncs{${A},instance="a",phase="Running"}`]: '1x60',
            [`mailsync_messages_copied_total{${A},instance="a"}`]: '0+5x60',
          },
          expect: [['50m', 'MailSyncStuck', []]],
        },
      ];

  it('the rendered rules are the four alerts', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'MailSyncFailed',
      'MailSyncStuck',
      'MailSyncControllerDown',
      'MailSyncHighErrorRate',
    ]);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    const result = promtoolTest([ruleFile], [scenario]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it("control: B's rules, fed the first scenario, do fire (the quiet result above is the scoping)", () => {
    const result = promtoolTest([ruleFiles!.b], [scenarios[0]!]);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('MailSyncHighErrorRate');
  });
});
