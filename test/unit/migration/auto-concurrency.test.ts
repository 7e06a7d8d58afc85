/**
 * The concurrency: auto bookkeeping of one migration (auto-concurrency.ts), look by look:
 * what is measured per host and role, and when a decision is taken.
 */
import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { HostConcurrency } from '../../../src/api/migration-status.js';
import { AutoConcurrency } from '../../../src/controller/migration/auto-concurrency.js';

const T0 = Date.parse('2026-12-02T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);

function child(name: string, source: string, destination: string, status: MailSync['status']): MailSync {
  return {
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailSync',
    metadata: { name, namespace: 'ns' },
    spec: { source: { host: source, user: 'u' }, destination: { host: destination, user: 'u' } },
    status,
  } as MailSync;
}
const running = (start: number, messages: number): MailSync['status'] => ({
  phase: 'Running',
  startTime: at(start).toISOString(),
  progress: { messagesCopied: messages },
});

describe('concurrency: auto bookkeeping', () => {
  const concurrency = { auto: { initial: 2, windowSeconds: 10 } };

  function looks(steps: [number, MailSync[], boolean?][]) {
    const auto = new AutoConcurrency(at(0));
    let previous: HostConcurrency[] | undefined;
    const out = [];
    for (const [seconds, children, active = true] of steps) {
      const step = auto.step({ concurrency, children, previous, active, now: at(seconds) })!;
      previous = step.status.hosts;
      out.push(step);
    }
    return out;
  }

  it('a host per role, lowercased; nothing decided before the window ends; then the window measured', () => {
    const [first, mid, end] = looks([
      [0, [child('a', 'Old.X.', 'new.x', running(0, 0)), child('b', 'old.x', 'new.x', running(0, 0))]],
      [5, [child('a', 'old.x', 'new.x', running(0, 30)), child('b', 'old.x', 'new.x', running(0, 20))]],
      // a ended (its summary counts), b's run was replaced by a new run that copied 10 so far.
      [
        10,
        [
          child('a', 'old.x', 'new.x', {
            phase: 'Succeeded',
            startTime: at(0).toISOString(),
            summary: { messagesTransferred: 40 },
          }),
          child('b', 'old.x', 'new.x', running(8, 10)),
        ],
      ],
    ]);
    expect(first!.status.display).toBe('dst new.x=2, src old.x=2');
    expect(first!.nextDecisionMs).toBe(10_000);
    expect(mid!.changes).toEqual([]);
    expect(mid!.nextDecisionMs).toBe(5_000);
    // 40 (a) + 20 + 10 (b's two runs) = 70 messages in 10 s, 2 running at most: at the limit.
    expect(end!.status.hosts).toEqual([
      expect.objectContaining({
        role: 'destination',
        host: 'new.x',
        limit: 3,
        throughput: 7,
        running: 2,
        throttled: 0,
      }),
      expect.objectContaining({ role: 'source', host: 'old.x', limit: 3, throughput: 7, running: 2, throttled: 0 }),
    ]);
    expect(end!.changes.map((c) => `${c.role} ${c.from}->${c.to}`)).toEqual(['source 2->3', 'destination 2->3']);
  });

  it('between passes nothing is measured or decided; auto off: no status', () => {
    const [, idle] = looks([
      [0, [child('a', 'old.x', 'new.x', running(0, 0)), child('b', 'old.x', 'new.x', running(0, 0))]],
      [30, [child('a', 'old.x', 'new.x', running(0, 90)), child('b', 'old.x', 'new.x', running(0, 90))], false],
    ]);
    expect(idle!.changes).toEqual([]);
    expect(idle!.status.hosts.map((h) => h.limit)).toEqual([2, 2]);
    const off = new AutoConcurrency(at(0)).step({
      concurrency: { perSourceHost: 3 },
      children: [],
      previous: undefined,
      active: true,
      now: at(0),
    });
    expect(off).toBeUndefined();
  });

  it('a run that ended ServerBusy before the controller started is old news', () => {
    const [look] = looks([
      [
        0,
        [
          child('a', 'old.x', 'new.x', {
            phase: 'Failed',
            startTime: at(-20).toISOString(),
            completionTime: at(-10).toISOString(),
            lastError: { reason: 'ServerBusy', message: 'busy' },
          }),
        ],
      ],
    ]);
    expect(look!.changes).toEqual([]);
  });
});
