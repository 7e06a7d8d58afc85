/**
 * An in-process fake Kubernetes API server (node:http on 127.0.0.1) for fast
 * tests of src/kube: a small object store (get, list, create, replace with
 * resourceVersion preconditions), watches a test feeds event by event, and
 * lists of one namespace or of all namespaces (with a labelSelector of `key` and `key=value` terms),
 * faults a test queues per request: an HTTP status (with Retry-After), a
 * hung request, a connection reset, a watch that ends at once (a watch the
 * test sends nothing on is a silent one). Every request is recorded (method, path, query, bearer token).
 * DELETE and merge PATCH of stored objects; more answers (TokenReview, SubjectAccessReview:
 * fake-reviews.ts) through `handlers`.
 * The client under test is the real KubeClient with a real kubeconfig file
 * (bearer token from a file, so a test can rotate it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeClient, type KubeClientOptions } from '../../src/kube/kube-client.js';
import { kubeconfigSource } from '../../src/kube/kube-config.js';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  token?: string;
  at: number;
}

export type Fault =
  | { kind: 'status'; status: number; reason?: string; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** A watch answered 200 and ended with no event. */
  | { kind: 'end' };

interface QueuedFault {
  method?: string;
  match: (path: string, query: URLSearchParams) => boolean;
  fault: Fault;
  times: number;
}

interface Stored {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Watch {
  path: string;
  query: URLSearchParams;
  send(type: string, object: unknown): void;
  end(): void;
  closed: Promise<void>;
}

export class FakeApiServer {
  readonly requests: SeenRequest[] = [];
  readonly objects = new Map<string, Stored>();
  /** Open watches, in arrival order (ended ones stay, with `closed` resolved). */
  readonly watches: Watch[] = [];
  /** Answers tried before the object store: the first that returns a result wins. */
  readonly handlers: ((method: string, path: string, body: unknown) => { code: number; body: unknown } | undefined)[] =
    [];
  /** Tokens the server accepts (Authorization: Bearer ...). */
  acceptedTokens = new Set(['token-1']);
  #faults: QueuedFault[] = [];
  #version = 1000;
  #watchWaiters: ((watch: Watch) => void)[] = [];
  #unclaimed: Watch[] = [];
  readonly #server = http.createServer((req, res) => this.#handle(req, res));
  readonly #sockets = new Set<import('node:net').Socket>();
  #dir = mkdtempSync(path.join(tmpdir(), 'fake-api-'));

