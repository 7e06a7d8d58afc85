/**
 * A minimal raw IMAP connection for the APPEND fast path: greeting,
 * CAPABILITY, STARTTLS, authentication, optional COMPRESS=DEFLATE, tagged
 * commands with pipelining, continuation requests, and LOGOUT. It exists
 * because imapflow neither sends LITERAL+ literals above 4 KB nor MULTIAPPEND.
 *
 * Secrets: the password/token is only ever written to the socket. Server text
 * that ends up in an error is scrubbed of it (secret-scrubber.ts: also its
 * base64 forms), in case a server echoes it.
 *
 * A hostile server (limits.ts): lines, literals and untagged responses are
 * bounded, and a command has a deadline that bytes trickled one at a time
 * cannot extend. Breaking one ends the connection with ServerMisbehavedError.
 */
import type { Logger } from 'pino';
import { excerpt } from '../../api/printable.js';
import { dialTarget } from '../egress-dial.js';
import {
  AbortedError,
  ConnectError,
  CredentialRefusedError,
  type MailsyncError,
  ServerMisbehavedError,
  TlsError,
} from '../errors.js';
import { SecretScrubber } from '../secret-scrubber.js';
import { isServerBusy, ServerBusyError } from '../server-busy.js';
import type { ResolvedEndpoint } from '../types.js';
import { authenticate } from './authenticate.js';
import { featuresOf, type ServerFeatures } from './capabilities.js';
import type {
  CommandChannel,
  CommandRunner,
  ContinuationOutcome,
  TaggedResult,
  UntaggedListener,
} from './command-channel.js';
import { DEFAULT_LIMITS, LimitExceeded, type ProtocolLimits } from './limits.js';
import { OpenStepError, openError, startTlsMissing } from './open-errors.js';
import { parseCapabilities, type Response, ResponseReader, UnparsableResponse } from './response-parser.js';
import { Transport } from './transport.js';

export type RawLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

