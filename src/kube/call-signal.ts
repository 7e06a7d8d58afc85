/**
 * The abort signal of one client call: the caller's signal, if any, joined
 * with the call's deadline. Tells a deadline (KubeTransportError Timeout)
 * from the caller's own abort (passed through unchanged), and socket
 * failures (ConnectionFailed) from everything else.
 */
import { KubeApiError, KubeTransportError } from './errors.js';
import { realBucketClock } from './token-bucket.js';

const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export class CallSignal {
  readonly #controller = new AbortController();
  readonly #caller?: AbortSignal;
  readonly #onCallerAbort = () => this.#controller.abort(this.#caller?.reason);
  #timer?: NodeJS.Timeout;
  #deadline: number;
  #timedOut = false;

  constructor(
    readonly timeoutMs: number,
    caller?: AbortSignal,
  ) {
    this.#deadline = performance.now() + timeoutMs;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(this.#timeoutError());
    }, timeoutMs);
    this.#caller = caller;
    if (caller?.aborted) this.#onCallerAbort();
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  remainingMs(): number {
    return this.#deadline - performance.now();
  }

  /** From here on only the caller's signal ends the call (a stream after its headers). */
  clearDeadline(): void {
    clearTimeout(this.#timer);
    this.#deadline = Number.POSITIVE_INFINITY;
  }

  sleep(ms: number): Promise<void> {
    return realBucketClock.sleep(ms, this.signal);
  }

  /** The error to give the caller for what the request raised. */
  translate(error: unknown): unknown {
    if (this.#timedOut) return this.#timeoutError();
    if (this.#caller?.aborted || error instanceof KubeApiError || error instanceof KubeTransportError) return error;
    const code = (error as { code?: string } | undefined)?.code;
    if (code && CONNECTION_CODES.has(code)) {
      return new KubeTransportError('ConnectionFailed', `connection to the API server failed: ${code}`, code);
    }
    return error;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  #timeoutError(): KubeTransportError {
    return new KubeTransportError('Timeout', `no answer from the API server within ${this.timeoutMs} ms`);
  }
}