  get tokenFile(): string {
    return path.join(this.#dir, 'token');
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.rotateToken('token-1');
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Write a new token to the token file the client reads, and accept only it. */
  rotateToken(token: string): void {
    writeFileSync(this.tokenFile, `${token}\n`);
    this.acceptedTokens = new Set([token]);
  }

  /** A real KubeClient on a kubeconfig that points here (token from the token file). */
  async client(options: KubeClientOptions = {}): Promise<KubeClient> {
    const file = path.join(this.#dir, 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: fake, cluster: {server: "${this.url}"}}]`,
        'users: [{name: u, user: {tokenFile: token}}]',
        'contexts: [{name: ctx, context: {cluster: fake, user: u}}]',
        'current-context: ctx',
        '',
      ].join('\n'),
    );
    const source = await kubeconfigSource(file);
    if (!source) throw new Error('kubeconfig needs a plugin');
    return new KubeClient(source, { userAgent: 'fake-api-test', retryBaseMs: 10, ...options });
  }

  /** The next `times` requests matching path (a string prefix or a predicate), and method if given, get `fault`. */
  fail(
    match: string | ((path: string, query: URLSearchParams) => boolean),
    fault: Fault,
    times = 1,
    method?: string,
  ): void {
    const test = typeof match === 'string' ? (p: string) => p === match : match;
    this.#faults.push({ match: test, fault, times, method });
  }

  put<T extends { metadata: { name: string } }>(objectPath: string, object: T): Stored {
    const stored = structuredClone(object) as Stored;
    stored.metadata.resourceVersion = String(++this.#version);
    this.objects.set(objectPath, stored);
    return stored;
  }

  remove(objectPath: string): void {
    this.objects.delete(objectPath);
    ++this.#version;
  }

  get resourceVersion(): string {
    return String(this.#version);
  }

  nextResourceVersion(): string {
    return String(++this.#version);
  }

  /** Resolves with the first watch not yet taken (one that ended at once is never handed out). */
  nextWatch(): Promise<Watch> {
    const waiting = this.#unclaimed.shift();
    if (waiting) return Promise.resolve(waiting);
    return new Promise((resolve) => this.#watchWaiters.push(resolve));
  }

  seen(method: string, pathPrefix: string): SeenRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1];
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      token,
      at: Date.now(),
    });
    const fault = this.#takeFault(req.method ?? '', url.pathname, url.searchParams);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') return; // the socket stays open; stop() destroys it
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : {};
      return status(res, fault.status, fault.reason ?? 'InjectedFault', `injected ${fault.status}`, headers);
    }
    if (!token || !this.acceptedTokens.has(token)) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (url.searchParams.get('watch') === 'true') return this.#watch(res, url, fault);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Stored) : undefined;
      this.#serve(req.method ?? 'GET', url.pathname, url.searchParams, body, res);
    });
  }

  #takeFault(method: string, path: string, query: URLSearchParams): Fault | undefined {
    const index = this.#faults.findIndex((f) => (!f.method || f.method === method) && f.match(path, query));
    if (index < 0) return undefined;
    const queued = this.#faults[index]!;
    if (--queued.times <= 0) this.#faults.splice(index, 1);
    return queued.fault;
  }

  #serve(method: string, p: string, query: URLSearchParams, body: Stored | undefined, res: ServerResponse) {
    for (const handler of this.handlers) {
      const answer = handler(method, p, body);
      if (answer) return json(res, answer.code, answer.body);
    }
    const existing = this.objects.get(p);
    if (method === 'DELETE') {
      if (!existing) return status(res, 404, 'NotFound', `${p} not found`);
      this.remove(p);
      return json(res, 200, existing);
    }
    if (method === 'PATCH' && body) {
      if (!existing) return status(res, 404, 'NotFound', `${p} not found`);
      return json(res, 200, this.put(p, mergePatch(existing, body) as Stored));
    }
    if (method === 'GET' && existing) return json(res, 200, existing);
    if (method === 'GET') {
      const prefix = `${p}/`;
      let items = [...this.objects].filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'));
      if (items.length === 0) items = this.#acrossNamespaces(p);
      if (items.length === 0 && !this.#isCollection(p)) return status(res, 404, 'NotFound', `${p} not found`);
      const selected = items.map(([, v]) => v).filter((v) => matchesLabels(v, query.get('labelSelector')));
      return json(res, 200, { metadata: { resourceVersion: this.resourceVersion }, items: selected });
    }
    if (method === 'POST' && body) {
      const target = `${p}/${body.metadata.name}`;
      if (this.objects.has(target)) return status(res, 409, 'AlreadyExists', `${target} already exists`);
      return json(res, 201, this.put(target, body));
    }
    if (method === 'PUT' && body) {
      if (!existing) return status(res, 404, 'NotFound', `${p} not found`);
      if (body.metadata.resourceVersion && body.metadata.resourceVersion !== existing.metadata.resourceVersion) {
        return status(res, 409, 'Conflict', 'the object has been modified');
      }
      return json(res, 200, this.put(p, body));
    }
    return status(res, 405, 'MethodNotAllowed', `${method} ${p}`);
  }

  /** A list of all namespaces (/apis/G/V/R): the objects stored at /apis/G/V/namespaces/NS/R/NAME. */
  #acrossNamespaces(p: string): [string, Stored][] {
    const at = p.lastIndexOf('/');
    const root = `${p.slice(0, at)}/namespaces/`;
    const resource = p.slice(at + 1);
    return [...this.objects].filter(([k]) => {
      if (!k.startsWith(root)) return false;
      const rest = k.slice(root.length).split('/');
      return rest.length === 3 && rest[1] === resource;
    });
  }

  /** Collections a test lists before it has objects in them. */
  readonly collections = new Set<string>();

  #isCollection(p: string): boolean {
    return this.collections.has(p);
  }

  #watch(res: ServerResponse, url: URL, fault: Fault | undefined) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    res.on('close', () => resolveClosed());
    const watch: Watch = {
      path: url.pathname,
      query: url.searchParams,
      send: (type, object) => res.write(`${JSON.stringify({ type, object })}\n`),
      end: () => res.end(),
      closed,
    };
    this.watches.push(watch);
    if (fault?.kind === 'end') {
      res.end();
      return;
    }
    const waiter = this.#watchWaiters.shift();
    if (waiter) waiter(watch);
    else this.#unclaimed.push(watch);
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A labelSelector of `key` and `key=value` terms, comma-separated (all must hold). */
function matchesLabels(object: Stored, selector: string | null): boolean {
  if (!selector) return true;
  const labels = (object.metadata.labels ?? {}) as Record<string, string>;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return value === undefined ? key! in labels : labels[key!] === value;
  });
}

function json(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function status(res: ServerResponse, code: number, reason: string, message: string, headers = {}): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }, headers);
}
