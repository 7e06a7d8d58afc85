/**
 * A small Kubernetes REST client on node:https with the connection settings
 * of a client-node KubeConfig (applyToHTTPSOptions: CA, client certificate,
 * bearer token). Why not the generated client: we need raw streaming for pod
 * logs with clean abort, merge patches on subresources, typed errors with the
 * API's Status reason, keep-alive, and a request counter for the benchmark.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    /** The API Status reason: NotFound, AlreadyExists, Conflict, Invalid, Forbidden... */
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409;
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof KubeApiError && e.status === 409 && e.reason === 'AlreadyExists';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Query;
  signal?: AbortSignal;
  /** Accept header (default application/json), e.g. the Table rendering kubectl asks for. */
  accept?: string;
}

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

interface Connection {
  base: URL;
  agent: http.Agent;
  options: https.RequestOptions;
  fetchedAt: number;
}

/** How long connection settings (and the bearer token) are reused before being read again (token rotation). */
const SETTINGS_TTL_MS = 60_000;

export class KubeClient {
  #connection?: Promise<Connection>;
  /** Requests sent, by verb (for metrics and the benchmark). */
  readonly requestCounts = new Map<string, number>();

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly userAgent = 'mailsync-controller',
  ) {}

  async #connect(): Promise<Connection> {
    const cached = await this.#connection?.catch(() => undefined);
    if (cached && Date.now() - cached.fetchedAt < SETTINGS_TTL_MS) return cached;
    this.#connection = (async () => {
      const cluster = this.kubeConfig.getCurrentCluster();
      if (!cluster) throw new Error('no current cluster in the kubeconfig');
      const options: https.RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(options);
      const base = new URL(cluster.server);
      const sameTls =
        cached &&
        String(cached.options.ca) === String(options.ca) &&
        String(cached.options.cert) === String(options.cert) &&
        String(cached.options.key) === String(options.key);
      const agentOptions = { keepAlive: true, maxSockets: 32, ...pickTls(options) };
      const agent =
        sameTls && cached
          ? cached.agent
          : base.protocol === 'https:'
            ? new https.Agent(agentOptions)
            : new http.Agent({ keepAlive: true, maxSockets: 32 });
      if (cached && cached.agent !== agent) cached.agent.destroy();
      return { base, agent, options, fetchedAt: Date.now() };
    })();
    return this.#connection;
  }

  #count(verb: string): void {
    this.requestCounts.set(verb, (this.requestCounts.get(verb) ?? 0) + 1);
  }

  /** Send a request; resolves with the raw response (status already checked). */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const connection = await this.#connect();
    const url = new URL(path, connection.base);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...((connection.options.headers as Record<string, string>) ?? {}),
      Accept: options.accept ?? 'application/json',
      'User-Agent': this.userAgent,
    };
    if (body) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    this.#count(method);
    const transport = url.protocol === 'https:' ? https : http;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = transport.request(
        url,
        {
          method,
          headers,
          agent: connection.agent,
          ...(connection.options.auth ? { auth: connection.options.auth } : {}),
          signal: options.signal,
        },
        resolve,
      );
      request.on('error', reject);
      request.end(body);
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    const text = await readAll(response).catch(() => '');
    throw apiError(status, text, `${method} ${url.pathname}`);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.open(method, path, options);
    const text = await readAll(response);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  replace<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }

  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: MERGE_PATCH });
  }

  jsonPatch<T>(path: string, patch: unknown[]): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: JSON_PATCH });
  }

  delete<T>(path: string, options: { propagationPolicy?: string; gracePeriodSeconds?: number } = {}): Promise<T> {
    return this.request<T>('DELETE', path, { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options } });
  }

  close(): void {
    void this.#connection?.then((c) => c.agent.destroy()).catch(() => {});
  }
}

function pickTls(options: https.RequestOptions): https.AgentOptions {
  const tls: https.AgentOptions = {};
  if (options.ca) tls.ca = options.ca;
  if (options.cert) tls.cert = options.cert;
  if (options.key) tls.key = options.key;
  if (options.pfx) tls.pfx = options.pfx;
  if (options.passphrase) tls.passphrase = options.passphrase;
  if (options.servername) tls.servername = options.servername;
  if (options.rejectUnauthorized !== undefined) tls.rejectUnauthorized = options.rejectUnauthorized;
  return tls;
}

export async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(status: number, text: string, what: string): KubeApiError {
  try {
    const body = JSON.parse(text) as { reason?: string; message?: string; details?: unknown };
    return new KubeApiError(
      status,
      body.reason ?? String(status),
      body.message ?? `${what}: HTTP ${status}`,
      body.details,
    );
  } catch {
    return new KubeApiError(status, String(status), `${what}: HTTP ${status} ${text.slice(0, 200)}`);
  }
}

/** API paths. */
export const paths = {
  mailSyncs: (ns?: string) =>
    ns ? `/apis/mailsync.io/v1alpha1/namespaces/${ns}/mailsyncs` : '/apis/mailsync.io/v1alpha1/mailsyncs',
  mailSync: (ns: string, name: string) => `/apis/mailsync.io/v1alpha1/namespaces/${ns}/mailsyncs/${name}`,
  mailSyncStatus: (ns: string, name: string) => `/apis/mailsync.io/v1alpha1/namespaces/${ns}/mailsyncs/${name}/status`,
  jobs: (ns?: string) => (ns ? `/apis/batch/v1/namespaces/${ns}/jobs` : '/apis/batch/v1/jobs'),
  job: (ns: string, name: string) => `/apis/batch/v1/namespaces/${ns}/jobs/${name}`,
  pods: (ns?: string) => (ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods'),
  pod: (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}`,
  podLog: (ns: string, name: string) => `/api/v1/namespaces/${ns}/pods/${name}/log`,
  configMaps: (ns: string) => `/api/v1/namespaces/${ns}/configmaps`,
  configMap: (ns: string, name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`,
  secret: (ns: string, name: string) => `/api/v1/namespaces/${ns}/secrets/${name}`,
  events: (ns: string) => `/api/v1/namespaces/${ns}/events`,
  event: (ns: string, name: string) => `/api/v1/namespaces/${ns}/events/${name}`,
  lease: (ns: string, name: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
  leases: (ns: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
};
