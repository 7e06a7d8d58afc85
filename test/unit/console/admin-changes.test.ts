/**
 * The admin view's change signal: coalesced bursts, at most one signal per interval, none without pages,
 * and a page that connects after a change it did not show is signalled.
 */
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

  it("a change between a page's render and its connection is not lost: the page connects behind and is signalled", () => {
    const a = new Source();
    const changes = new AdminChanges([a], { coalesceMs: 500, minIntervalMs: 5000, now: () => Date.now() });
    const rendered = changes.version;
    a.change(); // no page listens: the page is loading, or reloading
    const got: number[] = [];
    changes.subscribe(() => got.push(1), rendered);
    vi.advanceTimersByTime(500);
    expect(got).toEqual([1]);

    // A page rendered after that change and connecting with its version is up to date: no signal.
    const current: number[] = [];
    changes.subscribe(() => current.push(1), changes.version);
    vi.advanceTimersByTime(10_000);
    expect(current).toEqual([]);
    expect(got).toEqual([1]);
  });

  it('a page behind is signalled within the interval, not at once after a signal (no reload loop)', () => {
    const { a, got, changes } = setup();
    const rendered = changes.version;
    a.change();
    vi.advanceTimersByTime(500);
    expect(got).toHaveLength(1);
    const late: number[] = [];
    changes.subscribe(() => late.push(Date.now()), rendered);
    vi.advanceTimersByTime(4999);
    expect(late).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(late).toHaveLength(1);
    expect((late[0] ?? 0) - (got[0] ?? 0)).toBe(5000);
  });

  it('a version from another process (the console restarted) counts as behind; no version, no check', () => {
    const other = new AdminChanges([new Source()], { coalesceMs: 500, minIntervalMs: 5000 });
    const changes = new AdminChanges([new Source()], { coalesceMs: 500, minIntervalMs: 5000 });
    expect(other.version).not.toBe(changes.version);
    const got: number[] = [];
    changes.subscribe(() => got.push(1));
    vi.advanceTimersByTime(1000);
    expect(got).toEqual([]);
    changes.subscribe(() => got.push(2), other.version);
    vi.advanceTimersByTime(1000);
    expect(got).toEqual([1, 2]);
  });
});
