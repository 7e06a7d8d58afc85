/**
 * Live updates of the admin view: the console's informers on the MailSyncs and MailMigrations of
 * the admin namespaces (one watch per kind and namespace, whatever the number of open pages) feed
 * one coalesced "something changed" signal that every open admin page receives over server-sent
 * events (GET /admin/events), and then reloads itself. The signal carries nothing: what a page
 * shows is still read, and authorised per user, by GET /admin.
 *
 * A page may miss a change that comes between its GET /admin and its GET /admin/events (the time
 * to load and run its script, and every reload is such a gap). So every change counts, listening
 * pages or not, and a page carries the count it was rendered at (`version`): a page that connects
 * with an older one is signalled as for a change, within the same limits.
 */
import { randomBytes } from 'node:crypto';

export interface ChangeSource {
  onChange(handler: () => void): void;
}

export class AdminChanges {
  readonly #subscribers = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;
  #lastSignal = Number.NEGATIVE_INFINITY;
  #changes = 0;
  /** Differs per process, so that a page rendered before a restart counts as behind. */
  readonly #epoch = randomBytes(4).toString('hex');

  /**
   * `coalesceMs` (default 500): changes within this time after the first one make one signal (a
   * pass of a migration changes many objects at once). `minIntervalMs` (default 5000, the
   * controller's status write interval): at most one signal this often, so that running syncs do
   * not reload the pages all the time.
   */
  constructor(
    sources: readonly ChangeSource[],
    readonly options: { coalesceMs?: number; minIntervalMs?: number; now?: () => number } = {},
  ) {
    for (const source of sources) source.onChange(() => this.#changed());
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** The changes seen so far: read it before reading what a page shows. */
  get version(): string {
    return `${this.#epoch}.${this.#changes}`;
  }

  /** `seenVersion`: the version the page was rendered at; a page behind it is signalled (as for a change). */
  subscribe(notify: () => void, seenVersion?: string): () => void {
    this.#subscribers.add(notify);
    if (seenVersion !== undefined && seenVersion !== this.version) this.#schedule();
    return () => this.#subscribers.delete(notify);
  }

  #changed(): void {
    this.#changes++;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#subscribers.size === 0) return;
    const now = (this.options.now ?? Date.now)();
    const delay = Math.max(
      this.options.coalesceMs ?? 500,
      this.#lastSignal + (this.options.minIntervalMs ?? 5000) - now,
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#lastSignal = (this.options.now ?? Date.now)();
      for (const notify of this.#subscribers) notify();
    }, delay);
    this.#timer.unref?.();
  }
}
