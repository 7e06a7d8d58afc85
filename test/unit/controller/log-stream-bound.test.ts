/**
 * More runs than the follow bound: the newest are followed, the others
 * polled from their last applied line in a fair rotation; a run moving
 * between followed and polled loses no line and applies none twice; an ended
 * container is read to its end. The log API is the in-memory FakeKube;
 * time is fake (no timed assertions: the clock is advanced by hand).
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogStreamManager, type LogStreamOptions } from '../../../src/controller/log-stream-manager.js';
import { FakeKube } from './fake-kube.js';
import { folderLine, mailSync, NS, runJob, summaryLine, useFakeClock, workerPod } from './fixtures.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const job = runJob(mailSync());
const at = (second: number, fraction = '') => `2026-01-01T00:00:${String(second).padStart(2, '0')}${fraction}Z`;
const line = (second: number, folder: string, fraction = '') => folderLine(at(second, fraction), folder, second);
const tick = () => vi.advanceTimersByTimeAsync(0);

function setup(pods: string[], options: Partial<LogStreamOptions>) {
  const kube = new FakeKube(pods.map((name) => workerPod(job, { name, container: 'running' })));
  const updates: string[] = [];
  const polled: number[] = [];
  const manager = new LogStreamManager(
    kube,
    pino({ level: 'silent' }),
    { onUpdate: (uid) => updates.push(uid), onPolledChange: (n) => polled.push(n) },
    { pollIntervalMs: 5000, pollConcurrency: 4, ...options },
  );
  /** Run `pod` is tracked under the job UID `run-<pod>`. */
  const track = (pod: string, ended = false) => manager.track({ jobUid: `run-${pod}`, namespace: NS, pod, ended });
  const reads = (pod?: string) => kube.actions.filter((a) => a.verb === 'log' && (pod === undefined || a.name === pod));
  const tail = (pod: string) => manager.get(`run-${pod}`)?.snapshot().logTail ?? [];
  const setEnded = (pod: string) =>
    kube.modify('pods', NS, pod, (p) => {
      p.status = workerPod(job, { name: pod, container: 'terminated' }).status;
    });
  return { kube, manager, updates, polled, track, reads, tail, setEnded };
}

/** Every tail line naming one of `names`, in order, once each. */
function expectExactly(tail: string[], names: string[]): void {
  expect(tail).toHaveLength(names.length);
  names.forEach((name, i) => {
    expect(tail[i]).toContain(name);
  });
}

