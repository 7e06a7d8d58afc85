/**
 * The chart's alert rules (files/alerts.yaml) checked and exercised by promtool (Debian package
 * `prometheus`, installed by test/chart/install-deps.sh): `promtool check rules`, then
 * `promtool test rules` with synthetic series, one scenario per alert that fires and one that must not.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertRules, firing as firingOf, promtoolTest, type Scenario } from '../prometheus/promtool.js';
import { CHART, run } from './tools.js';

const RULES = join(CHART, 'files/alerts.yaml');
const JOB = 'job="mailsync-operator"';

function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const promtool = hasPromtool();
if (!promtool) console.log('alert rule tests skipped: promtool not found (run test/chart/install-deps.sh)');

const rules = alertRules(RULES);
const firing = (alert: string, labels: Record<string, string>) => firingOf(rules, alert, labels);

/**
 * A live copy counter sampled once a minute, as [minutes, added per minute] runs: the values
 * alternate around the rate (a worker's progress comes in uneven steps), never going down.
 */
function liveCounter(runs: [number, number][]): string {
  const values: number[] = [];
  let total = 0;
  for (const [minutes, perMinute] of runs) {
    for (let i = 0; i < minutes; i++) {
      values.push(total);
      total += perMinute === 0 ? 0 : i % 3 === 2 ? 0 : Math.round((perMinute * 3) / 2);
    }
  }
  return values.join(' ');
}

