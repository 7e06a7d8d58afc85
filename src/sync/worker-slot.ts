/**
 * The connections of one folder worker: an imapflow session per side (listing,
 * fetching bodies, STORE/EXPUNGE) and the fast APPEND writer on the
 * destination. Opened lazily, so a run where the delta state shows nothing
 * changed never opens more than the first pair; dropped and reopened after a
 * lost connection.
 */
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { compressionWorthwhile } from './compression.js';
import type { Side } from './errors.js';
import { Appender } from './imap-raw/appender.js';
import { openSession } from './session.js';
import type { Throttle } from './throttle.js';
import type { ResolvedEndpoint } from './types.js';

export interface SlotEndpoints {
  source: ResolvedEndpoint;
  destination: ResolvedEndpoint;
}

export interface SlotOptions {
  logger: Logger;
  signal: AbortSignal;
  /** performance.compress: COMPRESS=DEFLATE where it is worthwhile (see compression.ts). */
  compress: boolean;
  /** The run's shared rate limiter: bytes are taken per chunk of APPEND literal, so even one big message is paced. */
  throttle?: Throttle;
  /** Called for each session this slot opens (the engine reports the first ones as `connected`). */
  onOpen?: (side: Side, client: ImapFlow) => void;
}

export class WorkerSlot {
  #sessions: Partial<Record<Side, Promise<ImapFlow>>> = {};
  #appender?: Promise<Appender>;

  constructor(
    private readonly endpoints: SlotEndpoints,
    private readonly options: SlotOptions,
    initial: Partial<Record<Side, ImapFlow>> = {},
  ) {
    for (const side of ['source', 'destination'] as const) {
      const client = initial[side];
      if (client) this.#sessions[side] = Promise.resolve(client);
    }
  }

  source(): Promise<ImapFlow> {
    return this.session('source');
  }

  destination(): Promise<ImapFlow> {
    return this.session('destination');
  }

  appender(): Promise<Appender> {
    const existing = this.#appender;
    if (existing) {
      return existing.then((appender) => {
        if (appender.usable) return appender;
        if (this.#appender === existing) this.#appender = undefined;
        return this.appender();
      });
    }
    const { throttle, signal } = this.options;
    const destination = this.endpoints.destination;
    const opening = Appender.open(destination, {
      logger: this.options.logger,
      compress: compressionWorthwhile(this.options.compress, destination.host),
      throttle: throttle?.enabled ? (bytes) => throttle.take(bytes, 0, signal) : undefined,
    });
    this.#appender = opening;
    opening.catch(() => {
      if (this.#appender === opening) this.#appender = undefined;
    });
    return opening;
  }

  /** Sides whose session is known to be gone (checked after a failure to name the side in the `reconnect` event). */
  async deadSides(): Promise<Side[]> {
    const dead: Side[] = [];
    for (const side of ['source', 'destination'] as const) {
      const pending = this.#sessions[side];
      if (!pending) continue;
      const client = await pending.catch(() => undefined);
      if (!client?.usable) dead.push(side);
    }
    const appender = await this.#appender?.catch(() => undefined);
    if (this.#appender && !appender?.usable && !dead.includes('destination')) dead.push('destination');
    return dead;
  }

  /** Forget every connection without a goodbye (after a drop: the sockets may be half dead). */
  drop(): void {
    for (const side of ['source', 'destination'] as const) {
      const pending = this.#sessions[side];
      if (pending) pending.then((client) => client.close()).catch(() => {});
    }
    const appender = this.#appender;
    if (appender) appender.then((a) => a.close()).catch(() => {});
    this.#sessions = {};
    this.#appender = undefined;
  }

  /** LOGOUT everything, giving up after `timeoutMs` (then the sockets are just closed). */
  async logout(timeoutMs: number): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const side of ['source', 'destination'] as const) {
      const pending = this.#sessions[side];
      if (pending) work.push(pending.then((client) => logoutOrClose(client, timeoutMs)));
    }
    const appender = this.#appender;
    if (appender) work.push(appender.then((a) => withTimeout(a.close(), timeoutMs)));
    this.#sessions = {};
    this.#appender = undefined;
    await Promise.allSettled(work);
  }

  private session(side: Side): Promise<ImapFlow> {
    const existing = this.#sessions[side];
    if (existing) {
      return existing.then((client) => {
        if (client.usable) return client;
        if (this.#sessions[side] === existing) this.#sessions[side] = undefined;
        client.close();
        return this.session(side);
      });
    }
    const endpoint = this.endpoints[side];
    const opening = openSession(endpoint, {
      logger: this.options.logger,
      signal: this.options.signal,
      compress: compressionWorthwhile(this.options.compress, endpoint.host),
    });
    this.#sessions[side] = opening;
    opening.then(
      (client) => this.options.onOpen?.(side, client),
      () => {
        if (this.#sessions[side] === opening) this.#sessions[side] = undefined;
      },
    );
    return opening;
  }
}

export async function logoutOrClose(client: ImapFlow, timeoutMs: number): Promise<void> {
  if (!client.usable) {
    client.close();
    return;
  }
  try {
    await withTimeout(client.logout(), timeoutMs);
  } catch {
    // a slow or dead server: closing is all that is left
  } finally {
    client.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
