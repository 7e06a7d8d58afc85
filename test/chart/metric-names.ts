/**
 * Metric names referenced by PromQL expressions (the chart's alert rules and Grafana dashboard),
 * so that a test can check each one against what the operator really exports.
 *
 * A small PromQL tokenizer rather than regexes over the whole text: label values, label lists
 * (`by (le)`), functions, durations and Grafana variables (`$__rate_interval`) look like names too.
 */
import { parse as parseYaml } from 'yaml';

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);
/** Keywords followed by a parenthesised label list, which holds label names, not metrics. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Aggregation operators may be followed by `by (...)` before their parentheses. */
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
/** Series Prometheus makes itself for each scrape: never in the operator's /metrics. */
export const SYNTHETIC_METRICS = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
]);

const isIdentStart = (c: string) => /[a-zA-Z_:]/.test(c);
const isIdentChar = (c: string) => /[a-zA-Z0-9_:]/.test(c);

/** Index just past the quoted string starting at `i`. */
function skipString(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== quote) j += text[j] === '\\' && quote !== '`' ? 2 : 1;
  return j + 1;
}

/** Index just past the group opened at `i` by `open`, skipping strings inside it. */
function skipGroup(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text[j]!;
    if (c === '"' || c === "'" || c === '`') {
      j = skipString(text, j);
      continue;
    }
    if (c === open) depth++;
    if (c === close && --depth === 0) return j + 1;
    j++;
  }
  return j;
}

function nextNonSpace(text: string, i: number): number {
  let j = i;
  while (j < text.length && /\s/.test(text[j]!)) j++;
  return j;
}

/** `{__name__="x"}` names its metric inside the matchers. */
function nameFromMatchers(matchers: string): string | undefined {
  return /__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/.exec(matchers)?.[1];
}

/** One vector selector of an expression: the metric and its label matchers (name=value, quotes dropped). */
export interface Selector {
  name: string;
  matchers: Record<string, string>;
}

/** The label matchers of a `{...}` group, each as operator and value: `{a="x", b=~"y"}` -> { a: '=x', b: '=~y' }. */
function parseMatchers(group: string): Record<string, string> {
  const matchers: Record<string, string> = {};
  for (const m of group.matchAll(
    /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/g,
  )) {
    if (m[1] !== '__name__') matchers[m[1]!] = `${m[2]}${m[3]!.slice(1, -1)}`;
  }
  return matchers;
}

/** The metric names one PromQL expression selects, in order of first appearance. */
export function metricNamesInExpr(expr: string): string[] {
  return [...new Set(selectorsInExpr(expr).map((s) => s.name))];
}

/**
 * Every vector selector of one PromQL expression, in order, each with its matchers written as
 * operator and value: `m{job="a", name=~"b"}` -> { name: 'm', matchers: { job: '=a', name: '=~b' } }.
 */
export function selectorsInExpr(expr: string): Selector[] {
  const names: Selector[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      i = skipString(expr, i);
    } else if (c === '{') {
      const end = skipGroup(expr, i, '{', '}');
      const name = nameFromMatchers(expr.slice(i, end));
      if (name) names.push({ name, matchers: parseMatchers(expr.slice(i, end)) });
      i = end;
    } else if (c === '[') {
      i = skipGroup(expr, i, '[', ']');
    } else if (c === '$') {
      // Grafana variables: $var, ${var}, [[var]] (the last is skipped as a range)
      i++;
      if (expr[i] === '{') i = skipGroup(expr, i, '{', '}');
      else while (i < expr.length && isIdentChar(expr[i]!)) i++;
    } else if (/[0-9.]/.test(c)) {
      // numbers, durations (5m, 1h30m), exponents (1e-9), hex (0x1f)
      i++;
      while (i < expr.length && /[0-9a-zA-Z_.]/.test(expr[i]!)) {
        if (/[eE]/.test(expr[i]!) && /[+-]/.test(expr[i + 1] ?? '')) i++;
        i++;
      }
    } else if (isIdentStart(c)) {
      let j = i;
      while (j < expr.length && isIdentChar(expr[j]!)) j++;
      const word = expr.slice(i, j);
      const lower = word.toLowerCase();
      const next = nextNonSpace(expr, j);
      i = j;
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        if (expr[next] === '(') i = skipGroup(expr, next, '(', ')');
      } else if (KEYWORDS.has(lower)) {
        // operator keyword
      } else if (expr[next] === '(') {
        // a function call
      } else if (AGGREGATIONS.has(lower) && /^(by|without)\b/i.test(expr.slice(next))) {
        // `sum by (le) (...)`: the label list is skipped when `by` is read
      } else if (expr[next] === '{') {
        const end = skipGroup(expr, next, '{', '}');
        names.push({ name: word, matchers: parseMatchers(expr.slice(next, end)) });
        i = end;
      } else {
        names.push({ name: word, matchers: {} });
      }
    } else {
      i++;
    }
  }
  return names;
}

function unique(lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}

/** Every `expr` of a Prometheus rule file (alerting and recording rules). */
export function exprsInRuleFile(yamlText: string): string[] {
  const doc = parseYaml(yamlText) as { groups?: { rules?: { expr?: unknown }[] }[] };
  return (doc.groups ?? []).flatMap((g) => (g.rules ?? []).map((r) => r.expr).filter((e) => typeof e === 'string'));
}

/** Every `expr` of a Grafana dashboard, wherever it is (panels, rows' panels, library panels). */
export function exprsInDashboard(dashboard: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') found.push(value);
        else walk(value);
      }
    }
  };
  walk(dashboard);
  return found;
}

export const metricNamesInRuleFile = (yamlText: string) => unique(exprsInRuleFile(yamlText).map(metricNamesInExpr));
export const metricNamesInDashboard = (dashboard: unknown) =>
  unique(exprsInDashboard(dashboard).map(metricNamesInExpr));

/** Series a `# TYPE` line declares, as PromQL sees them (a histogram is queried by its suffixes). */
const TYPE_SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/**
 * Series names in a Prometheus text exposition (a /metrics scrape): every sample's name, plus what
 * each `# TYPE` line declares, so a labelled counter that has not counted anything yet still counts.
 */
export function metricNamesInExposition(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line);
    if (declared) {
      for (const suffix of TYPE_SUFFIXES[declared[2]!] ?? ['']) names.add(declared[1]! + suffix);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[\s{]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return [...names].sort();
}

/** Names used by PromQL but absent from a scrape (Prometheus' own synthetic series excepted). */
export function missingMetricNames(used: string[], exposition: string): string[] {
  const scraped = new Set(metricNamesInExposition(exposition));
  return used.filter((name) => !SYNTHETIC_METRICS.has(name) && !scraped.has(name));
}
