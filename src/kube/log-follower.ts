/**
 * Follows one container's log through the API server (pods/log with
 * follow=true and timestamps=true), line by line, until the stream ends or
 * it is aborted. One HTTP request per call; reconnecting is the caller's
 * decision (it knows whether the container still runs). On the client's
 * 'streams' lane, so follows never hold up short requests.
 */
import { createInterface } from 'node:readline';
import type { KubeClient } from './kube-client.js';
import { paths } from './paths.js';

export interface FollowOptions {
  namespace: string;
  pod: string;
  container: string;
  /** RFC 3339 (seconds): only lines from then on. */
  sinceTime?: string;
  follow?: boolean;
  signal: AbortSignal;
  onLine(line: string): void;
}

/** Resolves when the log stream ends (the container ended, or the connection dropped); rejects on API errors. */
export async function followLog(client: KubeClient, options: FollowOptions): Promise<void> {
  const response = await client.open('GET', paths.podLog(options.namespace, options.pod), {
    query: {
      container: options.container,
      follow: options.follow ?? true,
      timestamps: true,
      sinceTime: options.sinceTime,
    },
    signal: options.signal,
    lane: 'streams',
  });
  if (options.signal.aborted) {
    response.destroy();
    return;
  }
  const lines = createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY });
  // An aborted response may close without 'end' or 'error': close the reader so the loop below ends.
  const stop = () => lines.close();
  options.signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const line of lines) {
      if (options.signal.aborted) break;
      if (line.length > 0) options.onLine(line);
    }
  } catch (error) {
    // An abort or a dropped connection ends the stream like EOF; the caller decides what next.
    if (!options.signal.aborted && !isConnectionReset(error)) throw error;
  } finally {
    options.signal.removeEventListener('abort', stop);
    lines.close();
    response.destroy();
  }
}

function isConnectionReset(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR';
}