describe('over the follow bound', () => {
  it('follows the most recently started runs and polls the others (no follow, from their position)', async () => {
    const { kube, manager, track, reads, polled } = setup(['a', 'b', 'c'], { maxFollows: 2 });
    track('a');
    track('b');
    track('c');
    await tick();
    expect(manager.isFollowing('run-b')).toBe(true);
    expect(manager.isFollowing('run-c')).toBe(true);
    expect(manager.isFollowing('run-a')).toBe(false);
    expect(manager.isPolled('run-a')).toBe(true);
    expect(kube.openLogStreams).toBe(2);
    expect(polled.at(-1)).toBe(1);
    // a was followed first (it was alone); its follow ended when c came; a poll reads it an interval later.
    expect(reads('a').at(-1)?.query).toMatchObject({ follow: true });
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads('a').at(-1)?.query).toMatchObject({ follow: false, timestamps: true });
    expect(kube.openLogStreams).toBe(2);
  });

  it('a polled run is read at most once per interval, each read from the last applied line, no line twice', async () => {
    const { kube, track, reads, tail } = setup(['a', 'b'], { maxFollows: 1 });
    kube.appendLog(NS, 'a', line(1, 'INBOX'));
    track('a');
    await tick();
    track('b');
    await tick();
    const before = reads('a').length;
    kube.appendLog(NS, 'a', line(2, 'Sent'), line(2, 'Drafts', '.5'));
    await vi.advanceTimersByTimeAsync(4000);
    expect(reads('a')).toHaveLength(before);
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads('a')).toHaveLength(before + 1);
    expect(reads('a').at(-1)?.query).toMatchObject({ follow: false, sinceTime: at(1) });
    kube.appendLog(NS, 'a', line(2, 'Trash', '.9'), line(3, 'Junk'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads('a').at(-1)?.query?.sinceTime).toBe(at(2));
    expectExactly(tail('a'), ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk']);
  });

  it('a followed run demoted by a newer one continues by polling: no line lost or doubled', async () => {
    const { kube, manager, track, tail } = setup(['a', 'b'], { maxFollows: 1 });
    kube.appendLog(NS, 'a', line(1, 'INBOX'), line(2, 'Sent', '.1'));
    track('a');
    await tick();
    // Same second as the last line applied on the follow: told apart by counting.
    kube.appendLog(NS, 'a', line(2, 'Drafts', '.1'));
    await tick();
    track('b');
    await tick();
    expect(manager.isFollowing('run-a')).toBe(false);
    kube.appendLog(NS, 'a', line(2, 'Trash', '.3'), line(4, 'Junk'));
    await vi.advanceTimersByTimeAsync(5000);
    expectExactly(tail('a'), ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk']);
  });

  it('when a followed run ends and is forgotten, the newest polled run is followed again from its position', async () => {
    const { kube, manager, track, reads, tail } = setup(['a', 'b'], { maxFollows: 1 });
    kube.appendLog(NS, 'a', line(1, 'INBOX'));
    track('a');
    await tick();
    track('b');
    await tick();
    kube.appendLog(NS, 'a', line(3, 'Sent'));
    await vi.advanceTimersByTimeAsync(5000);
    manager.forget('run-b');
    await tick();
    expect(manager.isFollowing('run-a')).toBe(true);
    expect(reads('a').at(-1)?.query).toMatchObject({ follow: true, sinceTime: at(3) });
    kube.appendLog(NS, 'a', line(4, 'Drafts'));
    await tick();
    expectExactly(tail('a'), ['INBOX', 'Sent', 'Drafts']);
  });

  it('reads the polled runs in a fair rotation, never more than the poll concurrency at once', async () => {
    const pods = ['a', 'b', 'c', 'd', 'e'];
    const { kube, track, reads } = setup(pods, { maxFollows: 0, pollConcurrency: 2, pollIntervalMs: 5000 });
    const release = kube.hold({ verb: 'log', resource: 'pods' });
    for (const pod of pods) track(pod);
    await tick();
    // Two reads wait at the gate; nothing else has started.
    expect(reads()).toHaveLength(2);
    release();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(5000);
    await vi.advanceTimersByTimeAsync(5000);
    const order = reads().map((r) => r.name);
    // Every run read once before any run twice, in rotation.
    expect(order.slice(0, 5).sort()).toEqual(pods);
    expect(order.slice(5, 10).sort()).toEqual(pods);
    expect(order.slice(0, 5)).toEqual(order.slice(5, 10));
  });
});

describe('paced to the rate limit (refresh-pace.ts)', () => {
  it('with many runs, each polled log is read once per refresh interval, which grows with the load', async () => {
    const pods = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const paces: number[] = [];
    const kube = new FakeKube(pods.map((name) => workerPod(job, { name, container: 'running' })));
    // 2 requests/s, 90 % for refreshes: 9 status writes + 9 polls per refresh = 18 requests = one every 10 s.
    const manager = new LogStreamManager(
      kube,
      pino({ level: 'silent' }),
      { onUpdate: () => {}, onPaceChange: (ms) => paces.push(ms) },
      { maxFollows: 0, pollIntervalMs: 5000, pollConcurrency: 9, qps: 2 },
    );
    for (const pod of pods) manager.track({ jobUid: `run-${pod}`, namespace: NS, pod });
    await tick();
    expect(manager.refreshMs).toBe(10_000);
    expect(paces.at(-1)).toBe(10_000);
    const reads = () => kube.actions.filter((a) => a.verb === 'log').length;
    expect(reads()).toBe(9);
    // The 5 s floor alone would read them all again now.
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads()).toBe(9);
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads()).toBe(18);
    // Runs end: the interval comes back to the floor.
    for (const pod of pods.slice(2)) manager.forget(`run-${pod}`);
    await tick();
    expect(manager.refreshMs).toBe(5000);
    expect(paces.at(-1)).toBe(5000);
  });

  it('a batch pod counts one status write per account: 25 accounts in one pod pace like 25 runs', async () => {
    const kube = new FakeKube([workerPod(job, { name: 'batch', container: 'running' })]);
    const manager = new LogStreamManager(
      kube,
      pino({ level: 'silent' }),
      { onUpdate: () => {} },
      { maxFollows: 1, pollIntervalMs: 5000, pollConcurrency: 1, qps: 2 },
    );
    const members = Array.from({ length: 25 }, (_, i) => ({ id: `m${i}` }));
    manager.trackBatch({ jobUid: 'batch-run', namespace: NS, pod: 'batch', members });
    await tick();
    // 25 status writes per refresh at 1.8 requests/s: one refresh every 13.9 s (one pod alone: the 5 s floor).
    expect(manager.refreshMs).toBe(13_889);
    manager.stopAll();
  });

  it('without a rate limit the interval stays at the floor', async () => {
    const { manager, track } = setup(['a', 'b', 'c'], { maxFollows: 0, qps: 0 });
    track('a');
    track('b');
    track('c');
    await tick();
    expect(manager.refreshMs).toBe(5000);
  });

  /**
   * 20 polled runs, at least 2 and at most 6 polls in flight: the first 2 polls take `firstPollMs`;
   * how many polls are in flight right after them.
   */
  async function inFlightAfterPollsOf(firstPollMs: number): Promise<number> {
    const pods = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const { kube, track, reads } = setup(pods, { maxFollows: 0, pollConcurrency: 2, maxPollConcurrency: 6 });
    const first = kube.hold({ verb: 'log', resource: 'pods' });
    for (const pod of pods) track(pod);
    await tick();
    expect(reads()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(firstPollMs);
    const next = kube.hold({ verb: 'log', resource: 'pods' });
    first();
    await tick();
    await tick();
    const inFlight = reads().length - 2;
    next();
    return inFlight;
  }

  it('slow polls put more in flight, up to the maximum', async () => {
    // 20 logs x 3 s / 5 s x 1.5 = 18 in flight needed, capped at 6.
    expect(await inFlightAfterPollsOf(3000)).toBe(6);
  });

  it('fast polls keep the least in flight', async () => {
    // 20 logs x 0.1 s / 5 s x 1.5 = 0.6: the least (2) stays.
    expect(await inFlightAfterPollsOf(100)).toBe(2);
  });
});

