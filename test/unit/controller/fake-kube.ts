/**
 * An in-memory Kubernetes API behind the controller's KubeClient: the same
 * class (get/create/mergePatch/delete and log streams all go through
 * `request` and `open`), answered from a store instead of the network.
 * Every call is recorded as an Action, so a test can say "given these
 * objects, expect these API calls". It keeps the API rules the controller
 * depends on: AlreadyExists on create, NotFound, resourceVersion and UID
 * preconditions on merge patches (Conflict), the status subresource,
 * finalizers holding a deletion, pods lingering with a deletionTimestamp
 * for their grace period, pod logs with sinceTime/follow, and list + watch
 * (with label selectors) for informers.
 * Any verb can be told to fail with a status code (`fail`).
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import {
  KubeApiError,
  KubeClient,
  type KubeClientOptions,
  type Lane,
  type Query,
  type RequestOptions,
} from '../../../src/kube/kube-client.js';
import { applyMergePatch } from '../../../src/kube/merge-patch.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'log';

export interface Action {
  verb: Verb;
  resource: string;
  namespace: string;
  name?: string;
  subresource?: string;
  body?: unknown;
  query?: Query;
  /** The client's connection pool, when not the default 'requests'. */
  lane?: Lane;
}

export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: Date | string;
    deletionTimestamp?: Date | string;
    deletionGracePeriodSeconds?: number;
    finalizers?: string[];
  };
  spec?: unknown;
  status?: unknown;
}

interface Fault {
  verb: Verb;
  resource: string;
  name?: string;
  status: number;
  reason: string;
  times: number;
  /** The Status details of the error (e.g. causes), as the API server sends them. */
  details?: unknown;
}

/** Group/version prefix per resource, to name objects by path. */
const PREFIX: Record<string, string> = {
  mailsyncs: '/apis/mailsync.io/v1alpha1',
  jobs: '/apis/batch/v1',
  leases: '/apis/coordination.k8s.io/v1',
};
const apiPrefix = (resource: string) => PREFIX[resource] ?? '/api/v1';

const PATH = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;
/** A collection in every namespace (what informers watch when no namespace is given). */
const ALL_NAMESPACES = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/([^/]+)$/;

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

const clone = <T>(value: T): T => structuredClone(value);

/** The second a timestamp falls in (the log API's sinceTime has second precision). */
const second = (timestamp: string) => Math.floor(Date.parse(timestamp.replace(/\.\d+/, '')) / 1000);

/** A container that has started writing (its log can be read), from the stored pod. */
function containerState(pod: StoredObject | undefined, container: string): 'waiting' | 'running' | 'terminated' {
  const statuses = (pod?.status as { containerStatuses?: { name: string; state?: Record<string, unknown> }[] })
    ?.containerStatuses;
  const state = statuses?.find((c) => c.name === container)?.state;
  if (state?.terminated) return 'terminated';
  if (state?.running) return 'running';
  return 'waiting';
}

export class FakeKube extends KubeClient {
  readonly actions: Action[] = [];
  /** Log follows stay open even when the container has ended or its pod is gone (a hung stream). */
  holdLogStreams = false;
  readonly #objects = new Map<string, StoredObject>();
  readonly #logs = new Map<string, string[]>();
  readonly #followers = new Map<string, Set<PassThrough>>();
  readonly #faults: Fault[] = [];
  readonly #gates: { verb: Verb; resource: string; open: Promise<void> }[] = [];
  readonly #watchers = new Set<{ resource: string; namespace: string; selector?: string; stream: PassThrough }>();
  #version = 100;
  #uids = 0;

  /** `options`: what callers read of the client's settings (e.g. its rate limit); the fake itself never waits. */
  constructor(objects: StoredObject[] = [], options: KubeClientOptions = {}) {
    super(
      {
        connection: () => Promise.reject(new Error('FakeKube answers from memory; it has no connection')),
        describe: () => 'fake',
      },
      options,
    );
    for (const obj of objects) this.put(obj);
  }

  // --- the store, as a test sets it up and reads it -------------------------------------------

