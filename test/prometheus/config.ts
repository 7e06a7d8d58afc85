/**
 * The prometheus.yml of a test Prometheus: static scrape jobs (the local cluster has no service
 * discovery worth using: its Services get no endpoints) and optional rule files, evaluated often so
 * a test sees results within seconds.
 */
import { stringify } from 'yaml';

export interface ScrapeJob {
  /** The `job` label, e.g. "mailsync-operator" (what the chart's alerts and dashboard select). */
  job: string;
  /** host:port pairs on loopback. */
  targets: string[];
  /** Extra target labels, e.g. { namespace } as the Prometheus Operator's ServiceMonitor sets it. */
  labels?: Record<string, string>;
  metricsPath?: string;
  scheme?: 'http' | 'https';
  /** Client certificate and CA for https targets (e.g. the API server's pod proxy). */
  tls?: { caFile: string; certFile: string; keyFile: string; serverName?: string };
}

export interface PrometheusConfig {
  jobs: ScrapeJob[];
  /** Absolute paths of rule files (plain Prometheus rule files). */
  ruleFiles?: string[];
  /** Scrape and rule evaluation interval (default 1s). */
  interval?: string;
}

export function renderPrometheusConfig(config: PrometheusConfig): string {
  const interval = config.interval ?? '1s';
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: config.ruleFiles ?? [],
    scrape_configs: config.jobs.map((job) => ({
      job_name: job.job,
      metrics_path: job.metricsPath ?? '/metrics',
      scheme: job.scheme ?? 'http',
      ...(job.tls
        ? {
            tls_config: {
              ca_file: job.tls.caFile,
              cert_file: job.tls.certFile,
              key_file: job.tls.keyFile,
              ...(job.tls.serverName ? { server_name: job.tls.serverName } : {}),
            },
          }
        : {}),
      static_configs: [{ targets: job.targets, labels: job.labels ?? {} }],
    })),
  });
}
