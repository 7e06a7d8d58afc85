/**
 * The few parts of Prometheus' HTTP API the tests read: instant queries, targets, rules and
 * metric metadata (https://prometheus.io/docs/prometheus/latest/querying/api/).
 */

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface ActiveTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

export interface Rule {
  name: string;
  type: 'alerting' | 'recording';
  query: string;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  lastEvaluation: string;
  state?: 'inactive' | 'pending' | 'firing';
}

export interface RuleGroup {
  name: string;
  file: string;
  rules: Rule[];
}

export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
}

export class PrometheusApi {
  constructor(readonly url: string) {}

  private async get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${this.url}${path}${query ? `?${query}` : ''}`);
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.errorType}: ${body.error}`);
    return body.data;
  }

  /** An instant vector query; scalars come back as one sample without labels. */
  async query(expr: string): Promise<Sample[]> {
    const data = await this.get<{ resultType: string; result: unknown }>('/api/v1/query', { query: expr });
    if (data.resultType === 'scalar') {
      const [, value] = data.result as [number, string];
      return [{ metric: {}, value: Number(value) }];
    }
    if (data.resultType !== 'vector') throw new Error(`query ${expr}: unexpected result type ${data.resultType}`);
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  async targets(): Promise<ActiveTarget[]> {
    return (await this.get<{ activeTargets: ActiveTarget[] }>('/api/v1/targets', { state: 'active' })).activeTargets;
  }

  async ruleGroups(): Promise<RuleGroup[]> {
    return (await this.get<{ groups: RuleGroup[] }>('/api/v1/rules')).groups;
  }

  /** Metadata (# TYPE / # HELP) of every metric the scraped targets declare, samples or not. */
  async metadata(): Promise<Record<string, MetricMetadata[]>> {
    return this.get<Record<string, MetricMetadata[]>>('/api/v1/metadata');
  }

  async ready(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/-/ready`)).ok;
    } catch {
      return false;
    }
  }
}
