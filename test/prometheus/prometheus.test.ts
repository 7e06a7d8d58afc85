/**
 * The test Prometheus helper against a real Prometheus (Debian package): it scrapes a prom-client
 * registry served on 127.0.0.1, answers PromQL with the values the registry holds, evaluates a rule
 * file, and keeps the metadata of metrics that have no samples yet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Prometheus, prometheusUnavailable, startPrometheus } from './prometheus.js';

const unavailable = prometheusUnavailable();
if (unavailable) console.log(`test/prometheus skipped: ${unavailable}`);

describe.skipIf(unavailable)('a real Prometheus scraping a prom-client registry', () => {
  const registry = new Registry();
  const copied = new Counter({ name: 'demo_copied_total', help: 'copied', registers: [registry] });
  new Counter({ name: 'demo_failures_total', help: 'failures', labelNames: ['reason'], registers: [registry] });
  const duration = new Histogram({ name: 'demo_duration_seconds', help: 'duration', registers: [registry] });
  let server: http.Server;
  let prom: Prometheus;
  let rulesDir: string;

  beforeAll(async () => {
    server = http.createServer(async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    rulesDir = mkdtempSync(join(tmpdir(), 'mailsync-prom-rules-'));
    writeFileSync(
      join(rulesDir, 'rules.yaml'),
      [
        'groups:',
        '  - name: demo',
        '    rules:',
        '      - alert: DemoCopiedSomething',
        '        expr: sum by (namespace) (demo_copied_total) > 0',
        '      - record: demo:copied:sum',
        '        expr: sum(demo_copied_total)',
      ].join('\n'),
    );
    copied.inc(7);
    duration.observe(3);
    prom = await startPrometheus({
      jobs: [{ job: 'demo', targets: [`127.0.0.1:${port}`], labels: { namespace: 'demo-ns' } }],
      ruleFiles: [join(rulesDir, 'rules.yaml')],
    });
  });

  afterAll(async () => {
    await prom?.stop();
    server?.close();
    if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  });

  it('scrapes the target (up == 1) with the job and the static labels', async () => {
    await prom.waitForValue('up{job="demo"}', (v) => v === 1, 'the target to be up');
    const [target] = await prom.api.targets();
    expect(target).toMatchObject({ health: 'up', labels: { job: 'demo', namespace: 'demo-ns' } });
  });

  it('answers PromQL with the registry values', async () => {
    expect(await prom.waitForValue('demo_copied_total', (v) => v === 7, 'the counter')).toBe(7);
    copied.inc(5);
    expect(await prom.waitForValue('demo_copied_total', (v) => v === 12, 'the incremented counter')).toBe(12);
    expect(await prom.waitForValue('demo_duration_seconds_count', (v) => v === 1, 'the histogram count')).toBe(1);
  });

  it('evaluates the rule file: healthy rules, the alert fires, the recording rule records', async () => {
    await prom.waitForValue('demo:copied:sum', (v) => v >= 7, 'the recording rule');
    await prom.waitForValue('ALERTS{alertname="DemoCopiedSomething",alertstate="firing"}', (v) => v === 1, 'the alert');
    const rules = (await prom.api.ruleGroups()).flatMap((g) => g.rules);
    expect(rules.map((r) => [r.name, r.health])).toEqual([
      ['DemoCopiedSomething', 'ok'],
      ['demo:copied:sum', 'ok'],
    ]);
  });

  it('keeps the metadata of a labelled counter that has no sample yet', async () => {
    const metadata = await prom.api.metadata();
    expect(metadata.demo_failures_total?.[0]?.type).toBe('counter');
    expect(await prom.query('demo_failures_total')).toEqual([]);
  });
});
