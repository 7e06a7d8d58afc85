/**
 * The byte pipe under the raw IMAP client: a TCP or TLS socket, upgradable
 * with STARTTLS, optionally wrapped in raw DEFLATE (RFC 4978). Writes honour
 * backpressure: write() resolves only once the bytes are accepted without
 * growing an unbounded buffer.
 *
 * Reads land in one buffer per connection, reused for every read (the
 * sockets' `onread`; after STARTTLS, Node's TLS socket ignores it and
 * allocates per read as usual): a stream of 100 MB/s would otherwise allocate thousands
 * of 16 KB buffers a second, which the garbage collector frees only in bulk
 * (measured: 60-75 MB of dead read buffers at the peak of a copy). So
 * `onData`'s chunk is only valid during the call.
 */
import net from 'node:net';
import type { Writable } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { DialTarget } from '../egress-dial.js';

export interface TransportEvents {
  /** Bytes from the server; `chunk` is reused after the call returns (copy what must be kept). */
  onData: (chunk: Buffer) => void;
  /** Called once, when the connection is gone (error is undefined on a clean close). */
  onClose: (error?: Error) => void;
}

/** A failure while opening the connection: `phase` tells TCP (retry may help) from TLS (certificate, handshake). */
export class TransportOpenError extends Error {
  constructor(
    message: string,
    readonly phase: 'tcp' | 'tls',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportOpenError';
  }
}

export class Transport {
  private socket: net.Socket;
  private deflate?: zlib.DeflateRaw;
  private inflate?: zlib.InflateRaw;
  private closed = false;
  private readonly dataListener = (chunk: Buffer) => this.events.onData(chunk);
  /** 'data' events: only from sockets that ignore `onread` (TLS after STARTTLS). */
  private readonly socketDataListener = (chunk: Buffer) => this.received(chunk);
  private readonly closeListener = () => this.finish();
  private readonly errorListener = (error: Error) => this.finish(error);
  private lastError?: Error;

  private constructor(
    socket: net.Socket,
    reads: ReadSink,
    private readonly events: TransportEvents,
  ) {
    this.socket = socket;
    this.attach(socket);
    reads.deliver((chunk) => this.received(chunk));
  }

  /** Connect (plain TCP, or TLS from the first byte when `tlsOptions` is given) where egress-dial.ts allowed. */
  static connect(
    target: DialTarget,
    tlsOptions: tls.ConnectionOptions | undefined,
    timeoutMs: number,
    events: TransportEvents,
  ): Promise<Transport> {
    return new Promise((resolve, reject) => {
      const reads = new ReadSink();
      // `onread` is honoured by TLS sockets too (Node >= 15), though @types/node does not declare it there.
      const secureOptions: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
        ...tlsOptions,
        ...target,
        servername: tlsOptions?.servername ?? serverName(target.host),
        onread: reads.onread,
      };
      const socket = tlsOptions ? tls.connect(secureOptions) : net.connect({ ...target, onread: reads.onread });
      // Errors after the TCP connect of an implicit-TLS socket are TLS errors (certificate, handshake).
      let tcpConnected = false;
      socket.once('connect', () => {
        tcpConnected = true;
      });
      const timer = setTimeout(() => {
        const what = tcpConnected ? 'TLS handshake' : 'connect';
        socket.destroy(new Error(`${what} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        const phase = tcpConnected && tlsOptions ? 'tls' : 'tcp';
        reject(new TransportOpenError(error.message, phase, { cause: error }));
      };
      socket.once('error', fail);
      socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.setKeepAlive(true, 30_000);
        socket.setNoDelay(true);
        resolve(new Transport(socket, reads, events));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get encrypted(): boolean {
    return this.socket instanceof tls.TLSSocket;
  }

  get compressed(): boolean {
    return this.deflate !== undefined;
  }

  /** Queue bytes; resolves when the stream can take more (rejects if the connection is gone). */
  async write(data: Buffer | string): Promise<void> {
    if (this.closed) throw this.goneError();
    const target: Writable = this.deflate ?? this.socket;
    if (target.write(data)) return;
    await waitForDrain(target, () => this.goneError());
  }

  /**
   * Queue several pieces as one write (cork/uncork: one writev, so TLS makes
   * one record of small pieces instead of one each); resolves like write().
   */
  async writeAll(parts: readonly (Buffer | string)[]): Promise<void> {
    if (this.closed) throw this.goneError();
    const target: Writable = this.deflate ?? this.socket;
    target.cork();
    let more = true;
    for (const part of parts) more = target.write(part);
    target.uncork();
    if (more) return;
    await waitForDrain(target, () => this.goneError());
  }

  /** Push compressed bytes out now (a command or literal prefix is complete). */
  flush(): void {
    if (!this.closed) this.deflate?.flush(zlib.constants.Z_SYNC_FLUSH);
  }

  /** Upgrade the plaintext socket to TLS (after the server's OK to STARTTLS). */
  startTls(tlsOptions: tls.ConnectionOptions, host: string, timeoutMs: number): Promise<void> {
    const plain = this.socket;
    this.detach(plain);
    return new Promise((resolve, reject) => {
      // A TLS socket wrapped around an existing socket ignores `onread`: its data comes as 'data' events.
      const secure = tls.connect({
        ...tlsOptions,
        host,
        socket: plain,
        servername: tlsOptions.servername ?? serverName(host),
      });
      const timer = setTimeout(
        () => secure.destroy(new Error(`TLS handshake timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.closed = true;
        // Destroy only the TLS socket: destroying the wrapped plain socket too crashes
        // Node 24 (segfault/hang) when it happens inside the handshake callbacks.
        setImmediate(() => secure.destroy());
        reject(new TransportOpenError(error.message, 'tls', { cause: error }));
      };
      secure.once('error', fail);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        secure.off('error', fail);
        this.socket = secure;
        this.attach(secure);
        resolve();
      });
    });
  }

