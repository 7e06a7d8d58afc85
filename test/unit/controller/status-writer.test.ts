/**
 * The status writer: phase and condition changes are written at once,
 * progress and log lines at most once per window (coalesced), nothing when
 * nothing changed; only the difference is sent, guarded by the UID; a
 * failed write is retried, a vanished MailSync forgotten. Fake time.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MailSync } from '../../../src/api/mailsync.js';
import type { MailSyncStatus } from '../../../src/api/status.js';
import {
  COALESCED_IN_FLIGHT,
  COALESCED_IN_FLIGHT_BEHIND_URGENT,
  OVERDUE_MS,
  PACED_WINDOW_SHARE,
  QUEUE_INTERVAL_MS,
  QUEUE_MAX_INTERVAL_MS,
  QUEUE_MS_PER_PLACE,
  queuedWindowMs,
  StatusWriter,
} from '../../../src/controller/status-writer.js';
import { FakeKube } from './fake-kube.js';
import { mailSync, NS, useFakeClock } from './fixtures.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const WINDOW = 5000;
const ready = (reason: string) => ({
  type: 'Ready',
  status: 'False' as const,
  reason,
  message: reason,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});

function setup(status: MailSyncStatus = { phase: 'Running', progress: { messagesCopied: 0 } }) {
  const ms = mailSync({ status });
  const kube = new FakeKube([ms]);
  const logs: string[] = [];
  let writes = 0;
  const writer = new StatusWriter(kube, pino({ level: 'debug' }, { write: (l: string) => logs.push(l) }), WINDOW, {
    onWrite: () => writes++,
  });
  const patches = () =>
    kube.actions
      .filter((a) => a.verb === 'patch' && a.subresource === 'status')
      .map((a) => a.body as { metadata: { uid: string }; status: MailSyncStatus });
  const stored = () => kube.object<MailSync>('mailsyncs', NS, 'joe')?.status;
  return { ms, kube, writer, patches, stored, logs, writes: () => writes };
}

describe('lanes', () => {
  it('sends phase and condition changes on the urgent lane, progress and reworded messages on the request lane', async () => {
    const { ms, kube, writer } = setup({ phase: 'Pending', conditions: [ready('PodPending')] });
    const statusPatches = () =>
      kube.actions.filter((a) => a.verb === 'patch' && a.subresource === 'status').map((a) => a.lane ?? 'requests');
    writer.update(ms, (s) => {
      s.phase = 'Running';
      s.conditions = [ready('Running')];
    });
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 5 }));
    await vi.advanceTimersByTimeAsync(WINDOW);
    writer.update(ms, (s) => (s.conditions = [{ ...ready('Running'), message: 'reworded' }]));
    await vi.advanceTimersByTimeAsync(WINDOW);
    writer.update(ms, (s) => (s.phase = 'Succeeded'));
    await vi.advanceTimersByTimeAsync(0);
    expect(statusPatches()).toEqual(['urgent', 'requests', 'requests', 'urgent']);
  });

  it('writes everything pending at shutdown on the request lane (its 32 sockets, not the 8 of the urgent lane)', async () => {
    const { ms, kube, writer } = setup({ phase: 'Pending' });
    writer.update(ms, (s) => (s.progress = { messagesCopied: 5 }));
    await writer.flushAll();
    const lanes = kube.actions.filter((a) => a.verb === 'patch').map((a) => a.lane ?? 'requests');
    expect(lanes).toEqual(['requests']);
  });
});

describe('paced (refresh-pace.ts)', () => {
  it('progress waits for the longer refresh interval; a phase change still goes at once', async () => {
    const { ms, writer, patches } = setup();
    writer.pace(20_000);
    expect(writer.windowMs).toBe(20_000);
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 5 }));
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20_000 - WINDOW);
    expect(patches()).toHaveLength(2);
    writer.update(ms, (s) => (s.phase = 'Succeeded'));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(3);
  });

  it('lines read by a log poll go when half the window has passed (the poll is paced itself); followed ones wait for all of it', async () => {
    const { ms, writer, patches } = setup();
    writer.pace(10_000);
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);
    // Followed: the whole window.
    writer.update(ms, (s) => (s.progress = { messagesCopied: 1 }));
    await vi.advanceTimersByTimeAsync(10_000 * PACED_WINDOW_SHARE);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000 * (1 - PACED_WINDOW_SHARE));
    expect(patches()).toHaveLength(2);
    // Polled: half of it, measured from the last write.
    await vi.advanceTimersByTimeAsync(1000);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 2 }), { paced: true });
    await vi.advanceTimersByTimeAsync(10_000 * PACED_WINDOW_SHARE - 1000 - 1);
    expect(patches()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches()).toHaveLength(3);
    expect(patches()[2]?.status.progress?.messagesCopied).toBe(2);
  });

  it('never more often than its own window, however short the pace', async () => {
    const { ms, writer, patches } = setup();
    writer.pace(1000);
    expect(writer.windowMs).toBe(WINDOW);
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 5 }));
    await vi.advanceTimersByTimeAsync(WINDOW - 1);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches()).toHaveLength(2);
  });
});

describe('when a change is written', () => {
  it.each<{ name: string; changes: ((s: MailSyncStatus) => void)[]; at: number | 'never' }>([
    { name: 'a phase change', changes: [(s) => (s.phase = 'Succeeded')], at: 0 },
    { name: 'a new condition', changes: [(s) => (s.conditions = [ready('Running')])], at: 0 },
    { name: 'progress', changes: [(s) => (s.progress = { messagesCopied: 5 })], at: WINDOW },
    { name: 'new log lines', changes: [(s) => (s.logTail = ['a line'])], at: WINDOW },
    { name: 'the same value again', changes: [(s) => (s.progress = { messagesCopied: 0 })], at: 'never' },
    {
      name: 'progress undone within the window',
      changes: [(s) => (s.progress = { messagesCopied: 5 }), (s) => (s.progress = { messagesCopied: 0 })],
      at: 'never',
    },
  ])('$name: after $at ms', async ({ changes, at }) => {
    const { ms, writer, patches } = setup();
    // A first write opens a window.
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);

    for (const change of changes) writer.update(ms, change);
    await vi.advanceTimersByTimeAsync(0);
    if (at === 0) {
      expect(patches()).toHaveLength(2);
      return;
    }
    await vi.advanceTimersByTimeAsync(WINDOW - 1);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches()).toHaveLength(at === 'never' ? 1 : 2);
    await vi.advanceTimersByTimeAsync(10 * WINDOW);
    expect(patches()).toHaveLength(at === 'never' ? 1 : 2);
  });
});

describe('a condition reworded', () => {
  it('waits for the window when only its message changed; a new reason goes at once', async () => {
    const { ms, writer, patches } = setup({ phase: 'Pending', conditions: [ready('PodPending')] });
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);

    writer.update(ms, (s) => (s.conditions = [{ ...ready('PodPending'), message: 'ContainerCreating' }]));
    await vi.advanceTimersByTimeAsync(WINDOW - 1);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches()).toHaveLength(2);
    expect(patches()[1]).toMatchObject({
      status: { conditions: [{ reason: 'PodPending', message: 'ContainerCreating' }] },
    });

    writer.update(ms, (s) => (s.conditions = [ready('Running')]));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(3);
  });
});

describe('a quiet step (a worker pod pending)', () => {
  it('waits for the window though its condition changed; the phase change after it takes it along', async () => {
    const { ms, writer, patches } = setup({ phase: 'Pending', conditions: [ready('JobCreated')] });
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);

    writer.update(ms, (s) => (s.conditions = [ready('PodPending')]), { quiet: true });
    await vi.advanceTimersByTimeAsync(1000);
    expect(patches()).toHaveLength(1);
    writer.update(ms, (s) => {
      s.phase = 'Running';
      s.conditions = [ready('Running')];
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(2);
    expect(patches()[1]).toMatchObject({ status: { phase: 'Running', conditions: [{ reason: 'Running' }] } });
  });

  it('without a phase change, is written when the window ends', async () => {
    const { ms, writer, patches } = setup({ phase: 'Pending', conditions: [ready('JobCreated')] });
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.conditions = [ready('PodPending')]), { quiet: true });
    await vi.advanceTimersByTimeAsync(WINDOW - 1);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches()[1]).toMatchObject({ status: { conditions: [{ reason: 'PodPending' }] } });
  });
});

describe('a Queued MailSync', () => {
  it.each([
    { position: 1, window: QUEUE_INTERVAL_MS },
    { position: 15, window: QUEUE_INTERVAL_MS },
    { position: 40, window: 40 * QUEUE_MS_PER_PLACE },
    { position: 149, window: 149 * QUEUE_MS_PER_PLACE },
    { position: 900, window: QUEUE_MAX_INTERVAL_MS },
    { position: undefined, window: QUEUE_INTERVAL_MS },
  ])('at place $position has its place rewritten at most every $window ms', ({ position, window }) => {
    expect(queuedWindowMs(position)).toBe(window);
  });

  it('has its place in line rewritten at most once per its window; leaving the queue goes at once', async () => {
    const { ms, writer, patches } = setup({ phase: 'Pending' });
    writer.update(ms, (s) => {
      s.phase = 'Queued';
      s.queuePosition = 20;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(patches().map((p) => p.status)).toEqual([{ phase: 'Queued', queuePosition: 20 }]);

    // The line moves at every start: one write of the latest place per window (30 s near the head), not one per 5 s.
    for (let position = 19; position >= 14; position--) {
      writer.update(ms, (s) => (s.queuePosition = position));
      await vi.advanceTimersByTimeAsync(WINDOW - 1);
    }
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(QUEUE_INTERVAL_MS - 6 * (WINDOW - 1) - 1);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches().map((p) => p.status)).toEqual([{ phase: 'Queued', queuePosition: 20 }, { queuePosition: 14 }]);

    writer.update(ms, (s) => {
      s.phase = 'Pending';
      delete s.queuePosition;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(patches().at(-1)?.status).toEqual({ phase: 'Pending', queuePosition: null });
  });

  it('far back waits longer, and a jump to the head brings the write forward', async () => {
    const { ms, writer, patches } = setup({ phase: 'Queued', queuePosition: 500 });
    writer.update(ms, (s) => (s.logTail = ['opens the window']));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);

    writer.update(ms, (s) => (s.queuePosition = 480));
    await vi.advanceTimersByTimeAsync(QUEUE_MAX_INTERVAL_MS - 1);
    expect(patches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches().at(-1)?.status).toEqual({ queuePosition: 480 });

    writer.update(ms, (s) => (s.queuePosition = 470));
    await vi.advanceTimersByTimeAsync(10_000);
    // Another migration's children were let in first: this one is next but two.
    writer.update(ms, (s) => (s.queuePosition = 3));
    await vi.advanceTimersByTimeAsync(QUEUE_INTERVAL_MS - 10_000 - 1);
    expect(patches()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(patches().at(-1)?.status).toEqual({ queuePosition: 3 });
  });

  it('a Running MailSync keeps the short window', async () => {
    const { ms, writer, patches } = setup({ phase: 'Running' });
    writer.update(ms, (s) => (s.logTail = ['first']));
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 3 }));
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(patches()).toHaveLength(2);
  });
});

describe('what is written', () => {
  it('only the difference, as a merge patch (removed fields as null), guarded by the UID', async () => {
    const { ms, writer, patches, stored } = setup({ phase: 'Waiting', waitingFor: 'mail/ann', logTail: ['x'] });
    writer.update(ms, (s) => {
      s.phase = 'Pending';
      delete s.waitingFor;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toEqual([{ metadata: { uid: 'uid-joe' }, status: { phase: 'Pending', waitingFor: null } }]);
    expect(stored()).toEqual({ phase: 'Pending', logTail: ['x'] });
  });

  it('coalesces many progress updates in one window into one write of the latest', async () => {
    const { ms, writer, patches, writes } = setup();
    writer.update(ms, (s) => (s.logTail = ['opens the window']));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 1; i <= 50; i++) {
      writer.update(ms, (s) => (s.progress = { messagesCopied: i }));
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(patches().map((p) => p.status.progress?.messagesCopied)).toEqual([undefined, 50]);
    expect(writes()).toBe(2);
  });

  it('an urgent change takes the pending progress with it', async () => {
    const { ms, writer, patches } = setup();
    writer.update(ms, (s) => (s.logTail = ['opens the window']));
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 9 }));
    writer.update(ms, (s) => (s.phase = 'Succeeded'));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()[1]?.status).toEqual({ phase: 'Succeeded', progress: { messagesCopied: 9 } });
    await vi.advanceTimersByTimeAsync(2 * WINDOW);
    expect(patches()).toHaveLength(2);
  });

  it('flush writes a pending change now; current() shows what the controller decided before it is written', async () => {
    const { ms, writer, patches } = setup();
    writer.update(ms, (s) => (s.logTail = ['opens the window']));
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 3 }));
    expect(writer.current(ms).progress).toEqual({ messagesCopied: 3 });
    expect(patches()).toHaveLength(1);
    await writer.flush(ms);
    expect(patches()).toHaveLength(2);
  });

  it('one write at a time: a change made during a slow write goes out after it', async () => {
    const { ms, kube, writer, patches, stored } = setup();
    const release = kube.hold({ verb: 'patch', resource: 'mailsyncs' });
    writer.update(ms, (s) => (s.phase = 'Succeeded'));
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.conditions = [ready('Succeeded')]));
    const flushing = writer.flush(ms);
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);
    release();
    await flushing;
    await vi.advanceTimersByTimeAsync(0);
    expect(patches().map((p) => Object.keys(p.status))).toEqual([['phase'], ['conditions']]);
    expect(stored()).toMatchObject({ phase: 'Succeeded', conditions: [{ reason: 'Succeeded' }] });
  });
});

describe('when the API does not take it', () => {
  it('a failed write is logged and retried after the window, then written', async () => {
    const { ms, kube, writer, patches, stored, logs } = setup();
    kube.fail({ verb: 'patch', resource: 'mailsyncs' }, 500, undefined, 2);
    writer.update(ms, (s) => (s.phase = 'Failed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(patches()).toHaveLength(1);
    expect(logs.join('')).toContain('status write failed; retrying');
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(patches()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(patches()).toHaveLength(3);
    expect(stored()?.phase).toBe('Failed');
    await vi.advanceTimersByTimeAsync(10 * WINDOW);
    expect(patches()).toHaveLength(3);
  });

  it('a MailSync that is gone (404) is forgotten: no retry', async () => {
    const { ms, kube, writer, patches } = setup();
    kube.remove('mailsyncs', NS, 'joe');
    writer.update(ms, (s) => (s.phase = 'Failed'));
    await vi.advanceTimersByTimeAsync(10 * WINDOW);
    expect(patches()).toHaveLength(1);
    // Forgotten: what it knows now comes from the object again.
    expect(writer.current(ms).phase).toBe('Running');
  });

  it('a new MailSync of the same name (other UID) starts from its own status, never from the old one', async () => {
    const { ms, kube, writer, patches } = setup();
    writer.update(ms, (s) => (s.progress = { messagesCopied: 7 }));
    const recreated = mailSync({ uid: 'uid-joe-2', status: {} });
    kube.remove('mailsyncs', NS, 'joe');
    kube.put(recreated);
    expect(writer.current(recreated)).toEqual({});
    writer.update(recreated, (s) => (s.phase = 'Pending'));
    await vi.advanceTimersByTimeAsync(10 * WINDOW);
    expect(patches()).toEqual([{ metadata: { uid: 'uid-joe-2' }, status: { phase: 'Pending' } }]);
  });

  it('forget drops what is pending; flushAll writes everything and then stops writing', async () => {
    const { ms, writer, patches } = setup();
    writer.update(ms, (s) => (s.logTail = ['opens the window']));
    await vi.advanceTimersByTimeAsync(0);
    writer.update(ms, (s) => (s.progress = { messagesCopied: 1 }));
    writer.forget(`${NS}/joe`);
    await vi.advanceTimersByTimeAsync(10 * WINDOW);
    expect(patches()).toHaveLength(1);

    writer.update(ms, (s) => (s.progress = { messagesCopied: 2 }));
    await writer.flushAll();
    expect(patches()).toHaveLength(2);
    writer.update(ms, (s) => (s.phase = 'Succeeded'));
    await vi.advanceTimersByTimeAsync(10 * WINDOW);
    expect(patches()).toHaveLength(2);
  });
});

describe('what is written fits the CRD', () => {
  it('cuts a huge failure message and escapes control characters from a server before the patch', async () => {
    const { ms, writer, stored } = setup();
    const hostile = `NO \u001b[2J\u009b6n${'x'.repeat(200_000)}`;
    writer.update(ms, (s) => {
      s.phase = 'Failed';
      s.conditions = [{ ...ready('ServerMisbehaved'), message: hostile }];
      s.summary = { message: hostile };
      s.lastError = { reason: 'ServerMisbehaved', message: hostile };
    });
    await vi.advanceTimersByTimeAsync(0);
    const status = stored();
    expect(status?.phase).toBe('Failed');
    const condition = status?.conditions?.[0]?.message ?? '';
    expect(condition.length).toBe(32768);
    expect(condition.startsWith('NO \\x1b[2J\\x9b6n')).toBe(true);
    expect(String(status?.summary?.message).length).toBeLessThanOrEqual(32 * 1024);
    expect(JSON.stringify(status)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // What reconcile reads back is what was written.
    expect(writer.current(ms).conditions?.[0]?.message).toBe(condition);
  });
});

describe('coalesced writes take turns (a slow API server)', () => {
  function many(count: number) {
    const syncs = Array.from({ length: count }, (_, i) =>
      mailSync({ name: `ms-${i}`, status: { phase: 'Running', progress: { messagesCopied: 0 } } }),
    );
    const kube = new FakeKube(syncs);
    const writer = new StatusWriter(kube, pino({ level: 'silent' }), WINDOW);
    const sent = () =>
      kube.actions
        .filter((a) => a.verb === 'patch' && a.subresource === 'status')
        .map((a) => ({ name: a.name, lane: a.lane ?? 'requests', body: a.body as { status: MailSyncStatus } }));
    return { syncs, kube, writer, sent };
  }

  /**
   * Every MailSync but the first written once (a status never written is overdue), then the API
   * server holds its patches: the first's phase change goes out, the others' progress falls due.
   */
  async function progressBehindPhaseChange(
    syncs: MailSync[],
    kube: FakeKube,
    writer: StatusWriter,
    sent: () => unknown[],
  ): Promise<{ rest: MailSync[]; before: number; release: () => void }> {
    const [first, ...rest] = syncs;
    for (const ms of rest) writer.update(ms, (s) => (s.progress = { messagesCopied: 1 }));
    await vi.advanceTimersByTimeAsync(WINDOW);
    const before = sent().length;
    const release = kube.hold({ verb: 'patch', resource: 'mailsyncs' });
    writer.update(first!, (s) => (s.phase = 'Succeeded'));
    await vi.advanceTimersByTimeAsync(0);
    for (const ms of rest) writer.update(ms, (s) => (s.progress = { messagesCopied: 2 }));
    await vi.advanceTimersByTimeAsync(WINDOW);
    return { rest, before, release };
  }

  it(`sends at most ${COALESCED_IN_FLIGHT} at once, oldest due first, each with the progress of when it goes`, async () => {
    const { syncs, kube, writer, sent } = many(COALESCED_IN_FLIGHT + 4);
    const release = kube.hold({ verb: 'patch', resource: 'mailsyncs' });
    for (const ms of syncs) writer.update(ms, (s) => (s.progress = { messagesCopied: 1 }));
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(sent()).toHaveLength(COALESCED_IN_FLIGHT);
    expect(writer.dueWaiting).toBe(4);
    expect(sent().map((p) => p.name)).toEqual(syncs.slice(0, COALESCED_IN_FLIGHT).map((ms) => ms.metadata.name));
    // Progress made while waiting for a turn is what the write carries (it is not a patch made when due).
    for (const ms of syncs) writer.update(ms, (s) => (s.progress = { messagesCopied: 7 }));
    release();
    await vi.advanceTimersByTimeAsync(0);
    const late = sent().slice(COALESCED_IN_FLIGHT, COALESCED_IN_FLIGHT + 4);
    expect(late.map((p) => p.name)).toEqual(syncs.slice(COALESCED_IN_FLIGHT).map((ms) => ms.metadata.name));
    for (const p of late) expect(p.body.status.progress?.messagesCopied).toBe(7);
    expect(writer.dueWaiting).toBe(0);
  });

  it(`sends only ${COALESCED_IN_FLIGHT_BEHIND_URGENT} at once while a phase change is out; a phase change never waits its turn`, async () => {
    const { syncs, kube, writer, sent } = many(COALESCED_IN_FLIGHT + 1);
    const { rest, before, release } = await progressBehindPhaseChange(syncs, kube, writer, sent);
    expect(
      sent()
        .slice(before)
        .map((p) => p.lane),
    ).toEqual(['urgent', ...Array(COALESCED_IN_FLIGHT_BEHIND_URGENT).fill('requests')]);
    // Another phase change goes at once, whatever is waiting.
    writer.update(rest.at(-1)!, (s) => (s.phase = 'Failed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(sent().at(-1)).toMatchObject({ name: rest.at(-1)!.metadata.name, lane: 'urgent' });
    release();
    await vi.advanceTimersByTimeAsync(0);
    const names = sent()
      .slice(before)
      .map((p) => p.name);
    for (const ms of rest) expect(names).toContain(ms.metadata.name);
    expect(writer.dueWaiting).toBe(0);
  });

  it(`behind phase changes, a MailSync whose status is ${OVERDUE_MS / 1000} s old still goes (progress never waits out a mass start)`, async () => {
    const { syncs, kube, writer, sent } = many(COALESCED_IN_FLIGHT_BEHIND_URGENT + 3);
    const { rest, before, release } = await progressBehindPhaseChange(syncs, kube, writer, sent);
    // Due, but not overdue: only the few.
    expect(sent().length - before).toBe(1 + COALESCED_IN_FLIGHT_BEHIND_URGENT);
    expect(writer.dueWaiting).toBe(rest.length - COALESCED_IN_FLIGHT_BEHIND_URGENT);
    // Once their last write is OVERDUE_MS old, the others go too, phase change or not.
    writer.update(rest.at(-1)!, (s) => (s.progress = { messagesCopied: 3 }));
    await vi.advanceTimersByTimeAsync(OVERDUE_MS - WINDOW);
    expect(sent().length - before).toBe(1 + rest.length);
    expect(writer.dueWaiting).toBe(0);
    release();
    await vi.advanceTimersByTimeAsync(0);
  });
});
