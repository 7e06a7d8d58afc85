import { describe, expect, it } from 'vitest';
import { type Clock, ExponentialBackoff, runWorkers, WorkQueue } from '../../src/kube/workqueue.js';

/** A clock that only moves when the test says so. */
class FakeClock implements Clock {
  time = 0;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now() {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = ++this.#id;
    this.#timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }
  advance(ms: number) {
    this.time += ms;
    const due = this.#timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at);
    this.#timers = this.#timers.filter((t) => t.at > this.time);
    for (const t of due) t.fn();
  }
  get pending() {
    return this.#timers.length;
  }
}

describe('work queue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue('test', new FakeClock());
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key to two workers; a change during processing runs it again afterwards', async () => {
    const q = new WorkQueue('test', new FakeClock());
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('serves urgent keys first, in the order they came, and moves a queued key up when it turns urgent', async () => {
    const q = new WorkQueue('test', new FakeClock());
    for (const key of ['a', 'b', 'c', 'd']) q.add(key);
    q.add('e', { urgent: true });
    q.add('c', { urgent: true });
    // Urgent again, or added again normally: no second place in either line.
    q.add('c', { urgent: true });
    q.add('e');
    expect(q.length).toBe(5);
    expect(q.urgentLength).toBe(2);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) order.push((await q.get())!);
    expect(order).toEqual(['e', 'c', 'a', 'b', 'd']);
    expect(q.length).toBe(0);
  });

  it('a key that turns urgent while it is processed comes back first', async () => {
    const q = new WorkQueue('test', new FakeClock());
    q.add('a');
    const key = await q.get();
    q.add('b');
    q.add('a', { urgent: true });
    q.done(key!);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    // Its next normal change is not urgent any more.
    q.add('c');
    q.add('a');
    expect(await q.get()).toBe('c');
  });

  it('backs off exponentially per key, capped, and forgets on success', () => {
    const b = new ExponentialBackoff(1000, 10_000);
    expect([b.when('a'), b.when('a'), b.when('a'), b.when('a'), b.when('a')]).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(b.when('b')).toBe(1000);
    b.forget('a');
    expect(b.when('a')).toBe(1000);
  });

  it('re-adds rate-limited keys when their delay has passed on the clock', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue('test', clock, new ExponentialBackoff(1000, 60_000));
    expect(q.addRateLimited('a')).toBe(1000);
    clock.advance(999);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    expect(q.addRateLimited('a')).toBe(2000);
  });

  it('keeps the earliest of several delayed adds', () => {
    const clock = new FakeClock();
    const q = new WorkQueue('test', clock);
    q.addAfter('a', 5000);
    q.addAfter('a', 1000);
    q.addAfter('a', 3000);
    expect(clock.pending).toBe(1);
    clock.advance(1000);
    expect(q.length).toBe(1);
  });

  it('runs workers: errors retry with backoff, success forgets, requeueAfter schedules', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue('test', clock, new ExponentialBackoff(1000, 60_000));
    const seen: string[] = [];
    const results: string[] = [];
    let calls = 0;
    q.add('flaky');
    const running = runWorkers(
      q,
      2,
      async (key) => {
        seen.push(key);
        calls++;
        if (calls <= 2) throw new Error('api down');
        if (calls === 3) return { requeueAfter: 30_000 };
        return undefined;
      },
      { onResult: (_k, r) => results.push(r) },
    );
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    expect(results).toEqual(['error']);
    clock.advance(1000);
    await tick();
    expect(results).toEqual(['error', 'error']);
    clock.advance(1999);
    await tick();
    expect(results).toHaveLength(2);
    clock.advance(1);
    await tick();
    expect(results).toEqual(['error', 'error', 'requeue_after']);
    expect(q.backoff.retries('flaky')).toBe(0);
    clock.advance(30_000);
    await tick();
    expect(results.at(-1)).toBe('success');
    q.shutdown();
    await running;
    expect(seen.every((k) => k === 'flaky')).toBe(true);
  });

  it('turns the event loop between reconciles that resolve at once (timers and answers are not held off)', async () => {
    const q = new WorkQueue('test', new FakeClock(), new ExponentialBackoff(1000, 60_000));
    for (let i = 0; i < 1000; i++) q.add(`k${i}`);
    let done = 0;
    let doneWhenALoopTurnRan: number | undefined;
    setImmediate(() => (doneWhenALoopTurnRan = done));
    const running = runWorkers(q, 2, async () => {
      done++;
      return undefined;
    });
    while (done < 1000) await new Promise((r) => setImmediate(r));
    q.shutdown();
    await running;
    expect(doneWhenALoopTurnRan, 'reconciles done before the first turn of the event loop').toBeLessThan(10);
  });
});
