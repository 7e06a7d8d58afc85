import { describe, expect, it } from 'vitest';
import { AbortedError } from '../../src/sync/errors.js';
import { ByteCap, type Sleep, Throttle } from '../../src/sync/throttle.js';

/** A clock that only moves when the throttle sleeps (or the test advances it). */
function fakeClock() {
  let time = 0;
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    if (signal?.aborted) throw signal.reason;
    sleeps.push(ms);
    time += ms;
  };
  return {
    now: () => time,
    sleep,
    sleeps,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

describe('Throttle', () => {
  it('does nothing without rates', async () => {
    const clock = fakeClock();
    const throttle = new Throttle({}, clock);
    expect(throttle.enabled).toBe(false);
    for (let i = 0; i < 100; i++) await throttle.take(10 ** 9, 1000);
    expect(clock.sleeps).toEqual([]);
  });

  it('limits bytes per second, with a burst of at most one second', async () => {
    const clock = fakeClock();
    const throttle = new Throttle({ maxBytesPerSecond: 1000 }, clock);
    await throttle.take(1000, 1);
    expect(clock.now()).toBe(0);
    await throttle.take(500, 1);
    expect(clock.now()).toBe(500);
    await throttle.take(250, 1);
    expect(clock.now()).toBe(750);
    clock.advance(60_000); // a long pause refills one second, not sixty
    await throttle.take(1000, 1);
    const afterBurst = clock.now();
    await throttle.take(1000, 1);
    expect(clock.now() - afterBurst).toBe(1000);
  });

  it('limits messages per second, including rates below one', async () => {
    const clock = fakeClock();
    const throttle = new Throttle({ maxMessagesPerSecond: 2 }, clock);
    await throttle.take(0, 1);
    await throttle.take(0, 1);
    expect(clock.now()).toBe(0);
    await throttle.take(0, 1);
    expect(clock.now()).toBe(500);

    const slow = fakeClock();
    const half = new Throttle({ maxMessagesPerSecond: 0.5 }, slow);
    await half.take(0, 1);
    await half.take(0, 1);
    await half.take(0, 1);
    expect(slow.now()).toBe(4000);
  });

  it('lets a message bigger than a second of budget through, then makes the next ones pay the debt', async () => {
    const clock = fakeClock();
    const throttle = new Throttle({ maxBytesPerSecond: 1000 }, clock);
    await throttle.take(5000, 1);
    expect(clock.now()).toBe(0);
    await throttle.take(1, 1);
    expect(clock.now()).toBe(4001);
  });

  it('keeps the average rate over many messages', async () => {
    const clock = fakeClock();
    const throttle = new Throttle({ maxBytesPerSecond: 10_000, maxMessagesPerSecond: 5 }, clock);
    let bytes = 0;
    for (let i = 0; i < 200; i++) {
      const size = ((i * 7919) % 9000) + 100; // deterministic sizes, 100..9099 bytes
      await throttle.take(size, 1);
      bytes += size;
    }
    const seconds = clock.now() / 1000;
    // Whatever was spent beyond the initial one-second burst took at least its time.
    expect(seconds).toBeGreaterThanOrEqual((bytes - 10_000) / 10_000);
    expect(seconds).toBeGreaterThanOrEqual((200 - 5) / 5);
    // ...and not much more than the slower of the two limits needs.
    expect(seconds).toBeLessThanOrEqual(Math.max(bytes / 10_000, 200 / 5) + 1);
  });

  it('serves concurrent callers in order', async () => {
    const clock = fakeClock();
    const throttle = new Throttle({ maxBytesPerSecond: 1000 }, clock);
    const done: string[] = [];
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) => throttle.take(1000, 1).then(() => done.push(`${name}@${clock.now()}`))),
    );
    expect(done).toEqual(['a@0', 'b@1000', 'c@2000', 'd@3000']);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const clock = fakeClock();
    const throttle = new Throttle({ maxBytesPerSecond: 1000 }, clock);
    const controller = new AbortController();
    controller.abort(new AbortedError('stop'));
    await expect(throttle.take(1, 1, controller.signal)).rejects.toThrow('stop');
    const noReason = new AbortController();
    noReason.abort(undefined);
    await expect(throttle.take(1, 1, noReason.signal)).rejects.toBeDefined();
  });

  it('stops waiting when the signal aborts, spends nothing, and lets the next caller go', async () => {
    let time = 0;
    const pending: Array<() => void> = [];
    // A sleep that only ends when the test says so (or the signal aborts).
    const sleep: Sleep = (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        pending.push(() => {
          time += ms;
          resolve();
        });
      });
    const throttle = new Throttle({ maxBytesPerSecond: 1000 }, { now: () => time, sleep });
    await throttle.take(1000, 1);
    const controller = new AbortController();
    const waiting = throttle.take(1000, 1, controller.signal);
    const queued = throttle.take(1000, 1, controller.signal);
    const settled = Promise.all([
      expect(waiting).rejects.toBeInstanceOf(AbortedError),
      expect(queued).rejects.toBeInstanceOf(AbortedError),
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(1); // `waiting` sleeps, `queued` waits for its turn
    controller.abort(new AbortedError());
    await settled;
    // The aborted takes spent nothing: the next caller waits one second, not two or three.
    const next = throttle.take(1000, 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(2);
    pending[1]!();
    await next;
    expect(time).toBe(1000);
  });
});

describe('ByteCap', () => {
  it('is unlimited without a limit', () => {
    const cap = new ByteCap();
    expect(cap.tryReserve(10 ** 12)).toBe(true);
    expect(cap.reached).toBe(false);
    expect(cap.remaining).toBe(Number.POSITIVE_INFINITY);
  });

  it('stops before exceeding the cap, and stays stopped', () => {
    const cap = new ByteCap(1000);
    expect(cap.tryReserve(600)).toBe(true);
    expect(cap.fits(400)).toBe(true);
    expect(cap.fits(401)).toBe(false);
    expect(cap.reached).toBe(false);
    expect(cap.tryReserve(401)).toBe(false);
    expect(cap.reached).toBe(true);
    expect(cap.used).toBe(600);
    // a smaller message does not slip in after the stop
    expect(cap.tryReserve(1)).toBe(false);
  });

  it('fills exactly up to the cap', () => {
    const cap = new ByteCap(1000);
    expect(cap.tryReserve(400)).toBe(true);
    expect(cap.tryReserve(600)).toBe(true);
    expect(cap.remaining).toBe(0);
    expect(cap.reached).toBe(false);
  });

  it('stops at once for a message bigger than the whole cap', () => {
    const cap = new ByteCap(100);
    expect(cap.tryReserve(101)).toBe(false);
    expect(cap.reached).toBe(true);
    expect(cap.used).toBe(0);
  });

  it('gives back the bytes of a message that was not transferred', () => {
    const cap = new ByteCap(1000);
    cap.tryReserve(800);
    cap.release(800);
    expect(cap.used).toBe(0);
    expect(cap.tryReserve(1000)).toBe(true);
  });
});
