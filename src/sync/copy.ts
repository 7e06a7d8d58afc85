/**
 * The copy pipeline of one folder: source bodies are fetched with BODY.PEEK[]
 * (never sets \Seen) in batches bounded by count and bytes, and each batch is
 * handed to the APPEND writer (MULTIAPPEND/LITERAL+) with the source's flags
 * and INTERNALDATE. The next batch is fetched while the current one is being
 * appended, so memory holds at most two batches (a message bigger than a
 * batch travels alone), each in a reused BatchBuffer.
 *
 * Before each batch: the run may have been stopped (signal, byte cap, error
 * budget), the byte cap may allow only part of it, and the rate limiter may
 * make it wait.
 *
 * Each fetched message goes through `prepare` (rewrite/prepare-message.ts)
 * when the spec changes messages: what is appended, and reported, is the
 * rewritten message; a refused APPEND is explained by the message when it can
 * be (rewrite/refusal-hint.ts: lines too long for Exchange).
 */
import { type RunStop, raceAbort } from './abort.js';
import type { BatchBuffer, BatchBufferPool } from './batch-buffers.js';
import { flagsForAppend } from './flags.js';
import type { Appender, AppendMessage } from './imap-raw/appender.js';
import type { FolderReader } from './imap-raw/folder-reader.js';
import type { Prepared } from './rewrite/prepare-message.js';
import { explainRefusal } from './rewrite/refusal-hint.js';
import type { ByteCap, Throttle } from './throttle.js';
import type { MessageMeta } from './types.js';

export interface CopyContext {
  /** Destination folder (full path, destination delimiter). */
  destination: string;
  /** The source reader, with the source folder open (the listing's connection: same UIDVALIDITY). */
  source: FolderReader;
  /** Where fetched bodies are kept (see batch-buffers.ts). */
  buffers: BatchBufferPool;
  appender: Appender;
  permanentFlags?: string[];
  appendLimit?: number;
  batchMessages: number;
  batchBytes: number;
  stop: RunStop;
  /** maxMessagesPerSecond (bytes are paced by the appender), shared by all workers. */
  throttle?: Throttle;
  /** maxBytesPerRun, shared by all workers. */
  byteCap?: ByteCap;
  /** What to send for a fetched message (rewrites, line-length and identity checks); absent: its bytes as they are. */
  prepare?: (raw: Buffer, message: MessageMeta) => Prepared;
  /** `changedBy`: the rewrite steps that changed the appended bytes (empty: the source's bytes). */
  onCopied: (message: MessageMeta, bytes: number, changedBy: readonly string[]) => void;
  /** A per-message failure (counted, reported, not fatal). */
  onFailed: (message: MessageMeta, reason: string, text: string) => void;
  /** Left out after its fetch (filters.maxLineLength): not an error, not expected on the destination. */
  onSkipped?: (message: MessageMeta, reason: string, text: string) => void;
}

export interface CopyResult {
  /** Source UIDs that disappeared from the source before their body could be fetched. */
  vanished: number[];
  /** Whether the run was stopped before every message was attempted. */
  stopped: boolean;
  /** Messages whose APPEND outcome is unknown (cut during an abort): whole on the server or absent. */
  indeterminate: number;
}

interface BatchFetch {
  buffer: BatchBuffer;
  bodies: Promise<Map<number, Buffer>>;
}

/**
 * Cut planned messages into batches by count and by RFC822.SIZE; a message
 * bigger than maxBytes travels alone. Lazily: only the batches in flight are
 * objects, whatever the number of messages planned.
 */
export function* batchesOf(
  messages: Iterable<MessageMeta>,
  maxMessages: number,
  maxBytes: number,
): Generator<MessageMeta[]> {
  let current: MessageMeta[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length > 0 && (current.length >= maxMessages || bytes + message.size > maxBytes)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.size;
  }
  if (current.length > 0) yield current;
}

/** The planned messages the destination accepts by size; the others fail (TooBig) as they come. */
function* sendable(ctx: CopyContext, planned: Iterable<MessageMeta>): Generator<MessageMeta> {
  for (const message of planned) {
    if (ctx.appendLimit !== undefined && message.size > ctx.appendLimit) {
      ctx.onFailed(message, 'TooBig', `${message.size} bytes is over the destination's APPENDLIMIT ${ctx.appendLimit}`);
    } else {
      yield message;
    }
  }
}

