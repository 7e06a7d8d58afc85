/**
 * The key a request is counted under: verb and resource, as the API server's
 * own metrics (apiserver_request_total{verb,resource,subresource}) would name
 * it, e.g. `PATCH mailsyncs/status`, `LIST pods`, `WATCH pods`, `GET pods/log`,
 * `POST events`. Derived from the REST path alone, so it knows no resource in
 * particular; names and namespaces stay out (they would make the counters
 * grow without bound, and a name is no business of a metric).
 *
 * Verbs: the HTTP method, except that a GET is LIST on a collection and WATCH
 * with `watch=true` (both are a different cost to the server than a GET of
 * one object).
 */
export type QueryValues = Record<string, string | number | boolean | undefined>;

interface PathParts {
  resource: string;
  /** An object's name was in the path (GET of one object, not a LIST). */
  named: boolean;
  subresource?: string;
}

/**
 * `/api/v1/namespaces/ns/pods/name/log` → pods, named, log;
 * `/apis/batch/v1/jobs` → jobs; `/api/v1/namespaces/ns` → namespaces, named.
 */
export function pathParts(path: string): PathParts | undefined {
  const segments = segmentsOf(path);
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 2) rest = segments.slice(2);
  else if (segments[0] === 'apis' && segments.length >= 3) rest = segments.slice(3);
  else return undefined;
  // namespaces/NS/RESOURCE/...: the namespace is a scope, unless nothing follows it.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource, name, subresource] = rest;
  if (!resource) return undefined;
  return { resource, named: name !== undefined, ...(subresource ? { subresource } : {}) };
}

function segmentsOf(path: string): string[] {
  return (path.split('?')[0] ?? '').split('/').filter((s) => s !== '');
}

export function requestKey(method: string, path: string, query: QueryValues = {}): string {
  const verb = method.toUpperCase();
  const parts = pathParts(path);
  // A non-resource path (discovery, /version, /healthz): its first segment.
  if (!parts) return `${verb} /${segmentsOf(path)[0] ?? ''}`;
  const resource = parts.subresource ? `${parts.resource}/${parts.subresource}` : parts.resource;
  if (verb !== 'GET') return `${verb} ${resource}`;
  if (query.watch === true || query.watch === 'true' || query.watch === 1) return `WATCH ${resource}`;
  return `${parts.named ? 'GET' : 'LIST'} ${resource}`;
}

/** The sum of the counters (what the benchmarks report as requests). */
export function totalRequests(counts: ReadonlyMap<string, number> | Record<string, number>): number {
  const values = counts instanceof Map ? [...counts.values()] : Object.values(counts);
  return values.reduce((a, b) => a + b, 0);
}