export interface RawConnectionOptions {
  logger: RawLogger;
  /** Ask for COMPRESS=DEFLATE when the server offers it. */
  compress?: boolean;
  /** Aborting closes a connection still being opened (open() rejects with AbortedError). */
  signal?: AbortSignal;
  /** Bounds against a hostile server (tests lower them); DEFAULT_LIMITS otherwise. */
  limits?: Partial<ProtocolLimits>;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class RawImapConnection implements CommandChannel, CommandRunner {
  /** CAPABILITY atoms, upper-cased; refreshed after STARTTLS and authentication. */
  capabilities = new Set<string>();
  private transport?: Transport;
  private readonly limits: ProtocolLimits;
  private readonly reader: ResponseReader;
  private tagCounter = 0;
  private readonly pending = new Map<string, Waiter<TaggedResult>>();
  private continuation?: Waiter<ContinuationOutcome> & { tag: string };
  private greeting?: Waiter<Response>;
  private earlyGreeting?: Response;
  private byeText?: string;
  /** The BYE said "too busy" (a temporary limit): the connection's end is a ServerBusyError. */
  private byeBusy = false;
  private closedError?: ConnectError;
  private lastProgress = Date.now();
  /** Since when a command has been waiting (reset when none is, and after a pause), and the bytes moved since. */
  private busySince?: number;
  private busyBytes = 0;
  /** Untagged responses since the last tagged one. */
  private untaggedCount = 0;
  /** Why the connection was cut for breaking a bound: what every waiter gets. */
  private misbehaved?: ServerMisbehavedError;
  private watchdogPauses = 0;
  private readonly watchdog: NodeJS.Timeout;
  private readonly secret = new SecretScrubber();
  private untaggedListener?: UntaggedListener;

  private constructor(
    readonly endpoint: ResolvedEndpoint,
    private readonly options: RawConnectionOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.reader = new ResponseReader((response) => this.onResponse(response), this.limits);
    this.watchdog = setInterval(() => this.checkTimeout(), Math.min(1000, endpoint.commandTimeoutMs / 4));
    this.watchdog.unref();
  }

  /** Connect, upgrade to TLS if asked, authenticate, and optionally compress. */
  static async open(endpoint: ResolvedEndpoint, options: RawConnectionOptions): Promise<RawImapConnection> {
    const { signal } = options;
    if (signal?.aborted) throw new AbortedError();
    const connection = new RawImapConnection(endpoint, options);
    const abort = () => connection.destroy('aborted');
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await connection.connect();
      if (signal?.aborted) throw new AbortedError();
      return connection;
    } catch (error) {
      const typed = signal?.aborted ? new AbortedError() : openError(endpoint, error, (text) => connection.scrub(text));
      connection.destroy('open failed');
      throw typed;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  get features(): ServerFeatures {
    return featuresOf(this.capabilities);
  }

  get isClosed(): boolean {
    return this.transport?.isClosed ?? true;
  }

  get compressed(): boolean {
    return this.transport?.compressed ?? false;
  }

  get encrypted(): boolean {
    return this.transport?.encrypted ?? false;
  }

  /** `host:port (side)`, for messages. */
  get where(): string {
    return `${this.endpoint.host}:${this.endpoint.port} (${this.endpoint.side})`;
  }

  nextTag(): string {
    this.tagCounter += 1;
    return `R${this.tagCounter}`;
  }

  /** Register interest in the tagged response of `tag` (register before writing the command). */
  expectTagged(tag: string): Promise<TaggedResult> {
    if (this.closedError) return Promise.reject(this.closedError);
    this.startBusy();
    return new Promise((resolve, reject) => {
      this.pending.set(tag, { resolve, reject });
    });
  }

  /**
   * Receive the untagged responses (and choose where literals go) until
   * `listen(undefined)`. One listener at a time: the caller runs one command
   * that needs it at a time.
   */
  listen(listener: UntaggedListener | undefined): void {
    if (listener && this.untaggedListener) throw new Error('an untagged listener is already set');
    this.untaggedListener = listener;
    this.reader.literalTargetFor = listener?.literal;
  }

  /** Wait for `+` after a synchronizing literal prefix or an AUTHENTICATE step of command `tag`. */
  waitContinuation(tag: string): Promise<ContinuationOutcome> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.continuation) return Promise.reject(new Error('already waiting for a continuation'));
    this.startBusy();
    return new Promise((resolve, reject) => {
      this.continuation = { tag, resolve, reject };
    });
  }

  /** Write bytes, waiting for the socket to drain (backpressure). */
  async write(data: Buffer | string): Promise<void> {
    if (this.closedError) throw this.closedError;
    this.lastProgress = Date.now();
    this.busyBytes += data.length;
    try {
      await this.transport!.write(data);
    } catch (error) {
      throw (
        this.closedError ??
        new ConnectError(`write to ${this.where} failed`, { side: this.endpoint.side, cause: error })
      );
    }
    this.lastProgress = Date.now();
  }

  /** Write pieces together (one TLS record for small ones), waiting for the socket to drain. */
  async writeAll(parts: readonly (Buffer | string)[]): Promise<void> {
    if (this.closedError) throw this.closedError;
    this.lastProgress = Date.now();
    for (const part of parts) this.busyBytes += part.length;
    try {
      await this.transport!.writeAll(parts);
    } catch (error) {
      throw (
        this.closedError ??
        new ConnectError(`write to ${this.where} failed`, { side: this.endpoint.side, cause: error })
      );
    }
    this.lastProgress = Date.now();
  }

  /** End of a command line or literal prefix: push compressed bytes out. */
  flush(): void {
    this.transport?.flush();
  }

  /** Send a command without literals and wait for its tagged response. */
  async command(line: string): Promise<TaggedResult> {
    const tag = this.nextTag();
    const result = this.expectTagged(tag);
    result.catch(() => {});
    await this.write(`${tag} ${line}\r\n`);
    this.flush();
    return result;
  }

  /**
   * Write a literal prefix `{n}` / `{n+}` and, for a synchronizing one, wait
   * for the go-ahead. Returns the tagged result instead if the server refused
   * the command before taking the literal (e.g. NO [TOOBIG]).
   */
  async beginLiteral(tag: string, size: number, nonSynchronizing: boolean): Promise<TaggedResult | undefined> {
    if (nonSynchronizing) {
      await this.write(`{${size}+}\r\n`);
      return undefined;
    }
    const outcome = this.waitContinuation(tag);
    outcome.catch(() => {});
    await this.write(`{${size}}\r\n`);
    this.flush();
    const answer = await outcome;
    return answer.kind === 'done' ? answer.result : undefined;
  }

