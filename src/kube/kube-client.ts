/**
 * A small Kubernetes REST client on node:https (connection settings from
 * kube-config.ts: CA, client certificate, bearer token). Why not the
 * generated client of @kubernetes/client-node: its import alone costs about
 * 85 MB of resident memory, and we need raw streaming for pod logs with a
 * clean abort, merge patches on subresources, typed errors with the API's
 * Status reason, keep-alive, and a request counter for the benchmark.
 * client-node stays the source of the object types (type-only imports).
 * Resource paths are in paths.ts; timeouts, lanes, rate limit and retries
 * are explained in README.md.
 */
import type { IncomingMessage } from 'node:http';
import { CallSignal } from './call-signal.js';
import { KubeApiError } from './errors.js';
import type { ConnectionSource } from './kube-config.js';
import { type Lane, Lanes } from './lanes.js';
import { requestKey } from './request-key.js';
import { retryDelayMs } from './retry.js';
import { TokenBucket } from './token-bucket.js';

export { KubeApiError, KubeTransportError } from './errors.js';

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409;
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof KubeApiError && e.status === 409 && e.reason === 'AlreadyExists';
/** The object failed the API server's validation (422 Invalid): sending it again fails the same way. */
export const isInvalid = (e: unknown): boolean => e instanceof KubeApiError && e.status === 422;
/**
 * A create refused because the namespace is being deleted (403 with the cause NamespaceTerminating):
 * nothing can be created there again, so retrying only fills the log.
 */
export const isNamespaceTerminating = (e: unknown): boolean =>
  e instanceof KubeApiError &&
  e.status === 403 &&
  ((e.details as { causes?: { reason?: string }[] } | undefined)?.causes ?? []).some(
    (c) => c.reason === 'NamespaceTerminating',
  );

export type Query = Record<string, string | number | boolean | undefined>;
export type { Lane };

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Query;
  signal?: AbortSignal;
  /** Accept header (default application/json), e.g. the Table rendering kubectl asks for. */
  accept?: string;
  /**
   * Connection pool: 'requests' (default), 'urgent' (news a user waits for, e.g. a status phase change),
   * 'streams' (watches, log follows), 'leader' (the Lease).
   */
  lane?: Lane;
  /** Deadline of the call, retries included (request(): until the body is read; open(): until the headers). */
  timeoutMs?: number;
}

export interface KubeClientOptions {
  userAgent?: string;
  /** Client-side rate limit of the 'requests', 'urgent' and 'streams' lanes (the leader lane has its own). */
  qps?: number;
  burst?: number;
  /** Default deadline of a call. */
  timeoutMs?: number;
  /** Retries after 429, 5xx and connection failures (see retry.ts). */
  maxRetries?: number;
  /** First retry delay; doubles per retry (with jitter). */
  retryBaseMs?: number;
  /** How long connection settings (and the bearer token) are reused before being read again. */
  settingsTtlMs?: number;
}

export const CLIENT_DEFAULTS = {
  userAgent: 'kube-client',
  qps: 100,
  burst: 200,
  timeoutMs: 30_000,
  maxRetries: 4,
  retryBaseMs: 250,
  settingsTtlMs: 60_000,
} satisfies Required<KubeClientOptions>;

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

export class KubeClient {
  readonly options: Required<KubeClientOptions>;
  readonly #lanes: Lanes;
  readonly #bucket: TokenBucket;
  /** The leader's Lease renewals do not wait behind everyone else's requests (as controller-runtime). */
  readonly #leaderBucket = new TokenBucket(5, 10);
  /** Requests sent, by verb and resource (`PATCH mailsyncs/status`, see request-key.ts); retries count. */
  readonly requestCounts = new Map<string, number>();

  constructor(
    readonly source: ConnectionSource,
    /** The options, or just the User-Agent. */
    options: KubeClientOptions | string = {},
  ) {
    this.options = { ...CLIENT_DEFAULTS, ...(typeof options === 'string' ? { userAgent: options } : options) };
    this.#lanes = new Lanes(source, this.options.settingsTtlMs);
    this.#bucket = new TokenBucket(this.options.qps, this.options.burst);
  }

  get userAgent(): string {
    return this.options.userAgent;
  }

