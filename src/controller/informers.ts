/**
 * Informers (client-node's makeInformer: list, then watch) that keep working:
 * client-node's informer stops for good on some errors, and a watch can go
 * silent without an error. So each informer is supervised: restarted with
 * backoff after an error, and replaced by a fresh one every few minutes (the
 * old cache keeps serving until the new one has listed).
 */
import {
  ADD,
  DELETE,
  ERROR,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
  UPDATE,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeClient } from './kube-client.js';

export type ChangeType = 'add' | 'update' | 'delete';
export type ChangeHandler<T> = (obj: T, type: ChangeType) => void;

interface Options {
  /** Human name for logs: "mailsyncs", "jobs"... */
  name: string;
  /** Collection path, e.g. /apis/batch/v1/jobs or /apis/batch/v1/namespaces/ns/jobs. */
  path: string;
  labelSelector?: string;
  restartEveryMs: number;
  log: Logger;
}

type ListWatch<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export class SupervisedInformer<T extends KubernetesObject> {
  #current?: ListWatch<T>;
  #generation = 0;
  #stopped = false;
  #restartTimer?: NodeJS.Timeout;
  #errorBackoffMs = 1000;
  readonly #handlers: ChangeHandler<T>[] = [];

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly client: KubeClient,
    readonly options: Options,
  ) {}

  onChange(handler: ChangeHandler<T>): void {
    this.#handlers.push(handler);
  }

  /** Resolves once the first list has been loaded into the cache. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#replace('start');
    this.#scheduleRestart();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#restartTimer);
    this.#generation++;
    void this.#current?.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#current?.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#current?.list(namespace) ?? [];
  }

  #scheduleRestart(): void {
    clearTimeout(this.#restartTimer);
    if (this.#stopped) return;
    this.#restartTimer = setTimeout(() => {
      void this.#replace('periodic restart').finally(() => this.#scheduleRestart());
    }, this.options.restartEveryMs);
    this.#restartTimer.unref();
  }

  /** Make a fresh informer, wait for its first list, then switch to it and stop the old one. */
  async #replace(why: string): Promise<void> {
    const generation = ++this.#generation;
    const { log, name, path, labelSelector } = this.options;
    let listed!: () => void;
    let listFailed!: (e: unknown) => void;
    const firstList = new Promise<void>((resolve, reject) => {
      listed = resolve;
      listFailed = reject;
    });
    let first = true;
    const listFn = async (): Promise<KubernetesListObject<T>> => {
      try {
        const list = await this.client.get<KubernetesListObject<T>>(
          path,
          labelSelector ? { labelSelector } : undefined,
        );
        if (first) {
          first = false;
          // The informer fills its cache right after this promise resolves.
          setImmediate(listed);
        }
        return list;
      } catch (error) {
        if (first) listFailed(error);
        throw error;
      }
    };
    const informer = makeInformer<T>(this.kubeConfig, path, listFn, labelSelector) as ListWatch<T>;
    const dispatch = (type: ChangeType) => (obj: T) => {
      // Events of a replaced informer (its cache is gone) are ignored.
      if (generation !== this.#generation || this.#current !== informer) return;
      for (const handler of this.#handlers) handler(obj, type);
    };
    informer.on(ADD, dispatch('add'));
    informer.on(UPDATE, dispatch('update'));
    informer.on(DELETE, dispatch('delete'));
    informer.on(ERROR, (error: unknown) => {
      if (generation !== this.#generation || this.#stopped) return;
      const delay = this.#errorBackoffMs;
      this.#errorBackoffMs = Math.min(this.#errorBackoffMs * 2, 30_000);
      log.warn({ informer: name, err: describe(error), retryInMs: delay }, 'informer stopped on an error; restarting');
      setTimeout(() => {
        if (generation === this.#generation && !this.#stopped) void this.#replace('error').catch(() => {});
      }, delay).unref();
    });

    const previous = this.#current;
    // Until the new one has listed, handlers keep seeing the previous cache; then it takes over.
    const startPromise = informer.start().catch((e) => listFailed(e));
    try {
      await firstList;
    } catch (error) {
      if (generation === this.#generation && !this.#stopped) {
        const delay = this.#errorBackoffMs;
        this.#errorBackoffMs = Math.min(this.#errorBackoffMs * 2, 30_000);
        log.warn({ informer: name, err: describe(error), retryInMs: delay }, 'informer list failed; retrying');
        void informer.stop();
        await new Promise((r) => setTimeout(r, delay).unref());
        if (generation === this.#generation && !this.#stopped) return this.#replace(why);
      }
      return;
    }
    if (generation !== this.#generation || this.#stopped) {
      void informer.stop();
      return;
    }
    this.#current = informer;
    this.#errorBackoffMs = 1000;
    if (previous) {
      void previous.stop();
      // A fresh cache: tell the handlers about everything (a resync; level-based reconcile makes this harmless).
      for (const obj of informer.list()) for (const handler of this.#handlers) handler(obj, 'update');
    } else {
      for (const obj of informer.list()) for (const handler of this.#handlers) handler(obj, 'add');
    }
    log.debug({ informer: name, why, objects: informer.list().length }, 'informer (re)started');
    void startPromise;
  }
}

/** The same resource watched in several namespaces (or all: namespaces = []). */
export class InformerSet<T extends KubernetesObject> {
  readonly informers: SupervisedInformer<T>[];

  constructor(
    kubeConfig: KubeConfig,
    client: KubeClient,
    namespaces: readonly string[],
    pathFor: (namespace?: string) => string,
    options: Omit<Options, 'path'>,
  ) {
    const targets = namespaces.length === 0 ? [undefined] : namespaces;
    this.informers = targets.map(
      (ns) =>
        new SupervisedInformer<T>(kubeConfig, client, {
          ...options,
          name: ns ? `${options.name}/${ns}` : options.name,
          path: pathFor(ns),
        }),
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
    return this.informers.flatMap((i) => [...i.list()]);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
