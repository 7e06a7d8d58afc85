/**
 * A small Kubernetes REST client on node:https (connection settings from
 * kube-config.ts: CA, client certificate, bearer token). Why not the
 * generated client of @kubernetes/client-node: its import alone costs about
 * 85 MB of resident memory, and we need raw streaming for pod logs with a
 * clean abort, merge patches on subresources, typed errors with the API's
 * Status reason, keep-alive, and a request counter for the benchmark.
 * client-node stays the source of the object types (type-only imports).
 * Resource paths are in paths.ts.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Connection, ConnectionSource } from './kube-config.js';

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

interface Live {
  connection: Connection;
  agent: http.Agent;
  fetchedAt: number;
}

/** How long connection settings (and the bearer token) are reused before being read again (token rotation). */
const SETTINGS_TTL_MS = 60_000;

const sameBuffer = (a?: Buffer, b?: Buffer) => (a && b ? a.equals(b) : a === b);

export class KubeClient {
  #live?: Promise<Live>;
  /** Requests sent, by verb (for metrics and the benchmark). */
  readonly requestCounts = new Map<string, number>();

  constructor(
    readonly source: ConnectionSource,
    readonly userAgent = 'kube-client',
  ) {}

  async #connect(): Promise<Live> {
    const cached = await this.#live?.catch(() => undefined);
    if (cached && Date.now() - cached.fetchedAt < SETTINGS_TTL_MS) return cached;
    this.#live = (async () => {
      const connection = await this.source.connection();
      const reuse =
        cached &&
        cached.connection.server.origin === connection.server.origin &&
        sameBuffer(cached.connection.ca, connection.ca) &&
        sameBuffer(cached.connection.cert, connection.cert) &&
        sameBuffer(cached.connection.key, connection.key);
      let agent: http.Agent;
      if (reuse && cached) agent = cached.agent;
      else {
        cached?.agent.destroy();
        agent =
          connection.server.protocol === 'https:'
            ? new https.Agent({
                keepAlive: true,
                maxSockets: 32,
                ca: connection.ca,
                cert: connection.cert,
                key: connection.key,
                rejectUnauthorized: connection.rejectUnauthorized,
                ...(connection.servername ? { servername: connection.servername } : {}),
              })
            : new http.Agent({ keepAlive: true, maxSockets: 32 });
      }
      return { connection, agent, fetchedAt: Date.now() };
    })();
    return this.#live;
  }

  #count(verb: string): void {
    this.requestCounts.set(verb, (this.requestCounts.get(verb) ?? 0) + 1);
  }

  /** Send a request; resolves with the raw response (status already checked). */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const live = await this.#connect();
    const url = new URL(path, live.connection.server);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...live.connection.headers,
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
          agent: live.agent,
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
    void this.#live?.then((c) => c.agent.destroy()).catch(() => {});
  }
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
