/**
 * Informers: list, then watch from the list's resourceVersion, keeping a
 * cache and telling handlers about changes. Written for this controller
 * (client-node's informer stops for good on some errors, cannot trim what it
 * caches, and its import alone costs ~85 MB):
 * - it never gives up: any error re-watches with backoff, 410 Gone re-lists;
 * - a watch that ends at once with no event (a proxy closing it, a server
 *   in trouble) counts as a failure, as in client-go's reflector: backoff,
 *   never a hot loop of watch requests;
 * - a watch can go silent without an error: the server is asked to end each
 *   watch after `watchTimeoutSeconds`, and a watch with no line at all (not
 *   even a bookmark) for longer than that is cut and restarted;
 * - watches go on the client's 'streams' lane, lists on the 'requests' lane;
 * - a full re-list every `relistEveryMs` (plus a random part of it, so that
 *   informers started together do not re-list together) catches anything
 *   missed, reporting the differences (deleted objects included);
 * - a list of thousands of objects is taken into the cache and reported in
 *   slices, with the event loop free in between, so that handlers of a
 *   re-list's thousand changes cannot hold off a Lease renewal (see
 *   README.md, "The event loop is the Lease's too");
 * - `transform` trims each object before it is cached (managedFields, pod
 *   specs...): memory stays small with thousands of objects.
 */
import { createInterface } from 'node:readline';
// From node:timers, not the global: tests that fake the clock fake the global, and a slice must turn the real loop.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { KubeApiError, type KubeClient } from './kube-client.js';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export type ChangeType = 'add' | 'update' | 'delete';
export type ChangeHandler<T> = (obj: T, type: ChangeType) => void;

export interface InformerOptions<T> {
  /** For logs: "jobs/namespace". */
  name: string;
  /** Collection path, e.g. /apis/batch/v1/jobs or /apis/batch/v1/namespaces/ns/jobs. */
  path: string;
  labelSelector?: string;
  transform?: (obj: T) => T;
  /** Re-list everything this often (default 5 min), plus up to `relistJitter` times as much at random. */
  relistEveryMs?: number;
  /** Default 0.2: informers started together re-list spread over a minute, not at one instant. */
  relistJitter?: number;
  /** Injected by tests: the random part of each re-list wait; default Math.random. */
  random?: () => number;
  /** Ask the server to end each watch after this (default 300 s). */
  watchTimeoutSeconds?: number;
  /** Cut a watch that sent no line for this long (default watchTimeoutSeconds + 60 s). */
  silenceMs?: number;
  /** First and longest wait after a failed list or watch (default 1 s, 30 s). */
  backoffMs?: { initial: number; max: number };
  /** Injected by tests to see the waits; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  log: Logger;
}

/** A watch shorter than this that brought no event is treated as a failure (client-go: "very short watch"). */
const SHORT_WATCH_MS = 1000;
/** A list of thousands of objects may take longer than a short request. */
const LIST_TIMEOUT_MS = 60_000;
/** Objects taken into the cache, or changes reported, between two turns of the event loop. */
const LIST_SLICE = 100;

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T & { code?: number; message?: string };
}

const key = (obj: KubeObject) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/** Objects from the API without the bookkeeping nobody reads (a big part of every object). */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const metadata = obj.metadata as (KubeObject['metadata'] & { managedFields?: unknown }) | undefined;
  if (metadata?.managedFields === undefined) return obj;
  const { managedFields: _m, ...rest } = metadata;
  return { ...obj, metadata: rest };
}

export class Informer<T extends KubeObject> {
  #objects = new Map<string, T>();
  #resourceVersion = '';
  #stopped = false;
  #abort?: AbortController;
  #relistTimer?: NodeJS.Timeout;
  #needList = true;
  readonly #handlers: ChangeHandler<T>[] = [];
  #version = 0;

  constructor(
    readonly client: KubeClient,
    readonly options: InformerOptions<T>,
  ) {}

