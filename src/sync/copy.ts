/**
 * The copy pipeline of one folder: source bodies are fetched with BODY.PEEK[]
 * (never sets \Seen) in batches bounded by count and bytes, and each batch is
 * handed to the APPEND writer (MULTIAPPEND/LITERAL+) with the source's flags
 * and INTERNALDATE. The next batch is fetched while the current one is being
 * appended, so memory holds at most two batches (a message bigger than a
 * batch travels alone).
 *
 * Before each batch: the run may have been stopped (signal, byte cap, error
 * budget), the byte cap may allow only part of it, and the rate limiter may
 * make it wait.
 */
import type { ImapFlow } from 'imapflow';
import { type RunStop, raceAbort } from './abort.js';
import { flagsForAppend } from './flags.js';
import type { Appender, AppendMessage } from './imap-raw/appender.js';
import type { ByteCap, Throttle } from './throttle.js';
import type { MessageMeta } from './types.js';

export interface CopyContext {
  /** Destination folder (full path, destination delimiter). */
  destination: string;
  source: ImapFlow;
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
  onCopied: (message: MessageMeta, bytes: number) => void;
  /** A per-message failure (counted, reported, not fatal). */
  onFailed: (message: MessageMeta, reason: string, text: string) => void;
}

export interface CopyResult {
  /** Source UIDs that disappeared from the source before their body could be fetched. */
  vanished: number[];
  /** Whether the run was stopped before every message was attempted. */
  stopped: boolean;
  /** Messages whose APPEND outcome is unknown (cut during an abort): whole on the server or absent. */
  indeterminate: number;
}

/** Cut planned messages into batches by count and by RFC822.SIZE; a message bigger than maxBytes travels alone. */
export function batchesOf(messages: readonly MessageMeta[], maxMessages: number, maxBytes: number): MessageMeta[][] {
  const batches: MessageMeta[][] = [];
  let current: MessageMeta[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length > 0 && (current.length >= maxMessages || bytes + message.size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export async function copyMessages(ctx: CopyContext, planned: readonly MessageMeta[]): Promise<CopyResult> {
  const result: CopyResult = { vanished: [], stopped: false, indeterminate: 0 };
  const sendable: MessageMeta[] = [];
  for (const message of planned) {
    if (ctx.appendLimit !== undefined && message.size > ctx.appendLimit) {
      ctx.onFailed(message, 'TooBig', `${message.size} bytes is over the destination's APPENDLIMIT ${ctx.appendLimit}`);
    } else {
      sendable.push(message);
    }
  }
  const batches = batchesOf(sendable, ctx.batchMessages, ctx.batchBytes);
  let prefetched: Promise<Map<number, Buffer>> | undefined;
  for (let index = 0; index < batches.length; index++) {
    if (ctx.stop.stopped) {
      result.stopped = true;
      break;
    }
    let batch = batches[index]!;
    const fetching = prefetched ?? fetchBodies(ctx.source, batch);
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
      await fetching.catch(() => undefined);
      break;
    }
    // Messages per second are paced here; bytes per second by the APPEND writer, chunk by chunk.
    const [bodies] = await raceAbort(
      Promise.all([fetching, ctx.throttle?.take(0, batch.length, ctx.stop.signal)]),
      ctx.stop.signal,
    );
    // Fetch the next batch while this one is being appended (different connections).
    const next = batches[index + 1];
    if (next && !ctx.stop.stopped) {
      prefetched = fetchBodies(ctx.source, next);
      prefetched.catch(() => undefined);
    }
    const sent: MessageMeta[] = [];
    const items: AppendMessage[] = [];
    for (const message of batch) {
      const raw = bodies.get(message.uid);
      if (!raw) {
        result.vanished.push(message.uid);
        continue;
      }
      sent.push(message);
      items.push({ raw, flags: flagsForAppend(message.flags, ctx.permanentFlags), internalDate: message.internalDate });
    }
    bodies.clear();
    if (items.length === 0) continue;
    const outcomes = await ctx.appender.appendBatch(ctx.destination, items, ctx.stop.signal);
    outcomes.forEach((outcome, i) => {
      const message = sent[i]!;
      if (outcome.ok) ctx.onCopied(message, items[i]!.raw.length);
      else if (outcome.reason === 'Aborted') result.stopped = true;
      else if (outcome.reason === 'Indeterminate') result.indeterminate += 1;
      else ctx.onFailed(message, outcome.reason, outcome.text);
    });
  }
  if (prefetched) await raceAbort(prefetched, ctx.stop.signal).catch(() => undefined);
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

/**
 * Messages above this size are fetched in partial chunks (BODY.PEEK[]<offset.length>)
 * into one buffer of their size: a whole-message FETCH would transiently hold the
 * literal two or three times inside imapflow.
 */
export const LARGE_MESSAGE_BYTES = 4 * 1024 * 1024;
const LARGE_CHUNK_BYTES = 4 * 1024 * 1024;

/** Bodies of a batch, by UID (BODY.PEEK[]: the source's \Seen is left alone). */
async function fetchBodies(source: ImapFlow, batch: readonly MessageMeta[]): Promise<Map<number, Buffer>> {
  const bodies = new Map<number, Buffer>();
  const small = batch.filter((m) => m.size <= LARGE_MESSAGE_BYTES);
  if (small.length > 0) {
    const uids = small.map((m) => m.uid).join(',');
    for await (const message of source.fetch(uids, { uid: true, source: true }, { uid: true })) {
      if (message.source) bodies.set(message.uid, message.source);
    }
  }
  for (const message of batch) {
    if (message.size <= LARGE_MESSAGE_BYTES) continue;
    const body = await fetchLarge(source, message);
    if (body) bodies.set(message.uid, body);
  }
  return bodies;
}

/** One partial FETCH of a message's body; undefined when the message is gone. */
async function fetchPart(source: ImapFlow, uid: number, start: number, length: number): Promise<Buffer | undefined> {
  let part: Buffer | undefined;
  for await (const message of source.fetch(
    String(uid),
    { uid: true, source: { start, maxLength: length } },
    { uid: true },
  )) {
    if (message.uid === uid) part = message.source ?? Buffer.alloc(0);
  }
  return part;
}

/**
 * A big message in chunks, into a buffer of its RFC822.SIZE. Some servers report
 * an approximate size: if the body turns out longer, it is fetched whole instead
 * (never truncated); if shorter, the buffer is cut to what was read.
 */
async function fetchLarge(source: ImapFlow, message: MessageMeta): Promise<Buffer | undefined> {
  const body = Buffer.allocUnsafe(message.size);
  let offset = 0;
  while (offset < message.size) {
    const part = await fetchPart(source, message.uid, offset, Math.min(LARGE_CHUNK_BYTES, message.size - offset));
    if (part === undefined) return undefined;
    part.copy(body, offset);
    offset += part.length;
    if (part.length === 0) break;
  }
  const beyond = await fetchPart(source, message.uid, offset, 1);
  if (beyond === undefined) return undefined;
  if (beyond.length > 0) {
    for await (const whole of source.fetch(String(message.uid), { uid: true, source: true }, { uid: true })) {
      if (whole.uid === message.uid && whole.source) return whole.source;
    }
    return undefined;
  }
  return offset === message.size ? body : body.subarray(0, offset);
}