  /** Whether a literal of `size` bytes may go without a round trip. */
  mayUseNonSyncLiteral(size: number): boolean {
    const features = this.features;
    return features.literalPlus || (features.literalMinus && size <= 4096);
  }

  /** Suspend the command timeout while the caller deliberately waits (throttling). */
  async withoutTimeout<T>(work: () => Promise<T>): Promise<T> {
    this.watchdogPauses += 1;
    try {
      return await work();
    } finally {
      this.watchdogPauses -= 1;
      this.lastProgress = Date.now();
      // A deliberate wait is not the server's time: the deadline starts again.
      this.busySince = Date.now();
      this.busyBytes = 0;
    }
  }

  /** Replace the secret by `***` in server text before it goes into an error or a log line. */
  scrub(text: string): string {
    return this.secret.scrub(text);
  }

  /** Say LOGOUT and close; never throws. */
  async logout(): Promise<void> {
    const transport = this.transport;
    if (!transport || transport.isClosed) {
      this.stop();
      return;
    }
    try {
      const bounded = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([this.command('LOGOUT').then(() => undefined), bounded]);
      await transport.end(2000);
    } catch {
      // The connection is going away anyway.
    } finally {
      this.destroy('logged out');
    }
  }

  /** Cut the connection now. Anything half-sent is never completed by the server. */
  destroy(reason: string): void {
    this.transport?.destroy(new Error(reason));
    this.stop();
  }

  private stop(): void {
    clearInterval(this.watchdog);
    this.secret.set(undefined);
  }

  private async connect(): Promise<void> {
    const { side, host, port, security, connectTimeoutMs, egress } = this.endpoint;
    const target = await dialTarget(side, host, port, egress);
    this.transport = await Transport.connect(
      target,
      security === 'implicit' ? this.endpoint.tls : undefined,
      connectTimeoutMs,
      { onData: (chunk) => this.onData(chunk), onClose: (error) => this.onClose(error) },
    );
    const greeting = await this.readGreeting(connectTimeoutMs);
    if (security === 'starttls') await this.startTls();
    else if (this.capabilities.size === 0) await this.refreshCapabilities();
    if (greeting.kind === 'untagged' && greeting.status === 'PREAUTH') {
      this.options.logger.debug({ side: this.endpoint.side }, 'server pre-authenticated the connection');
    } else {
      const result = await this.login();
      if (result.code?.name === 'CAPABILITY') this.capabilities = parseCapabilities(result.code.args);
      else await this.refreshCapabilities();
    }
    if (this.options.compress && this.features.compressDeflate) await this.startCompression();
    this.options.logger.debug(
      {
        side: this.endpoint.side,
        host,
        port,
        security,
        compressed: this.compressed,
        capabilities: [...this.capabilities].join(' '),
      },
      'raw IMAP connection ready',
    );
  }

  /**
   * Authenticate with the endpoint's secret. A refreshable OAuth2 token the
   * server refuses (expired early, revoked) is renewed once and tried again on
   * the same connection; a second refusal is the AuthError.
   */
  private async login(): Promise<TaggedResult> {
    const secret = await this.endpoint.secret();
    this.secret.set(secret);
    try {
      return await authenticate(this, secret);
    } catch (err) {
      const refused = this.endpoint.secretRefused;
      if (!(err instanceof CredentialRefusedError) || !refused) throw err;
      refused(secret);
      this.options.logger.info(
        { side: this.endpoint.side, event: 'oauth2TokenRefused' },
        `${this.endpoint.side}: the server refused the OAuth2 access token: trying once more with a fresh one`,
      );
      const fresh = await this.endpoint.secret();
      this.secret.set(fresh);
      return await authenticate(this, fresh);
    }
  }