  /** Add or replace an object as it is (a test fixture, or what another controller did). */
  put(obj: StoredObject): StoredObject {
    const resource = resourceOf(obj);
    const stored = clone(obj);
    stored.metadata ??= {};
    stored.metadata.uid ??= `uid-${resource}-${stored.metadata.name}`;
    stored.metadata.resourceVersion = this.#nextVersion();
    const key = this.#key(resource, stored.metadata.namespace ?? '', stored.metadata.name ?? '');
    const existed = this.#objects.has(key);
    this.#objects.set(key, stored);
    this.#notify(resource, existed ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  /** The stored object (not a copy: the informer caches of the world hand these out). */
  object<T = StoredObject>(resource: string, namespace: string, name: string): T | undefined {
    return this.#objects.get(this.#key(resource, namespace, name)) as T | undefined;
  }

  list<T = StoredObject>(resource: string): T[] {
    const prefix = `${resource}/`;
    return [...this.#objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v as T);
  }

  /** Remove an object for good (the kubelet finished a pod: its log follows end; a Job garbage-collected...). */
  remove(resource: string, namespace: string, name: string): void {
    const key = this.#key(resource, namespace, name);
    const obj = this.#objects.get(key);
    this.#objects.delete(key);
    if (resource === 'pods' && !this.holdLogStreams) this.endLogStreams(namespace, name);
    if (obj) this.#notify(resource, 'DELETED', obj);
  }

  /** Change a stored object in place (a pod starting, a Job completing). */
  modify(resource: string, namespace: string, name: string, change: (obj: StoredObject) => void): void {
    const obj = this.object(resource, namespace, name);
    if (!obj) throw new Error(`no ${resource} ${namespace}/${name}`);
    change(obj);
    obj.metadata!.resourceVersion = this.#nextVersion();
    this.#notify(resource, 'MODIFIED', obj);
  }

  // --- pod logs --------------------------------------------------------------------------------

  /** Append raw lines ("<RFC 3339 timestamp> <text>") to a pod's log; open follows get them at once. */
  appendLog(namespace: string, pod: string, ...lines: string[]): void {
    const key = this.#key('pods', namespace, pod);
    const log = this.#logs.get(key) ?? [];
    log.push(...lines);
    this.#logs.set(key, log);
    for (const stream of this.#followers.get(key) ?? []) for (const line of lines) stream.write(`${line}\n`);
  }

  /** End every open log follow (a dropped connection, or the container ended). */
  endLogStreams(namespace?: string, pod?: string): void {
    for (const [key, streams] of this.#followers) {
      if (pod && key !== this.#key('pods', namespace ?? '', pod)) continue;
      for (const stream of streams) stream.end();
      streams.clear();
    }
  }

  /** Log follows open right now. */
  get openLogStreams(): number {
    let n = 0;
    for (const streams of this.#followers.values()) n += streams.size;
    return n;
  }

  // --- faults ----------------------------------------------------------------------------------

  /** The next `times` calls of `verb` on `resource` (optionally one name) fail with `status`. */
  fail(
    target: { verb: Verb; resource: string; name?: string },
    status: number,
    reason?: string,
    times = 1,
    details?: unknown,
  ): void {
    this.#faults.push({ ...target, status, reason: reason ?? REASONS[status] ?? String(status), times, details });
  }

  /** Calls of `verb` on `resource` wait (a slow API) until the returned function is called. */
  hold(target: { verb: Verb; resource: string }): () => void {
    let release!: () => void;
    const gate = { ...target, open: new Promise<void>((resolve) => (release = resolve)) };
    this.#gates.push(gate);
    return () => {
      this.#gates.splice(this.#gates.indexOf(gate), 1);
      release();
    };
  }

  // --- what the controller called --------------------------------------------------------------

  /** Calls that change something (everything but get, list, watch and log). */
  writes(): Action[] {
    return this.actions.filter((a) => !['get', 'list', 'watch', 'log'].includes(a.verb));
  }

  // --- KubeClient ------------------------------------------------------------------------------

  override async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const target = this.#parse(method, path, options);
    this.#record(target, options);
    const gate = this.#gates.find((g) => g.verb === target.verb && g.resource === target.resource);
    if (gate) await gate.open;
    this.#checkFault(target);
    return clone(this.#serve(target, options)) as T;
  }

  override async open(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const target = this.#parse(method, path, options);
    this.#record(target, options);
    const gate = this.#gates.find((g) => g.verb === target.verb && g.resource === target.resource);
    if (gate) await gate.open;
    this.#checkFault(target);
    if (target.verb === 'watch') return this.#watch(target, options) as unknown as IncomingMessage;
    if (target.verb !== 'log') throw new Error(`FakeKube: streaming ${method} ${path} is not supported`);
    return this.#log(target, options) as unknown as IncomingMessage;
  }

  #record(target: Action, options: RequestOptions): void {
    this.actions.push({
      ...target,
      ...(options.body !== undefined ? { body: clone(options.body) } : {}),
      ...(options.query ? { query: { ...options.query } } : {}),
      ...(options.lane && options.lane !== 'requests' ? { lane: options.lane } : {}),
    });
  }

  #checkFault(target: Action): void {
    const index = this.#faults.findIndex(
      (f) => f.verb === target.verb && f.resource === target.resource && (!f.name || f.name === target.name),
    );
    if (index < 0) return;
    const fault = this.#faults[index]!;
    if (--fault.times <= 0) this.#faults.splice(index, 1);
    throw new KubeApiError(fault.status, fault.reason, `injected ${fault.status} ${fault.reason}`, fault.details);
  }

  #parse(method: string, path: string, options: RequestOptions): Action {
    const all = ALL_NAMESPACES.exec(path);
    const match = PATH.exec(path) ?? (all ? [path, '', all[1]] : null);
    if (!match) throw new Error(`FakeKube: unsupported path ${path}`);
    const [, namespace, resource, name, subresource] = match as unknown as [string, string, string, string?, string?];
    const verb: Verb =
      method === 'GET'
        ? subresource === 'log'
          ? 'log'
          : name
            ? 'get'
            : options.query?.watch === true
              ? 'watch'
              : 'list'
        : method === 'POST'
          ? 'create'
          : method === 'PUT'
            ? 'update'
            : method === 'PATCH'
              ? 'patch'
              : method === 'DELETE'
                ? 'delete'
                : (() => {
                    throw new Error(`FakeKube: unsupported method ${method}`);
                  })();
    if (verb === 'patch' && options.contentType !== 'application/merge-patch+json') {
      throw new Error(`FakeKube: only merge patches are supported (${options.contentType})`);
    }
    return { verb, resource, namespace, ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
  }

  #serve(target: Action, options: RequestOptions): unknown {
    const { verb, resource, namespace, name } = target;
    const key = this.#key(resource, namespace, name ?? '');
    switch (verb) {
      case 'get':
        return this.#existing(key, target);
      case 'list':
        return {
          metadata: { resourceVersion: String(this.#version) },
          items: this.list(resource).filter((o) => this.#matches(o, namespace, options.query?.labelSelector)),
        };
      case 'create':
        return this.#create(target, options.body as StoredObject);
      case 'patch':
        return this.#patch(key, target, options.body as StoredObject);
      case 'delete':
        return this.#delete(key, target, options.body as { gracePeriodSeconds?: number });
      default:
        throw new Error(`FakeKube: ${verb} ${resource} is not supported`);
    }
  }

  #existing(key: string, target: Action): StoredObject {
    const obj = this.#objects.get(key);
    if (!obj) {
      throw new KubeApiError(404, 'NotFound', `${target.resource} "${target.name}" not found`);
    }
    return obj;
  }

  #create(target: Action, body: StoredObject): StoredObject {
    const obj = clone(body);
    obj.metadata ??= {};
    const name = obj.metadata.name;
    if (!name) throw new KubeApiError(422, 'Invalid', 'metadata.name: Required value');
    const key = this.#key(target.resource, target.namespace, name);
    if (this.#objects.has(key)) {
      throw new KubeApiError(409, 'AlreadyExists', `${target.resource} "${name}" already exists`);
    }
    obj.metadata.namespace = target.namespace;
    obj.metadata.uid = `uid-${target.resource}-${name}-${++this.#uids}`;
    obj.metadata.resourceVersion = this.#nextVersion();
    obj.metadata.creationTimestamp = new Date().toISOString();
    if (target.resource === 'jobs' || target.resource === 'mailsyncs') obj.metadata.generation = 1;
    if (target.resource === 'jobs') obj.status = {};
    this.#objects.set(key, obj);
    this.#notify(target.resource, 'ADDED', obj);
    return obj;
  }

  #patch(key: string, target: Action, body: StoredObject): StoredObject {
    const obj = this.#existing(key, target);
    const { resourceVersion, uid, ...metadata } = (body.metadata ?? {}) as Record<string, unknown>;
    if (resourceVersion !== undefined && resourceVersion !== obj.metadata?.resourceVersion) {
      throw new KubeApiError(409, 'Conflict', 'the object has been modified; please apply your changes again');
    }
    if (uid !== undefined && uid !== obj.metadata?.uid) {
      throw new KubeApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${uid}`);
    }
    // The status subresource changes only status; the main resource never changes status.
    const patch: Record<string, unknown> =
      target.subresource === 'status'
        ? { status: body.status }
        : Object.fromEntries(Object.entries({ ...body, metadata }).filter(([k]) => k !== 'status'));
    const next = applyMergePatch(obj, patch as never) as unknown as StoredObject;
    next.metadata!.resourceVersion = this.#nextVersion();
    if (patch.spec !== undefined && next.metadata!.generation !== undefined) next.metadata!.generation++;
    if (next.metadata?.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.#objects.delete(key);
      this.#notify(target.resource, 'DELETED', next);
    } else {
      this.#objects.set(key, next);
      this.#notify(target.resource, 'MODIFIED', next);
    }
    return next;
  }

  #delete(key: string, target: Action, options: { gracePeriodSeconds?: number } = {}): StoredObject {
    const obj = this.#existing(key, target);
    const grace = target.resource === 'pods' ? (options.gracePeriodSeconds ?? 30) : 0;
    if ((obj.metadata?.finalizers ?? []).length > 0 || grace > 0) {
      // Finalizers hold the object; a pod stays until its container stopped (the test removes it).
      obj.metadata!.deletionTimestamp ??= new Date().toISOString();
      if (target.resource === 'pods') obj.metadata!.deletionGracePeriodSeconds = grace;
      obj.metadata!.resourceVersion = this.#nextVersion();
      this.#notify(target.resource, 'MODIFIED', obj);
      return obj;
    }
    this.#objects.delete(key);
    if (target.resource === 'pods' && !this.holdLogStreams) this.endLogStreams(target.namespace, target.name);
    this.#notify(target.resource, 'DELETED', obj);
    return obj;
  }

  #log(target: Action, options: RequestOptions): PassThrough {
    const key = this.#key('pods', target.namespace, target.name ?? '');
    const pod = this.#objects.get(key);
    const lines = this.#logs.get(key);
    if (!pod && !lines) throw new KubeApiError(404, 'NotFound', `pods "${target.name}" not found`);
    const container = String(options.query?.container ?? '');
    const state = containerState(pod, container);
    if (state === 'waiting' && !lines) {
      throw new KubeApiError(400, 'BadRequest', `container "${container}" is waiting to start`);
    }
    const since = options.query?.sinceTime;
    const from = typeof since === 'string' ? second(since) : Number.NEGATIVE_INFINITY;
    const stream = new PassThrough();
    for (const line of lines ?? []) {
      if (second(line.slice(0, line.indexOf(' '))) >= from) stream.write(`${line}\n`);
    }
    if (options.query?.follow === true && (state === 'running' || this.holdLogStreams)) {
      const followers = this.#followers.get(key) ?? new Set();
      followers.add(stream);
      this.#followers.set(key, followers);
      const detach = () => followers.delete(stream);
      stream.on('close', detach);
      stream.on('end', detach);
      options.signal?.addEventListener('abort', () => stream.destroy(), { once: true });
    } else {
      stream.end();
    }
    return stream;
  }

  /** In the namespace ('' = any) and matching a selector of "key" or "key=value" terms. */
  #matches(obj: StoredObject, namespace: string, selector: unknown): boolean {
    if (namespace && obj.metadata?.namespace !== namespace) return false;
    if (typeof selector !== 'string' || selector === '') return true;
    const labels = (obj.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
    return selector.split(',').every((term) => {
      const [label, value] = term.split('=') as [string, string?];
      return value === undefined ? label in labels : labels[label] === value;
    });
  }

  /** A watch from now on: every change of a matching object as a JSON line. */
  #watch(target: Action, options: RequestOptions): PassThrough {
    const stream = new PassThrough();
    const watcher = {
      resource: target.resource,
      namespace: target.namespace,
      selector: options.query?.labelSelector as string | undefined,
      stream,
    };
    this.#watchers.add(watcher);
    const detach = () => this.#watchers.delete(watcher);
    stream.on('close', detach);
    stream.on('end', detach);
    options.signal?.addEventListener('abort', () => stream.destroy(), { once: true });
    return stream;
  }

  #notify(resource: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: StoredObject): void {
    for (const watcher of this.#watchers) {
      if (watcher.resource !== resource || !this.#matches(obj, watcher.namespace, watcher.selector)) continue;
      watcher.stream.write(`${JSON.stringify({ type, object: obj })}\n`);
    }
  }

  #key(resource: string, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  #nextVersion(): string {
    return String(++this.#version);
  }
}

/** The resource (plural) of an object, from its kind. */
export function resourceOf(obj: StoredObject): string {
  const kind = obj.kind;
  if (!kind) throw new Error(`FakeKube: object ${obj.metadata?.name} has no kind`);
  return `${kind.toLowerCase()}s`;
}

/** The API path of an object (for tests that call the client directly). */
export function pathOf(resource: string, namespace: string, name: string): string {
  return `${apiPrefix(resource)}/namespaces/${namespace}/${resource}/${name}`;
}