  #count(key: string): void {
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
  }

  /** Send a request; resolves with the raw response (status checked) for the caller to read or stream. */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const call = new CallSignal(options.timeoutMs ?? this.options.timeoutMs, options.signal);
    try {
      const response = await this.#send(method, path, options, call);
      // A stream outlives the deadline of its headers; the caller's signal still ends it.
      call.clearDeadline();
      response.once('close', () => call.dispose());
      return response;
    } catch (error) {
      call.dispose();
      throw error;
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const call = new CallSignal(options.timeoutMs ?? this.options.timeoutMs, options.signal);
    try {
      const response = await this.#send(method, path, options, call);
      const text = await readAll(response).catch((error) => {
        throw call.translate(error);
      });
      return (text ? JSON.parse(text) : undefined) as T;
    } finally {
      call.dispose();
    }
  }

  /** One call: rate limit, send, and retry what may be retried, all within the call's deadline. */
  async #send(method: string, path: string, options: RequestOptions, call: CallSignal): Promise<IncomingMessage> {
    const lane = options.lane ?? 'requests';
    const bucket = lane === 'leader' ? this.#leaderBucket : this.#bucket;
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      try {
        await bucket.take(call.signal);
        return await this.#sendOnce(method, path, options, lane, call.signal);
      } catch (raw) {
        const error = call.translate(raw);
        if (error instanceof KubeApiError && error.status === 401 && !reauthenticated) {
          // A rotated token: read the settings again now instead of at the next refresh.
          reauthenticated = true;
          if (await this.#lanes.refresh()) continue;
        }
        const delay =
          attempt < this.options.maxRetries ? retryDelayMs(error, method, attempt, this.options) : undefined;
        if (delay === undefined || delay > call.remainingMs()) throw error;
        await call.sleep(delay).catch((abort) => {
          throw call.translate(abort);
        });
      }
    }
  }

  async #sendOnce(
    method: string,
    path: string,
    options: RequestOptions,
    lane: Lane,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const live = await this.#lanes.current();
    const url = new URL(path, live.connection.server);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = {
      ...live.connection.headers,
      Accept: options.accept ?? 'application/json',
      'User-Agent': this.options.userAgent,
    };
    if (body) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    this.#count(requestKey(method, path, options.query));
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = live.transport.request(url, { method, headers, agent: live.agents[lane], signal }, resolve);
      request.on('error', reject);
      request.end(body);
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    const text = await readAll(response).catch(() => '');
    throw apiError(status, text, `${method} ${url.pathname}`, response.headers['retry-after']);
  }

  get<T>(path: string, query?: Query, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, { ...options, query });
  }

  create<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  replace<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  mergePatch<T>(path: string, patch: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body: patch, contentType: MERGE_PATCH });
  }

  jsonPatch<T>(path: string, patch: unknown[]): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: JSON_PATCH });
  }

  delete<T>(path: string, options: { propagationPolicy?: string; gracePeriodSeconds?: number } = {}): Promise<T> {
    return this.request<T>('DELETE', path, { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options } });
  }

  /** Sockets per lane (for tests and the request-stats log). */
  sockets(): Promise<Record<Lane, number>> {
    return this.#lanes.sockets();
  }

  /**
   * Where requests wait now (for the request-stats log): how far ahead the rate limit's tokens are
   * reserved (a request sent now would wait this long), and requests waiting for a socket per lane.
   */
  backlog(): { rateLimitMs: number; socketWaits: Record<Lane, number> } {
    const reserved = Math.max(0, -this.#bucket.tokens);
    return {
      rateLimitMs: this.#bucket.qps > 0 ? Math.round((reserved / this.#bucket.qps) * 1000) : 0,
      socketWaits: this.#lanes.waiting(),
    };
  }

  close(): void {
    this.#lanes.close();
  }
}

export async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiError(status: number, text: string, what: string, retryAfter?: string): KubeApiError {
  const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  try {
    const body = JSON.parse(text) as { reason?: string; message?: string; details?: unknown };
    return new KubeApiError(
      status,
      body.reason ?? String(status),
      body.message ?? `${what}: HTTP ${status}`,
      body.details,
      seconds,
    );
  } catch {
    return new KubeApiError(
      status,
      String(status),
      `${what}: HTTP ${status} ${text.slice(0, 200)}`,
      undefined,
      seconds,
    );
  }
}
