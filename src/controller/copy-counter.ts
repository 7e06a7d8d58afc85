/**
 * Messages and bytes copied by one run, as counter increments for
 * mailsync_messages_copied_total / mailsync_bytes_copied_total while the run
 * goes on. The worker reports running totals per pod (progress events, then
 * its summary); what is new since the last look is counted once. A new pod
 * (a pod retry, a resumed interruption) starts its totals from zero. After a
 * controller restart the baseline is what the status had recorded, so the
 * counters do not jump by everything copied before. Pure.
 */
export interface Copied {
  messages: number;
  bytes: number;
}

export class CopyCounter {
  /** The pod the totals belong to (undefined: the first pod seen). */
  #pod?: string;
  #seen: Copied;
  #pending: Copied = { messages: 0, bytes: 0 };

  constructor(baseline?: { pod?: string; messages?: number; bytes?: number }) {
    this.#pod = baseline?.pod;
    this.#seen = { messages: baseline?.messages ?? 0, bytes: baseline?.bytes ?? 0 };
  }

  /** The worker of `pod` reports these totals so far. */
  observe(pod: string, messages: number, bytes: number): void {
    if (this.#pod !== undefined && this.#pod !== pod) this.#seen = { messages: 0, bytes: 0 };
    this.#pod = pod;
    const add = (field: keyof Copied, total: number) => {
      if (!Number.isFinite(total) || total <= this.#seen[field]) return;
      this.#pending[field] += total - this.#seen[field];
      this.#seen[field] = total;
    };
    add('messages', messages);
    add('bytes', bytes);
  }

  /** What was copied since the last call. */
  take(): Copied {
    const pending = this.#pending;
    this.#pending = { messages: 0, bytes: 0 };
    return pending;
  }
}

/** Add what `counter` has not counted yet to the two counters. */
export function countCopied(
  metrics: { messagesCopied: { inc(n: number): void }; bytesCopied: { inc(n: number): void } },
  counter: CopyCounter | undefined,
): void {
  const copied = counter?.take();
  if (!copied) return;
  if (copied.messages > 0) metrics.messagesCopied.inc(copied.messages);
  if (copied.bytes > 0) metrics.bytesCopied.inc(copied.bytes);
}
