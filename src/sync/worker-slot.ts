/**
 * The connections of one folder worker, opened lazily and dropped and
 * reopened after a lost connection: one raw connection per side (imap-raw),
 * one login each. The source's lists the folder, reads bodies and (a move's
 * last step) deletes; the destination's lists the folder, APPENDs (the fast
 * writer), updates flags and deletes. The control slot's pair also runs the
 * first phase (LIST, CREATE, STATUS).
 */
import type { Logger } from 'pino';
import { BatchBufferPool } from './batch-buffers.js';
import { compressionWorthwhile } from './compression.js';
import type { Side } from './errors.js';
import { Appender } from './imap-raw/appender.js';
import { RawImapConnection } from './imap-raw/connection.js';
import { FolderReader } from './imap-raw/folder-reader.js';
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
  #raw: Partial<Record<Side, Promise<RawSide>>> = {};
  /** Bodies of the batches this worker has in flight (reused from folder to folder). */
  readonly buffers: BatchBufferPool;

  constructor(
    private readonly endpoints: SlotEndpoints,
    private readonly options: SlotOptions,
  ) {
    this.buffers = new BatchBufferPool(options.batchBytes);
  }

  /** The raw connection of a side (LIST, STATUS, CREATE, STORE, EXPUNGE...). */
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

  async appender(): Promise<Appender> {
    return (await this.raw('destination')).appender!;
  }

  /** Sides whose connection is known to be gone (checked after a failure to name the side in the `reconnect` event). */
  async deadSides(): Promise<Side[]> {
    const dead: Side[] = [];
    for (const side of ['source', 'destination'] as const) {
      const raw = this.#raw[side];
      const rawSide = raw ? await raw.catch(() => undefined) : undefined;
      if (raw && (!rawSide || rawSide.connection.isClosed)) dead.push(side);
    }
    return dead;
  }

  /** Forget every connection without a goodbye (after a drop: the sockets may be half dead). */
  drop(): void {
    for (const side of ['source', 'destination'] as const) {
      this.#raw[side]?.then((raw) => raw.connection.destroy('dropped')).catch(() => {});
    }
    this.#raw = {};
  }

  /** LOGOUT everything, giving up after `timeoutMs` (then the sockets are just closed). */
  async logout(timeoutMs: number): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const side of ['source', 'destination'] as const) {
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
      signal,
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
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