const SCENARIOS: Scenario[] = [
  {
    name: 'MailSyncFailed fires when a failure counter increases, and resolves',
    series: { [`mailsync_failures_total{${JOB},instance="a",reason="AuthenticationFailed"}`]: '0 0 1x20' },
    expect: [
      ['1m', 'MailSyncFailed', []],
      ['5m', 'MailSyncFailed', [firing('MailSyncFailed', { reason: 'AuthenticationFailed', severity: 'warning' })]],
      ['20m', 'MailSyncFailed', []],
    ],
  },
  {
    name: "MailSyncFailed sees a reason's first failure (a new labelled series)",
    series: {
      [`mailsync_failures_total{${JOB},instance="a",reason="TLSFailed"}`]: '_ _ _ 1x20',
      [`mailsync_failures_total{${JOB},instance="a",reason="Quiet"}`]: '0x24',
    },
    expect: [
      ['5m', 'MailSyncFailed', [firing('MailSyncFailed', { reason: 'TLSFailed', severity: 'warning' })]],
      ['20m', 'MailSyncFailed', []],
    ],
  },
  {
    name: 'MailSyncStuck fires when syncs run and nothing is copied for 30 minutes',
    series: {
      [`mailsync_syncs{${JOB},instance="a",phase="Running"}`]: '1x60',
      [`mailsync_messages_copied_total{${JOB},instance="a"}`]: '0+10x10 100x50',
    },
    expect: [
      ['20m', 'MailSyncStuck', []],
      ['50m', 'MailSyncStuck', [firing('MailSyncStuck', { severity: 'warning' })]],
    ],
  },
  {
    name: 'MailSyncStuck: also without any copied-messages series; not while copying; not when idle',
    series: {
      [`mailsync_syncs{${JOB},instance="a",phase="Running"}`]: '1x60',
      [`mailsync_syncs{${JOB},instance="b",phase="Running"}`]: '0x60',
    },
    expect: [['50m', 'MailSyncStuck', [firing('MailSyncStuck', { severity: 'warning' })]]],
  },
  {
    name: 'MailSyncStuck stays quiet while messages are copied, and when nothing runs',
    series: {
      [`mailsync_syncs{${JOB},instance="a",phase="Running"}`]: '1x40 0x20',
      [`mailsync_messages_copied_total{${JOB},instance="a"}`]: '0+5x40 200x20',
    },
    expect: [
      ['35m', 'MailSyncStuck', []],
      ['60m', 'MailSyncStuck', []],
    ],
  },
  // The copy counters move live with the workers' progress: irregular steps (a throttled sync adds
  // a few dozen a minute, a big message holds them for minutes), and a new leader starts from 0.
  {
    name: 'MailSyncStuck stays quiet for a 100-minute run that keeps copying, even with 10 flat minutes (a big message)',
    series: {
      [`mailsync_syncs{${JOB},instance="a",phase="Running"}`]: '1x100',
      [`mailsync_messages_copied_total{${JOB},instance="a"}`]: liveCounter([
        [15, 37],
        [10, 0],
        [1, 400],
        [30, 52],
        [44, 9],
      ]),
    },
    expect: [
      ['40m', 'MailSyncStuck', []],
      ['70m', 'MailSyncStuck', []],
      ['100m', 'MailSyncStuck', []],
    ],
  },
  {
    name: "MailSyncStuck stays quiet across a controller failover (the new leader's counter starts at 0)",
    series: {
      [`mailsync_syncs{${JOB},instance="a",phase="Running"}`]: '1x30 _x70',
      [`mailsync_messages_copied_total{${JOB},instance="a"}`]: `${liveCounter([[31, 20]])} _x69`,
      [`mailsync_syncs{${JOB},instance="b",phase="Running"}`]: '0x30 1x70',
      [`mailsync_messages_copied_total{${JOB},instance="b"}`]: `0x30 ${liveCounter([[70, 20]])}`,
    },
    expect: [
      ['45m', 'MailSyncStuck', []],
      ['90m', 'MailSyncStuck', []],
    ],
  },
  {
    name: 'MailSyncStuck fires once the live counter stops for 30 minutes while syncs run, and resolves when copying goes on',
    series: {
      [`mailsync_syncs{${JOB},instance="a",phase="Running"}`]: '3x100',
      [`mailsync_messages_copied_total{${JOB},instance="a"}`]: liveCounter([
        [21, 45],
        [50, 0],
        [30, 45],
      ]),
    },
    expect: [
      ['45m', 'MailSyncStuck', []],
      ['60m', 'MailSyncStuck', [firing('MailSyncStuck', { severity: 'warning' })]],
      ['80m', 'MailSyncStuck', []],
    ],
  },
  {
    name: 'MailSyncStuck stays quiet while syncs only wait in the queue (nothing runs)',
    series: {
      [`mailsync_syncs{${JOB},instance="a",phase="Queued"}`]: '50x60',
      [`mailsync_syncs{${JOB},instance="a",phase="Running"}`]: '0x60',
      [`mailsync_messages_copied_total{${JOB},instance="a"}`]: '900x60',
    },
    expect: [['50m', 'MailSyncStuck', []]],
  },
  {
    name: 'MailSyncControllerDown fires when no replica is up',
    series: {
      [`up{${JOB},instance="a"}`]: '0x20',
      [`up{${JOB},instance="b"}`]: '0x20',
    },
    expect: [
      ['3m', 'MailSyncControllerDown', []],
      ['10m', 'MailSyncControllerDown', [firing('MailSyncControllerDown', { severity: 'critical' })]],
    ],
  },
  {
    name: 'MailSyncControllerDown fires when the operator is not scraped at all',
    series: { 'up{job="something-else",instance="x"}': '1x20' },
    expect: [['10m', 'MailSyncControllerDown', [firing('MailSyncControllerDown', { severity: 'critical' })]]],
  },
  {
    name: 'MailSyncControllerDown fires when replicas are up but none leads, not when one does',
    series: {
      [`up{${JOB},instance="a"}`]: '1x40',
      [`up{${JOB},instance="b"}`]: '1x40',
      [`mailsync_leader{${JOB},instance="a"}`]: '0x20 1x20',
      [`mailsync_leader{${JOB},instance="b"}`]: '0x40',
    },
    expect: [
      ['10m', 'MailSyncControllerDown', [firing('MailSyncControllerDown', { severity: 'critical' })]],
      ['35m', 'MailSyncControllerDown', []],
    ],
  },
  {
    name: 'MailSyncHighErrorRate fires above 10 % failed reconciles for 15 minutes, not below',
    series: {
      [`controller_runtime_reconcile_total{${JOB},instance="a",controller="mailsync",result="success"}`]: '0+10x40',
      [`controller_runtime_reconcile_total{${JOB},instance="a",controller="mailsync",result="error"}`]: '0+5x40',
      [`controller_runtime_reconcile_errors_total{${JOB},instance="a",controller="mailsync"}`]: '0+5x40',
      [`controller_runtime_reconcile_total{${JOB},instance="a",controller="quiet",result="success"}`]: '0+100x40',
      [`controller_runtime_reconcile_errors_total{${JOB},instance="a",controller="quiet"}`]: '0+1x40',
    },
    expect: [
      ['10m', 'MailSyncHighErrorRate', []],
      [
        '30m',
        'MailSyncHighErrorRate',
        [firing('MailSyncHighErrorRate', { controller: 'mailsync', severity: 'warning' })],
      ],
    ],
  },
];

describe.skipIf(!promtool)('alert rules (promtool)', () => {
  it('pass promtool check rules', () => {
    const result = run('promtool', ['check', 'rules', RULES]);
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.status).toBe(0);
  });

  it('are the four alerts the issue asks for', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'MailSyncFailed',
      'MailSyncStuck',
      'MailSyncControllerDown',
      'MailSyncHighErrorRate',
    ]);
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    const result = promtoolTest([RULES], [scenario]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
