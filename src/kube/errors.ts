/** Typed errors of the Kubernetes client, each with a `reason`. */

/** The API server answered with an error status. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    /** The API Status reason: NotFound, AlreadyExists, Conflict, Invalid, Forbidden... */
    readonly reason: string,
    message: string,
    readonly details?: unknown,
    /** Seconds from a Retry-After header (429, 503), if any. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** No answer: the call ran out of time (Timeout) or the connection failed (ConnectionFailed). */
export class KubeTransportError extends Error {
  constructor(
    readonly reason: 'Timeout' | 'ConnectionFailed',
    message: string,
    /** The socket error code (ECONNRESET, ECONNREFUSED...) for ConnectionFailed. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'KubeTransportError';
  }
}