  /** Switch both directions to raw DEFLATE (after the server's OK to COMPRESS DEFLATE). */
  startCompression(): void {
    const deflate = zlib.createDeflateRaw({ level: zlib.constants.Z_DEFAULT_COMPRESSION });
    const inflate = zlib.createInflateRaw();
    // From now on received() writes into `inflate`; its output chunks are fresh buffers.
    inflate.on('data', this.dataListener);
    inflate.on('error', this.errorListener);
    deflate.on('error', this.errorListener);
    deflate.pipe(this.socket);
    this.deflate = deflate;
    this.inflate = inflate;
  }

  /** Cut the connection at once: whatever command is half-sent is never completed. */
  destroy(error?: Error): void {
    if (this.closed) return;
    this.lastError = error;
    this.deflate?.destroy();
    this.inflate?.destroy();
    this.socket.destroy();
    this.finish(error);
  }

  /** Half-close after LOGOUT and wait for the server to close (bounded). */
  async end(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    if (this.deflate) this.deflate.end();
    else this.socket.end();
    const timer = setTimeout(() => this.destroy(), timeoutMs);
    await closed;
    clearTimeout(timer);
  }

  private received(chunk: Buffer): void {
    if (this.closed) return;
    if (this.inflate) this.inflate.write(Buffer.from(chunk));
    else this.events.onData(chunk);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', this.socketDataListener);
    socket.on('close', this.closeListener);
    socket.on('error', this.errorListener);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.socketDataListener);
    socket.off('close', this.closeListener);
    socket.off('error', this.errorListener);
  }

  private finish(error?: Error): void {
    if (error) this.lastError ??= error;
    if (this.closed) return;
    this.closed = true;
    if (!this.socket.destroyed) this.socket.destroy();
    this.events.onClose(error);
  }

  private goneError(): Error {
    return new Error(this.lastError ? `connection closed: ${this.lastError.message}` : 'connection closed');
  }
}

const READ_BUFFER_BYTES = 64 * 1024;

/** A socket's `onread`: one reused buffer; what arrives before the Transport exists is kept (copied). */
class ReadSink {
  private target?: (chunk: Buffer) => void;
  private early: Buffer[] = [];
  readonly onread = {
    buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES),
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
      if (this.target) this.target(chunk);
      else this.early.push(Buffer.from(chunk));
      return true;
    },
  };

  deliver(target: (chunk: Buffer) => void): void {
    this.target = target;
    const early = this.early;
    this.early = [];
    for (const chunk of early) target(chunk);
  }
}

function waitForDrain(stream: Writable, gone: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(gone());
    };
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onClose);
  });
}

/** SNI must not be an IP address (RFC 6066). */
function serverName(host: string): string | undefined {
  return net.isIP(host) === 0 ? host : undefined;
}