describe('the end of a polled run', () => {
  it('a container the caller says ended is read at once to its end; the log is done and told', async () => {
    const { kube, manager, track, updates, setEnded } = setup(['a', 'b'], { maxFollows: 1 });
    kube.appendLog(NS, 'a', line(1, 'INBOX'));
    track('a');
    await tick();
    track('b');
    await tick();
    kube.appendLog(NS, 'a', summaryLine(at(9)));
    setEnded('a');
    updates.length = 0;
    track('a', true);
    await tick();
    const runLog = manager.get('run-a')!;
    expect(runLog.done).toBe(true);
    expect(runLog.summary).toMatchObject({ reason: 'Succeeded' });
    expect(updates).toContain('run-a');
    expect(manager.isPolled('run-a')).toBe(false);
  });

  it('a container that ended unannounced is found by the read that brought nothing, then read to its end', async () => {
    const { kube, manager, track, setEnded } = setup(['a', 'b'], { maxFollows: 1 });
    kube.appendLog(NS, 'a', line(1, 'INBOX'));
    track('a');
    await tick();
    track('b');
    await tick();
    await vi.advanceTimersByTimeAsync(5000);
    setEnded('a');
    kube.appendLog(NS, 'a', summaryLine(at(9)));
    // The next read brings the summary, the one after nothing: the pod is asked, then read to its end.
    await vi.advanceTimersByTimeAsync(5000);
    expect(manager.get('run-a')?.done).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    await tick();
    expect(manager.get('run-a')?.done).toBe(true);
    expect(manager.get('run-a')?.summary).toMatchObject({ reason: 'Succeeded' });
  });

  it('a polled pod that is gone ends its log with a note', async () => {
    const { kube, manager, track, tail } = setup(['a', 'b'], { maxFollows: 1 });
    track('a');
    await tick();
    track('b');
    await tick();
    kube.remove('pods', NS, 'a');
    await vi.advanceTimersByTimeAsync(5000);
    expect(manager.get('run-a')?.done).toBe(true);
    expect(tail('a').at(-1)).toContain('worker pod gone');
  });

  it('stopAll stops polling too', async () => {
    const { kube, manager, track, reads } = setup(['a', 'b'], { maxFollows: 1 });
    track('a');
    track('b');
    await tick();
    manager.stopAll();
    const count = reads().length;
    kube.appendLog(NS, 'a', line(5, 'INBOX'));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(reads()).toHaveLength(count);
  });
});
