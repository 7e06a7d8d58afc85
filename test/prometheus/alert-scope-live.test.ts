/**
 * The alert scoping against a real Prometheus (Debian package) and the operator's real metric code:
 * release A's and release B's metrics are two ControllerMetrics registries (src/metrics), another
 * operator's a registry with the same controller_runtime_* names; Prometheus scrapes the three as
 * their own jobs and loads release A's rendered PrometheusRule. The rules load healthy; A's
 * error-rate expression is empty while B and the other operator fail and A is healthy (the same
 * expression without the selectors is not: the test can fail) and shows A's own controller once A
 * fails; A's controller-down expression fires when A has no leader although B has one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLER_NAME, ControllerMetrics } from '../../src/metrics/controller-metrics.js';
import { buildTool } from '../chart/tools.js';
import { type RenderedRules, renderedRules } from './chart-rules.js';
import { type Prometheus, prometheusUnavailable, startPrometheus } from './prometheus.js';

const unavailable = prometheusUnavailable();
if (unavailable) console.log(`live alert scope tests skipped: ${unavailable}`);

const JOB_A = 'mail-a-mailsync-operator';
const JOB_B = 'mail-b-mailsync-operator';
const JOB_OTHER = 'cert-manager';

/** Serves a registry on 127.0.0.1; resolves with host:port and the server. */
async function serve(registry: Registry): Promise<{ target: string; server: http.Server }> {
  const server = http.createServer(async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.end(await registry.metrics());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { target: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.skipIf(unavailable)(
  "release A's rendered alerts in a real Prometheus with release B and another operator",
  () => {
    const a = new ControllerMetrics();
    const b = new ControllerMetrics();
    const other = new Registry();
    const otherTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'reconciles',
      labelNames: ['controller', 'result'],
      registers: [other],
    });
    const otherErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'errors',
      labelNames: ['controller'],
      registers: [other],
    });
    const servers: http.Server[] = [];
    let prom: Prometheus;
    let rules: RenderedRules;
    let aFails = false;
    let ticker: NodeJS.Timeout;

    beforeAll(async () => {
      rules = renderedRules(buildTool('helm'), 'mail-a');
      const targets: Record<string, string> = {};
      for (const [job, registry] of [
        [JOB_A, a.registry],
        [JOB_B, b.registry],
        [JOB_OTHER, other],
      ] as const) {
        const served = await serve(registry);
        servers.push(served.server);
        targets[job] = served.target;
      }
      a.leader.set(1);
      b.leader.set(0);
      // reconciles go on all the time: A healthy (until a test makes it fail), B and the other operator failing
      ticker = setInterval(() => {
        a.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: aFails ? 'error' : 'success' }, 10);
        if (aFails) a.reconcileErrors.inc({ controller: CONTROLLER_NAME }, 10);
        b.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: 'error' }, 10);
        b.reconcileErrors.inc({ controller: CONTROLLER_NAME }, 10);
        otherTotal.inc({ controller: 'certificates', result: 'error' }, 10);
        otherErrors.inc({ controller: 'certificates' }, 10);
      }, 200);
      prom = await startPrometheus({
        jobs: Object.entries(targets).map(([job, target]) => ({ job, targets: [target] })),
        ruleFiles: [rules.file],
      });
      // B's and the other operator's error rates are visible
      await prom.waitForValue(
        'count(rate(controller_runtime_reconcile_errors_total[1m]) > 0)',
        (v) => v === 2,
        'the error rates of B and the other operator',
      );
    }, 120_000);

    afterAll(async () => {
      clearInterval(ticker);
      await prom?.stop();
      for (const server of servers) server.close();
    });

    it('loads the rendered rules healthy', async () => {
      await prom.waitForValue('count(up == 1)', (v) => v === 3, 'the three targets');
      let health: string[] = [];
      for (let i = 0; i < 60 && !(health.length === 4 && health.every((h) => h === 'ok')); i++) {
        health = (await prom.api.ruleGroups()).flatMap((g) => g.rules.map((r) => r.health));
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(health).toEqual(['ok', 'ok', 'ok', 'ok']);
    });

    /** The expression without the job and controller selectors, as the alerts were before issue 16. */
    const unscoped = (expr: string) => expr.replace(/\{job="[^"]*"(, controller="[^"]*")?(, )?/g, '{');
    /** Polls an instant query until `done` accepts its result (Prometheus scrapes every second). */
    async function until(expr: string, done: (samples: Awaited<ReturnType<Prometheus['query']>>) => boolean) {
      let samples = await prom.query(expr);
      for (let i = 0; i < 120 && !done(samples); i++) {
        await new Promise((r) => setTimeout(r, 500));
        samples = await prom.query(expr);
      }
      return samples;
    }

    it('MailSyncHighErrorRate is empty for a healthy A while B and the other operator fail (unscoped: both)', async () => {
      expect(await prom.query(rules.exprs.MailSyncHighErrorRate!)).toEqual([]);
      const errorRate = await prom.query(unscoped(rules.exprs.MailSyncHighErrorRate!));
      expect(errorRate.map((s) => s.metric.controller).sort()).toEqual(['certificates', CONTROLLER_NAME]);
    });

    it("MailSyncControllerDown: B's leader does not hide that A has none (unscoped it would)", async () => {
      expect(await prom.query(rules.exprs.MailSyncControllerDown!)).toEqual([]);
      a.leader.set(0);
      b.leader.set(1);
      // both changes scraped (the targets are scraped at different moments)
      await prom.waitForValue(`mailsync_leader{job="${JOB_A}"}`, (v) => v === 0, "A's leader gauge at 0");
      await prom.waitForValue(`mailsync_leader{job="${JOB_B}"}`, (v) => v === 1, "B's leader gauge at 1");
      const down = await prom.query(rules.exprs.MailSyncControllerDown!);
      expect(down.map((s) => s.value)).toEqual([0]);
      expect(await prom.query(unscoped(rules.exprs.MailSyncControllerDown!))).toEqual([]);
      a.leader.set(1);
    });

    it("MailSyncHighErrorRate shows A's own controller once A fails", async () => {
      aFails = true;
      const samples = await until(rules.exprs.MailSyncHighErrorRate!, (found) => found.length > 0);
      expect(samples.map((s) => s.metric)).toEqual([{ controller: CONTROLLER_NAME }]);
    });
  },
);
