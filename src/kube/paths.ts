/**
 * REST paths of the built-in resources the controllers use (namespaced
 * collection, object, subresource). Paths of our own resources live next to
 * their controllers (src/controller/paths.ts).
 *
 * Every namespace and name is one encoded path segment: a name taken from a
 * spec ("../../api/v1/...") can never reach another path of the API.
 */

/** One path segment: URL-encoded, and "." or ".." (which a server may resolve) with their dots encoded too. */
export function segment(value: string): string {
  return /^\.{1,2}$/.test(value) ? value.replaceAll('.', '%2E') : encodeURIComponent(value);
}

/** A path template whose interpolations are encoded segments. */
export function apiPath(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, text, i) => out + text + (i < values.length ? segment(values[i] ?? '') : ''), '');
}

export const paths = {
  jobs: (ns?: string) => (ns ? apiPath`/apis/batch/v1/namespaces/${ns}/jobs` : '/apis/batch/v1/jobs'),
  job: (ns: string, name: string) => apiPath`/apis/batch/v1/namespaces/${ns}/jobs/${name}`,
  pods: (ns?: string) => (ns ? apiPath`/api/v1/namespaces/${ns}/pods` : '/api/v1/pods'),
  pod: (ns: string, name: string) => apiPath`/api/v1/namespaces/${ns}/pods/${name}`,
  podLog: (ns: string, name: string) => apiPath`/api/v1/namespaces/${ns}/pods/${name}/log`,
  configMaps: (ns: string) => apiPath`/api/v1/namespaces/${ns}/configmaps`,
  configMap: (ns: string, name: string) => apiPath`/api/v1/namespaces/${ns}/configmaps/${name}`,
  secret: (ns: string, name: string) => apiPath`/api/v1/namespaces/${ns}/secrets/${name}`,
  events: (ns: string) => apiPath`/api/v1/namespaces/${ns}/events`,
  event: (ns: string, name: string) => apiPath`/api/v1/namespaces/${ns}/events/${name}`,
  lease: (ns: string, name: string) => apiPath`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
  leases: (ns?: string) =>
    ns ? apiPath`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases` : '/apis/coordination.k8s.io/v1/leases',
};
