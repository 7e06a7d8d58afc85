/** The admin view's change signal: coalesced bursts, at most one signal per interval, none without pages. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdminChanges, type ChangeSource } from '../../../src/console/admin/admin-changes.js';

class Source implements ChangeSource {
  readonly handlers: (() => void)[] = [];
  onChange(handler: () => void) {
    this.handlers.push(handler);
  }
  change() {
    for (const h of this.handlers) h();
  }
}

describe('AdminChanges', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    const a = new Source();
    const b = new Source();
    const changes = new AdminChanges([a, b], { coalesceMs: 500, minIntervalMs: 5000, now: () => Date.now() });
    const got: number[] = [];
    const unsubscribe = changes.subscribe(() => got.push(Date.now()));
    return { a, b, changes, got, unsubscribe };
  }

  it('a burst of changes from any source is one signal to every page, after the coalescing time', () => {
    const { a, b, changes } = setup();
    const second: number[] = [];
    changes.subscribe(() => second.push(1));
    const start = Date.now();
    a.change();
    b.change();
    a.change();
    vi.advanceTimersByTime(499);
    expect(second).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(second).toEqual([1]);
    expect(changes.subscribers).toBe(2);
    expect(Date.now() - start).toBe(500);
  });

  it('at most one signal per interval: a change soon after a signal waits for the interval', () => {
    const { a, got } = setup();
    a.change();
    vi.advanceTimersByTime(500);
    expect(got).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    a.change();
    vi.advanceTimersByTime(3000);
    expect(got).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(got).toHaveLength(2);
    expect((got[1] ?? 0) - (got[0] ?? 0)).toBe(5000);
  });

  it('nothing is scheduled while no page listens, and an unsubscribed page gets nothing', () => {
    const { a, got, unsubscribe, changes } = setup();
    unsubscribe();
    expect(changes.subscribers).toBe(0);
    a.change();
    vi.advanceTimersByTime(10_000);
    expect(got).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