  private readGreeting(timeoutMs: number): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new OpenStepError(`no greeting within ${timeoutMs} ms`, 'GREETING_TIMEOUT')),
        timeoutMs,
      );
      const done = (response: Response) => {
        clearTimeout(timer);
        if (response.kind === 'untagged' && response.status === 'BYE') {
          const text = this.scrub(response.text);
          if (isServerBusy(response.code?.name, response.text)) {
            const code = response.code ? `[${response.code.name}] ` : '';
            const { side, host, port } = this.endpoint;
            reject(
              new ServerBusyError(`${side} server ${host}:${port} is busy and refused the connection: ${code}${text}`, {
                side,
              }),
            );
          } else reject(new Error(`server refused the connection: ${text}`));
          return;
        }
        if (response.kind !== 'untagged' || (response.status !== 'OK' && response.status !== 'PREAUTH')) {
          reject(new Error('unexpected greeting'));
          return;
        }
        resolve(response);
      };
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      if (this.earlyGreeting) done(this.earlyGreeting);
      else if (this.closedError) fail(this.closedError);
      else this.greeting = { resolve: done, reject: fail };
    });
  }

  private async startTls(): Promise<void> {
    const side = this.endpoint.side;
    if (this.capabilities.size === 0) await this.refreshCapabilities();
    if (!this.capabilities.has('STARTTLS')) throw startTlsMissing(this.endpoint);
    const result = await this.command('STARTTLS');
    if (result.status !== 'OK') throw new TlsError(`${this.where} refused STARTTLS: ${result.text}`, { side });
    await this.transport!.startTls(this.endpoint.tls, this.endpoint.host, this.endpoint.connectTimeoutMs);
    // RFC 3501 6.2.1: forget what was announced before TLS.
    await this.refreshCapabilities();
  }

  private async startCompression(): Promise<void> {
    const result = await this.command('COMPRESS DEFLATE');
    if (result.status !== 'OK') {
      this.options.logger.warn({ side: this.endpoint.side, text: result.text }, 'COMPRESS DEFLATE refused');
      return;
    }
    this.transport!.startCompression();
  }

  private async refreshCapabilities(): Promise<void> {
    this.capabilities = new Set();
    const result = await this.command('CAPABILITY');
    if (result.status !== 'OK') throw new Error(`CAPABILITY failed: ${result.text}`);
  }

  private onData(chunk: Buffer): void {
    this.lastProgress = Date.now();
    this.busyBytes += chunk.length;
    try {
      this.reader.push(chunk);
    } catch (error) {
      this.cutMisbehaving(this.violation(error));
    }
  }

  /** What a parser or listener failure means, in words that quote the server only as a short escaped excerpt. */
  private violation(error: unknown): MailsyncError {
    const { side, host, port } = this.endpoint;
    const greeting = this.tagCounter === 0 && !this.earlyGreeting;
    if (error instanceof UnparsableResponse) {
      const quoted = excerpt(this.scrub(error.line));
      const message = greeting
        ? `${side} server ${host}:${port} is not an IMAP server: it greeted with "${quoted}"`
        : `${side} server ${host}:${port} sent a response that is not IMAP: "${quoted}"`;
      return new ServerMisbehavedError(message, { side, cause: error });
    }
    if (error instanceof LimitExceeded) {
      const when = greeting ? ' before its greeting' : '';
      return new ServerMisbehavedError(`${side} server ${host}:${port} sent ${error.message}${when}`, {
        side,
        cause: error,
      });
    }
    return new ServerMisbehavedError(`${side} server ${host}:${port}: ${(error as Error).message}`, {
      side,
      cause: error,
    });
  }

  /** End the connection for breaking a bound: every waiter (greeting, commands) gets `error`. */
  private cutMisbehaving(error: MailsyncError): void {
    if (error instanceof ServerMisbehavedError) this.misbehaved ??= error;
    this.options.logger.warn({ side: this.endpoint.side, err: error.message }, 'server misbehaved; connection cut');
    this.transport?.destroy(error);
  }

  private startBusy(): void {
    if (this.pending.size > 0 || this.continuation) return;
    this.busySince = Date.now();
    this.busyBytes = 0;
  }

  /** Count an untagged response against the command in flight (throws LimitExceeded past its bound). */
  private countUntagged(): void {
    this.untaggedCount += 1;
    const bound = this.untaggedListener?.maxResponses ?? this.limits.maxUntaggedPerCommand;
    if (this.untaggedCount > bound) {
      throw new LimitExceeded(`more than ${bound} untagged responses to one command`);
    }
  }

  private onResponse(response: Response): void {
    switch (response.kind) {
      case 'continuation': {
        const waiter = this.continuation;
        this.continuation = undefined;
        if (waiter) waiter.resolve({ kind: 'continue', text: response.text });
        else this.options.logger.debug({ side: this.endpoint.side }, 'unexpected continuation request ignored');
        return;
      }
      case 'tagged': {
        this.untaggedCount = 0;
        if (response.code?.name === 'CAPABILITY') this.capabilities = parseCapabilities(response.code.args);
        const result: TaggedResult = { status: response.status, code: response.code, text: response.text };
        if (this.continuation?.tag === response.tag) {
          const waiter = this.continuation;
          this.continuation = undefined;
          waiter.resolve({ kind: 'done', result });
        }
        const waiter = this.pending.get(response.tag);
        this.pending.delete(response.tag);
        waiter?.resolve(result);
        return;
      }
      case 'untagged': {
        this.countUntagged();
        if (response.code?.name === 'CAPABILITY') this.capabilities = parseCapabilities(response.code.args);
        if (response.status === 'BYE') {
          this.byeText = this.scrub(response.text);
          this.byeBusy = isServerBusy(response.code?.name, response.text);
        }
        if (response.code?.name === 'ALERT') {
          this.options.logger.warn({ side: this.endpoint.side, alert: this.scrub(response.text) }, 'server alert');
        }
        if (this.greeting) {
          const waiter = this.greeting;
          this.greeting = undefined;
          waiter.resolve(response);
        } else if (this.tagCounter === 0) {
          this.earlyGreeting ??= response;
        } else {
          this.untaggedListener?.response(response);
        }
        return;
      }
      case 'data':
        this.countUntagged();
        if (response.name === 'CAPABILITY') this.capabilities = parseCapabilities(response.text);
        this.untaggedListener?.response(response);
        return;
    }
  }

  private onClose(error?: Error): void {
    const reason = [this.byeText, error?.message].filter(Boolean).join('; ');
    const message = `connection to ${this.where} closed${reason ? `: ${reason}` : ''}`;
    const options = { side: this.endpoint.side, cause: error };
    this.closedError =
      this.misbehaved ?? (this.byeBusy ? new ServerBusyError(message, options) : new ConnectError(message, options));
    for (const waiter of this.pending.values()) waiter.reject(this.closedError);
    this.pending.clear();
    this.continuation?.reject(this.closedError);
    this.continuation = undefined;
    this.greeting?.reject(this.closedError);
    this.greeting = undefined;
    this.stop();
  }

  private checkTimeout(): void {
    const waiting = this.pending.size > 0 || this.continuation !== undefined;
    if (!waiting || this.watchdogPauses > 0) return;
    const now = Date.now();
    const idle = now - this.lastProgress;
    if (idle > this.endpoint.commandTimeoutMs) {
      this.transport?.destroy(new Error(`no response for ${Math.round(idle / 1000)} s (command timeout)`));
      return;
    }
    // Bytes keep the idle timer above from firing; only enough of them extend the command's deadline.
    const busy = now - (this.busySince ?? now);
    const allowed = this.endpoint.commandTimeoutMs + (this.busyBytes / this.limits.minBytesPerSecond) * 1000;
    if (busy > allowed) {
      const { side, host, port } = this.endpoint;
      this.cutMisbehaving(
        new ServerMisbehavedError(
          `${side} server ${host}:${port} answered too slowly: ${this.busyBytes} bytes in ${Math.round(busy / 1000)} s ` +
            `(a command may take the timeout of ${Math.round(this.endpoint.commandTimeoutMs / 1000)} s plus 1 s per ` +
            `${this.limits.minBytesPerSecond} bytes moved; a server trickling bytes cannot keep it alive)`,
          { side },
        ),
      );
    }
  }
}