export async function copyMessages(ctx: CopyContext, planned: Iterable<MessageMeta>): Promise<CopyResult> {
  const result: CopyResult = { vanished: [], stopped: false, indeterminate: 0 };
  const batches = batchesOf(sendable(ctx, planned), ctx.batchMessages, ctx.batchBytes);
  const startFetch = (batch: readonly MessageMeta[]): BatchFetch => {
    const buffer = ctx.buffers.acquire();
    const bodies = ctx.source.bodies(
      batch.map((m) => m.uid),
      (size) => buffer.allocate(size),
      // What the listing announced caps what the server may send (imap-raw/limits.ts).
      batch.reduce((sum, m) => sum + m.size, 0),
    );
    bodies.catch(() => undefined);
    return { buffer, bodies };
  };
  // Back to the pool only when the fetch is over; an aborted or failed one keeps its buffer (never reused).
  const settleAndRelease = async (fetch: BatchFetch) => {
    try {
      await raceAbort(fetch.bodies, ctx.stop.signal);
    } catch {
      return;
    }
    ctx.buffers.release(fetch.buffer);
  };
  let prefetched: BatchFetch | undefined;
  for (let current = batches.next(); !current.done; ) {
    if (ctx.stop.stopped) {
      result.stopped = true;
      break;
    }
    let batch = current.value;
    const fetching = prefetched ?? startFetch(batch);
    prefetched = undefined;
    if (ctx.byteCap) {
      const fitting = withinCap(batch, ctx.byteCap);
      if (fitting.length < batch.length) {
        ctx.stop.stop('ByteCapReached');
        result.stopped = true;
      }
      batch = fitting;
    }
    if (batch.length === 0) {
      await settleAndRelease(fetching);
      break;
    }
    // Messages per second are paced here; bytes per second by the APPEND writer, chunk by chunk.
    const [bodies] = await raceAbort(
      Promise.all([fetching.bodies, ctx.throttle?.take(0, batch.length, ctx.stop.signal)]),
      ctx.stop.signal,
    );
    // Fetch the next batch while this one is being appended (different connections).
    current = batches.next();
    if (!current.done && !ctx.stop.stopped) prefetched = startFetch(current.value);
    const sent: MessageMeta[] = [];
    const items: AppendMessage[] = [];
    const changes: (readonly string[])[] = [];
    for (const message of batch) {
      const fetched = bodies.get(message.uid);
      if (!fetched) {
        result.vanished.push(message.uid);
        continue;
      }
      const prepared: Prepared = ctx.prepare?.(fetched, message) ?? { kind: 'send', raw: fetched, changedBy: [] };
      if (prepared.kind === 'skip') {
        ctx.onSkipped?.(message, prepared.reason, prepared.text);
        continue;
      }
      if (prepared.kind === 'fail') {
        ctx.onFailed(message, prepared.reason, prepared.text);
        continue;
      }
      sent.push(message);
      changes.push(prepared.changedBy);
      items.push({
        raw: prepared.raw,
        flags: flagsForAppend(message.flags, ctx.permanentFlags),
        internalDate: message.internalDate,
      });
    }
    bodies.clear();
    if (items.length > 0) {
      const outcomes = await ctx.appender.appendBatch(ctx.destination, items, ctx.stop.signal);
      outcomes.forEach((outcome, i) => {
        const message = sent[i]!;
        if (outcome.ok) ctx.onCopied(message, items[i]!.raw.length, changes[i]!);
        else if (outcome.reason === 'Aborted') result.stopped = true;
        else if (outcome.reason === 'Indeterminate') result.indeterminate += 1;
        else {
          const refusal = explainRefusal(items[i]!.raw, { reason: outcome.reason, text: outcome.text });
          ctx.onFailed(message, refusal.reason, refusal.text);
        }
      });
    }
    // The APPEND is answered (or the connection is gone): the bodies are not needed any more.
    ctx.buffers.release(fetching.buffer);
  }
  if (prefetched) await settleAndRelease(prefetched);
  return result;
}

function withinCap(batch: MessageMeta[], cap: ByteCap): MessageMeta[] {
  const fitting: MessageMeta[] = [];
  for (const message of batch) {
    if (!cap.tryReserve(message.size)) break;
    fitting.push(message);
  }
  return fitting;
}
