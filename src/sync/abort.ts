/**
 * Stopping a run. The engine takes an AbortSignal (tests abort in-process);
 * the CLI and the worker wire SIGTERM/SIGINT to it with `abortOnProcessSignals`:
 * the first signal asks for a graceful stop (no new messages, the APPEND in
 * flight finishes or is dropped cleanly, log out, final summary); a second
 * signal exits at once, because whoever sends it has stopped waiting.
 * The CLI reports such a stop as Aborted (exit 30: the user asked for it);
 * the worker as Interrupted (exit 31): a pod gets SIGTERM from a drain or an
 * eviction as well as from an abort, and only the controller knows which.
 */
import { EXIT_CODES } from '../api/exit-codes.js';
import { AbortedError } from './errors.js';

/** How a stop by signal is reported: Aborted (the CLI) or Interrupted (the worker pod). */
export type SignalStopReason = 'Aborted' | 'Interrupted';

/** The abort reason when a process signal stopped the run: carries the signal's name for the `abort` event. */
export class SignalAbortedError extends AbortedError {
  readonly signalName: string;
  constructor(signalName: string, reason: SignalStopReason = 'Aborted') {
    super(`${reason === 'Interrupted' ? 'stopped' : 'aborted'} by ${signalName}`, reason);
    this.signalName = signalName;
  }
}

/** The name to report in the `abort` event for an aborted signal. */
export function abortSignalName(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof SignalAbortedError) return reason.signalName;
  return 'abort';
}

/** How a signal-aborted run reports its stop (Aborted unless the wiring said Interrupted). */
export function signalStopReason(signal: AbortSignal): SignalStopReason {
  const reason: unknown = signal.reason;
  return reason instanceof SignalAbortedError && reason.reason === 'Interrupted' ? 'Interrupted' : 'Aborted';
}

export interface ProcessSignalWiring {
  signal: AbortSignal;
  /** Remove the handlers (the process gets its default signal behaviour back). */
  dispose(): void;
}

export interface ProcessSignalOptions {
  signals?: NodeJS.Signals[];
  /** Called once on the second signal, just before the process exits (keep it synchronous). */
  onForcedExit?: (signalName: string) => void;
  /** How the run reports the stop (summary reason and exit code, also of a second signal). Default Aborted. */
  reason?: SignalStopReason;
}

export function abortOnProcessSignals(options: ProcessSignalOptions = {}): ProcessSignalWiring {
  const controller = new AbortController();
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const reason = options.reason ?? 'Aborted';
  const exitCode = EXIT_CODES[reason];
  const handler = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      controller.abort(new SignalAbortedError(name, reason));
      return;
    }
    options.onForcedExit?.(name);
    process.exit(exitCode);
  };
  for (const name of signals) process.on(name, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of signals) process.off(name, handler);
    },
  };
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether an error is the consequence of the run being aborted (not a failure to report). */
export function isAbortError(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  if (err instanceof AbortedError) return true;
  return err instanceof Error && err.name === 'AbortError';
}

/** Failed: a fatal error in one worker (credentials, TLS, connection lost for good) stops the others. */
export type StopReason = 'Aborted' | 'ByteCapReached' | 'ErrorBudgetExceeded' | 'QuotaExceeded' | 'Failed';

/**
 * The run-wide "stop taking new messages" switch shared by all folder workers.
 * An abort (signal) also cancels the work in flight; a byte cap or an
 * exhausted error budget lets the batch in flight finish and stops cleanly.
 */
export class RunStop {
  #reason?: StopReason;
  constructor(readonly signal: AbortSignal) {}

  get reason(): StopReason | undefined {
    return this.signal.aborted ? 'Aborted' : this.#reason;
  }
  get stopped(): boolean {
    return this.reason !== undefined;
  }
  stop(reason: StopReason): void {
    this.#reason ??= reason;
  }
}

/**
 * Wait for `work` unless the signal aborts first (then reject with its reason).
 * For IMAP commands, which take no signal: the command is abandoned, not
 * cancelled; its connection is logged out (or closed) at the end of the run.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
