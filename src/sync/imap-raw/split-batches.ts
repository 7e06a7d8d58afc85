/**
 * Cut a list of messages into APPEND batches bounded by count and by bytes.
 * A MULTIAPPEND is one server transaction: bounding bytes keeps one failed
 * (and retried one by one) batch cheap and keeps memory at one batch.
 */
export interface BatchLimits {
  maxMessages: number;
  maxBytes: number;
}

/** Consecutive batches, in order; a message bigger than maxBytes travels alone. */
export function splitBatches<T extends { raw: Buffer }>(messages: readonly T[], limits: BatchLimits): T[][] {
  const maxMessages = Math.max(1, Math.floor(limits.maxMessages));
  const maxBytes = Math.max(1, limits.maxBytes);
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.raw.length;
    if (current.length > 0 && (current.length >= maxMessages || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
