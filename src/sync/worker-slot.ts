/**
 * The connections of one folder worker, opened lazily and dropped and
 * reopened after a lost connection:
 * - a raw connection per side (imap-raw): the source's lists the folder and
 *   reads bodies, the destination's lists the folder and APPENDs (the fast
 *   writer); this is all a copy needs;
 * - an imapflow session per side, only when asked for: the first phase
 *   (LIST, CREATE, STATUS: the control slot), STORE/EXPUNGE, deletes.
 * A run where the delta state shows nothing changed never opens more than the
 * control slot's imapflow pair.
 */
import type { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { BatchBufferPool } from './batch-buffers.js';
import { compressionWorthwhile } from './compression.js';
import type { Side } from './errors.js';
import { Appender } from './imap-raw/appender.js';
import { RawImapConnection } from './imap-raw/connection.js';
import { FolderReader } from './imap-raw/folder-reader.js';
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
  /** Called for each connection this slot opens, with the server's capabilities (the engine reports the first ones as `connected`). */
  onOpen?: (side: Side, capabilities: string[]) => void;
  /** performance.batchBytes: the size of the reusable body buffers. */
  batchBytes: number;
}

/** A raw connection with what runs on it. */
interface RawSide {
  connection: RawImapConnection;
  reader: FolderReader;
  /** Destination only. */
  appender?: Appender;
}

export class WorkerSlot {
  #sessions: Partial<Record<Side, Promise<ImapFlow>>> = {};
  #raw: Partial<Record<Side, Promise<RawSide>>> = {};
  /** Bodies of the batches this worker has in flight (reused from folder to folder). */
  readonly buffers: BatchBufferPool;

  constructor(
    private readonly endpoints: SlotEndpoints,
    private readonly options: SlotOptions,
    initial: Partial<Record<Side, ImapFlow>> = {},
  ) {
    for (const side of ['source', 'destination'] as const) {
      const client = initial[side];
      if (client) this.#sessions[side] = Promise.resolve(client);
    }
    this.buffers = new BatchBufferPool(options.batchBytes);
  }

  /** The raw connection of a side (the first phase: LIST, STATUS, CREATE...). */
  async connection(side: Side): Promise<RawImapConnection> {
    return (await this.raw(side)).connection;
  }

  /** Lists and reads bodies on the source (raw connection). */
  async sourceReader(): Promise<FolderReader> {
    return (await this.raw('source')).reader;
  }

  /** Lists on the destination, on the APPEND writer's connection. */
  async destinationReader(): Promise<FolderReader> {
    return (await this.raw('destination')).reader;
  }

  source(): Promise<ImapFlow> {
    return this.session('source');
  }

  destination(): Promise<ImapFlow> {
    return this.session('destination');
  }

  async appender(): Promise<Appender> {
    return (await this.raw('destination')).appender!;
  }

  /** Sides whose session is known to be gone (checked after a failure to name the side in the `reconnect` event). */
  async deadSides(): Promise<Side[]> {
    const dead: Side[] = [];
    for (const side of ['source', 'destination'] as const) {
      const pending = this.#sessions[side];
      const client = pending ? await pending.catch(() => undefined) : undefined;
      const raw = this.#raw[side];
      const rawSide = raw ? await raw.catch(() => undefined) : undefined;
      if ((pending && !client?.usable) || (raw && (!rawSide || rawSide.connection.isClosed))) dead.push(side);
    }
    return dead;
  }

  /** Forget every connection without a goodbye (after a drop: the sockets may be half dead). */
  drop(): void {
    for (const side of ['source', 'destination'] as const) {
      this.#sessions[side]?.then((client) => client.close()).catch(() => {});
      this.#raw[side]?.then((raw) => raw.connection.destroy('dropped')).catch(() => {});
    }
    this.#sessions = {};
    this.#raw = {};
  }

  /** LOGOUT everything, giving up after `timeoutMs` (then the sockets are just closed). */
  async logout(timeoutMs: number): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const side of ['source', 'destination'] as const) {
      const pending = this.#sessions[side];
      if (pending) work.push(pending.then((client) => logoutOrClose(client, timeoutMs)));
      const raw = this.#raw[side];
      if (raw) {
        work.push(
          raw.then(async ({ connection, appender }) => {
            // The appender finishes its queue before its LOGOUT.
            await withTimeout(appender ? appender.close() : connection.logout(), timeoutMs);
            connection.destroy('logged out');
          }),
        );
      }
    }
    this.#sessions = {};
    this.#raw = {};
    await Promise.allSettled(work);
  }

  private raw(side: Side): Promise<RawSide> {
    const existing = this.#raw[side];
    if (existing) {
      return existing.then((raw) => {
        if (!raw.connection.isClosed) return raw;
        if (this.#raw[side] === existing) this.#raw[side] = undefined;
        return this.raw(side);
      });
    }
    const { throttle, signal, logger } = this.options;
    const endpoint = this.endpoints[side];
    const opening = RawImapConnection.open(endpoint, {
      logger,
      compress: compressionWorthwhile(this.options.compress, endpoint.host),
    }).then((connection): RawSide => {
      const reader = new FolderReader(connection);
      if (side === 'source') return { connection, reader };
      const appender = Appender.attach(connection, {
        logger,
        throttle: throttle?.enabled ? (bytes) => throttle.take(bytes, 0, signal) : undefined,
      });
      return { connection, reader, appender };
    });
    this.#raw[side] = opening;
    opening.then(
      (raw) => this.options.onOpen?.(side, [...raw.connection.capabilities]),
      () => {
        if (this.#raw[side] === opening) this.#raw[side] = undefined;
      },
    );
    return opening;
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
      (client) => this.options.onOpen?.(side, [...client.capabilities.keys()]),
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