  get #backoff() {
    return this.options.backoffMs ?? { initial: 1000, max: 30_000 };
  }

  #sleep(ms: number): Promise<void> {
    return (this.options.sleep ?? sleep)(ms);
  }

  /** The resourceVersion the next watch starts from (the list's, then each event's and bookmark's). */
  get resourceVersion(): string {
    return this.#resourceVersion;
  }

  onChange(handler: ChangeHandler<T>): void {
    this.#handlers.push(handler);
  }

  get(name: string, namespace = ''): T | undefined {
    return this.#objects.get(`${namespace}/${name}`);
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  get size(): number {
    return this.#objects.size;
  }

  /** Changes with every change to the cache: lets a reader keep an index until the next change. */
  get version(): number {
    return this.#version;
  }

  /** Resolves once the first list is cached (retrying until it succeeds); then keeps watching. */
  async start(): Promise<void> {
    this.#stopped = false;
    let delay = this.#backoff.initial;
    for (;;) {
      try {
        await this.#list();
        break;
      } catch (error) {
        if (this.#stopped) return;
        this.options.log.warn({ informer: this.options.name, err: String(error), retryInMs: delay }, 'list failed');
        await this.#sleep(delay);
        delay = Math.min(delay * 2, this.#backoff.max);
      }
    }
    void this.#watchLoop();
    this.#planRelist();
  }

  /** The next periodic re-list: the watch is ended and the loop lists before it watches again. */
  #planRelist(): void {
    if (this.#stopped) return;
    const every = this.options.relistEveryMs ?? 5 * 60_000;
    const jitter = this.options.relistJitter ?? 0.2;
    const wait = every * (1 + jitter * (this.options.random ?? Math.random)());
    this.#relistTimer = setTimeout(() => {
      this.#needList = true;
      this.#abort?.abort();
      this.#planRelist();
    }, wait);
    this.#relistTimer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#relistTimer);
    this.#abort?.abort();
  }

  #emit(obj: T, type: ChangeType): void {
    for (const handler of this.#handlers) {
      try {
        handler(obj, type);
      } catch (error) {
        this.options.log.error({ informer: this.options.name, err: String(error) }, 'change handler failed');
      }
    }
  }

  #trimmed(raw: T): T {
    return withoutManagedFields(this.options.transform ? this.options.transform(raw) : raw);
  }

  #store(raw: T): T {
    this.#version++;
    const obj = this.#trimmed(raw);
    this.#objects.set(key(obj), obj);
    return obj;
  }

  /** Replace the cache with a fresh list, reporting what changed (deletions included). */
  async #list(): Promise<void> {
    const { path, labelSelector } = this.options;
    const list = await this.client.get<{ metadata?: { resourceVersion?: string }; items?: T[] }>(
      path,
      labelSelector ? { labelSelector } : undefined,
      { timeoutMs: LIST_TIMEOUT_MS },
    );
    // The new cache is built aside (readers see the old one meanwhile) and swapped in whole.
    const previous = this.#objects;
    const next = new Map<string, T>();
    const changes: [T, ChangeType][] = [];
    const items = list.items ?? [];
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && i % LIST_SLICE === 0) await nextTurn();
      if (this.#stopped) return;
      const obj = this.#trimmed(items[i]!);
      const k = key(obj);
      const old = previous.get(k);
      next.set(k, obj);
      if (!old) changes.push([obj, 'add']);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changes.push([obj, 'update']);
    }
    for (const [k, old] of previous) if (!next.has(k)) changes.push([old, 'delete']);
    this.#objects = next;
    this.#version++;
    this.#resourceVersion = list.metadata?.resourceVersion ?? '';
    this.#needList = false;
    for (let i = 0; i < changes.length; i++) {
      if (i > 0 && i % LIST_SLICE === 0) await nextTurn();
      this.#emit(changes[i]![0], changes[i]![1]);
    }
  }

  /** The server no longer has our resourceVersion (410 Gone: compacted, or its watch cache started over). */
  #expired(): void {
    this.#needList = true;
    this.options.log.info({ informer: this.options.name }, 'watch expired (410 Gone): listing again');
  }

  async #watchLoop(): Promise<void> {
    let delay = this.#backoff.initial;
    while (!this.#stopped) {
      try {
        if (this.#needList) await this.#list();
        const startedAt = Date.now();
        const events = await this.#watchOnce();
        if (this.#stopped) return;
        if (events > 0 || Date.now() - startedAt >= SHORT_WATCH_MS || this.#needList) delay = this.#backoff.initial;
        else {
          this.options.log.warn({ informer: this.options.name, retryInMs: delay }, 'watch ended at once');
          await this.#sleep(delay);
          delay = Math.min(delay * 2, this.#backoff.max);
        }
      } catch (error) {
        if (this.#stopped) return;
        if (error instanceof KubeApiError && error.status === 410) {
          this.#expired();
          continue;
        }
        this.options.log.warn({ informer: this.options.name, err: String(error), retryInMs: delay }, 'watch failed');
        await this.#sleep(delay);
        delay = Math.min(delay * 2, this.#backoff.max);
      }
    }
  }

  /** One watch request; resolves with the number of events it brought (bookmarks included). */
  async #watchOnce(): Promise<number> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    const silenceMs = this.options.silenceMs ?? (timeoutSeconds + 60) * 1000;
    const abort = new AbortController();
    this.#abort = abort;
    let events = 0;
    // No line at all for longer than the server's own timeout: the watch is dead without saying so.
    let silence: NodeJS.Timeout | undefined;
    const armSilence = () => {
      clearTimeout(silence);
      silence = setTimeout(() => abort.abort(), silenceMs);
      silence.unref();
    };
    armSilence();
    try {
      const response = await this.client.open('GET', this.options.path, {
        query: {
          watch: true,
          resourceVersion: this.#resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.options.labelSelector,
        },
        signal: abort.signal,
        lane: 'streams',
      });
      const lines = createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY });
      try {
        for await (const line of lines) {
          armSilence();
          if (!line) continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          events++;
          if (event.type === 'ERROR') {
            if (event.object.code === 410) this.#expired();
            else this.options.log.warn({ informer: this.options.name, err: event.object.message }, 'watch error');
            break;
          }
          const version = event.object.metadata?.resourceVersion;
          if (version) this.#resourceVersion = version;
          if (event.type === 'BOOKMARK') continue;
          if (event.type === 'DELETED') {
            const old = this.#objects.get(key(event.object));
            this.#objects.delete(key(event.object));
            this.#version++;
            this.#emit(old ?? event.object, 'delete');
          } else {
            const existed = this.#objects.has(key(event.object));
            this.#emit(this.#store(event.object), existed ? 'update' : 'add');
          }
        }
      } finally {
        lines.close();
        response.destroy();
      }
    } catch (error) {
      // Our own abort (re-list, silence, stop) ends the watch like the server's timeout does.
      if (!abort.signal.aborted) throw error;
    } finally {
      clearTimeout(silence);
    }
    return events;
  }
}

/** The same resource watched in several namespaces (or all: namespaces = []). */
export class InformerSet<T extends KubeObject> {
  readonly informers: Informer<T>[];

  constructor(
    client: KubeClient,
    namespaces: readonly string[],
    pathFor: (namespace?: string) => string,
    options: Omit<InformerOptions<T>, 'path'>,
  ) {
    const targets = namespaces.length === 0 ? [undefined] : namespaces;
    this.informers = targets.map(
      (ns) =>
        new Informer<T>(client, { ...options, name: ns ? `${options.name}/${ns}` : options.name, path: pathFor(ns) }),
    );
  }

  onChange(handler: ChangeHandler<T>): void {
    for (const informer of this.informers) informer.onChange(handler);
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  stop(): void {
    for (const informer of this.informers) informer.stop();
  }

  get(name: string, namespace: string): T | undefined {
    for (const informer of this.informers) {
      const obj = informer.get(name, namespace);
      if (obj) return obj;
    }
    return undefined;
  }

  list(): T[] {
    return this.informers.length === 1 ? this.informers[0]!.list() : this.informers.flatMap((i) => i.list());
  }

  /** Changes with every change to any of the caches. */
  get version(): number {
    let sum = 0;
    for (const informer of this.informers) sum += informer.version;
    return sum;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
