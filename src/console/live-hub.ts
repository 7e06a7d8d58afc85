/**
 * One watch on the console's MailSyncs (an Informer), fanned out to every
 * open page: 200 pages following live logs are 200 listeners on this hub,
 * not 200 watches. Each change is turned into a SyncView once and handed to
 * the listeners of that sync. A deleted sync (Abort!) keeps its last view,
 * marked Aborted, for `keepGoneMs`, so its page and a reload still say what
 * happened.
 */

import type { MailSync } from '../api/mailsync.js';
import type { ChangeHandler } from '../kube/informers.js';
import { ANNOTATION_CREDENTIAL_HASH, LABEL_CONSOLE_PAIR } from './sync-objects.js';
import { abortedView, type SyncView, syncView } from './sync-view.js';

export interface MailSyncSource {
  onChange(handler: ChangeHandler<MailSync>): void;
  list(): MailSync[];
}

export type ViewListener = (view: SyncView) => void;

export class LiveHub {
  readonly #views = new Map<string, SyncView>();
  readonly #gone = new Map<string, { view: SyncView; until: number }>();
  readonly #listeners = new Map<string, Set<ViewListener>>();

  constructor(
    readonly source: MailSyncSource,
    readonly options: { keepGoneMs?: number; now?: () => number } = {},
  ) {
    source.onChange((ms, type) => this.#changed(ms, type));
  }

  #changed(ms: MailSync, type: 'add' | 'update' | 'delete'): void {
    const name = ms.metadata.name ?? '';
    let view: SyncView;
    if (type === 'delete') {
      const last = this.#views.get(name) ?? syncView(ms);
      view = last.finished ? last : abortedView(last);
      this.#views.delete(name);
      const now = (this.options.now ?? Date.now)();
      this.#gone.set(name, { view, until: now + (this.options.keepGoneMs ?? 15 * 60_000) });
      this.#sweep(now);
    } else {
      view = syncView(ms, this.#views.get(name));
      this.#views.set(name, view);
    }
    for (const listener of this.#listeners.get(name) ?? []) listener(view);
  }

  #sweep(now: number): void {
    for (const [name, gone] of this.#gone) if (gone.until < now) this.#gone.delete(name);
  }

  /** The current view of a sync, or its last one if it was deleted lately. */
  view(name: string): SyncView | undefined {
    const live = this.#views.get(name);
    if (live) return live;
    const ms = this.source.list().find((m) => m.metadata.name === name);
    if (ms) return syncView(ms);
    return this.#gone.get(name)?.view;
  }

  /** Calls `listener` with every new view of the sync; returns the function that stops it. */
  subscribe(name: string, listener: ViewListener): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(name) === set) this.#listeners.delete(name);
    };
  }

  get listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Console-made syncs whose run has not ended (the cap on concurrent self-service syncs counts them). */
  running(): MailSync[] {
    return this.source.list().filter((ms) => !syncView(ms).finished);
  }

  /** The running sync of this account pair, if any. */
  runningForPair(pairKey: string): MailSync | undefined {
    return this.running().find((ms) => ms.metadata.labels?.[LABEL_CONSOLE_PAIR] === pairKey);
  }
}

export const credentialHashOf = (ms: MailSync): string | undefined =>
  ms.metadata.annotations?.[ANNOTATION_CREDENTIAL_HASH];
