/**
 * Reusable memory for the bodies of one copy batch. A folder worker holds a
 * batch being appended and the next one being fetched; each lives in a
 * BatchBuffer that is handed back to the pool once its APPEND is answered, so
 * a whole run reuses the same few buffers instead of allocating (and leaving
 * the garbage collector to free) one buffer per message.
 *
 * A batch is cut to `batchBytes` by RFC822.SIZE, so it normally fits; a body
 * that does not fit (a message bigger than a batch, or a server whose sizes
 * are off) gets a buffer of its own. Correctness never depends on the pool: a
 * BatchBuffer that is not released (a failed batch) is simply not reused.
 *
 * Pages of a buffer are only resident once written: a run of small messages
 * touches only what its batches use.
 */
export class BatchBuffer {
  private memory?: Buffer;
  private used = 0;

  constructor(readonly capacity: number) {}

  /** `size` bytes for one body (inside this buffer while it has room). */
  allocate(size: number): Buffer {
    if (this.used + size > this.capacity) return Buffer.allocUnsafeSlow(size);
    this.memory ??= Buffer.allocUnsafeSlow(this.capacity);
    const slice = this.memory.subarray(this.used, this.used + size);
    this.used += size;
    return slice;
  }

  reset(): void {
    this.used = 0;
  }
}

export class BatchBufferPool {
  private readonly free: BatchBuffer[] = [];

  /** `keep`: how many released buffers are kept for reuse (a worker needs two: one fetching, one appending). */
  constructor(
    readonly capacity: number,
    private readonly keep = 2,
  ) {}

  acquire(): BatchBuffer {
    return this.free.pop() ?? new BatchBuffer(this.capacity);
  }

  /** The bodies allocated from `buffer` must not be used any more. */
  release(buffer: BatchBuffer): void {
    buffer.reset();
    if (this.free.length < this.keep && !this.free.includes(buffer)) this.free.push(buffer);
  }
}
