/**
 * Following worker logs: a follow per run, reconnecting while the container
 * runs (resuming after the last applied line, so no line twice), waiting
 * for a container that has not started, reading a terminated one to its
 * end, moving on to a retry pod, and stopping on forget/stopAll. The log
 * API is the in-memory FakeKube; time is fake.
 */
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogStreamManager, type TrackRequest } from '../../../src/controller/log-stream-manager.js';
import { FakeKube } from './fake-kube.js';
import {
  folderLine,
  logLine,
  mailSync,
  NS,
  progressLine,
  runJob,
  summary,
  summaryLine,
  useFakeClock,
  workerPod,
} from './fixtures.js';

beforeEach(useFakeClock);
afterEach(() => vi.useRealTimers());

const job = runJob(mailSync());
const JOB_UID = job.metadata!.uid!;
const POD = 'worker-1';
const at = (second: number, fraction = '') => `2026-01-01T00:00:${String(second).padStart(2, '0')}${fraction}Z`;
const line = (second: number, folder: string, fraction = '') => folderLine(at(second, fraction), folder, second);

function setup(container: 'waiting' | 'running' | 'terminated' = 'running', pods = [POD]) {
  const kube = new FakeKube(pods.map((name) => workerPod(job, { name, container })));
  const logs: string[] = [];
  const updates: string[] = [];
  const active: number[] = [];
  const manager = new LogStreamManager(kube, pino({ level: 'debug' }, { write: (l: string) => logs.push(l) }), {
    onUpdate: (uid) => updates.push(uid),
    onActiveChange: (n) => active.push(n),
  });
  const track = (pod = POD, resume?: TrackRequest['resume']) =>
    manager.track({ jobUid: JOB_UID, namespace: NS, pod, ...(resume ? { resume } : {}) });
  const requests = () => kube.actions.filter((a) => a.verb === 'log');
  const tail = () => manager.get(JOB_UID)?.snapshot().logTail ?? [];
  const setContainer = (state: 'running' | 'terminated', pod = POD) =>
    kube.modify('pods', NS, pod, (p) => {
      p.status = workerPod(job, { name: pod, container: state }).status;
    });
  return { kube, manager, logs, updates, active, track, requests, tail, setContainer };
}

const tick = () => vi.advanceTimersByTimeAsync(0);

describe('following a running worker', () => {
  it('asks for the worker container with timestamps, applies the lines, and tells once per batch', async () => {
    const { kube, manager, updates, active, track, requests, tail } = setup();
    kube.appendLog(NS, POD, line(1, 'INBOX'), line(2, 'Sent'));
    track();
    await tick();
    expect(requests()).toHaveLength(1);
    expect(requests()[0]?.query).toMatchObject({ container: 'worker', follow: true, timestamps: true });
    expect(requests()[0]?.query?.sinceTime).toBeUndefined();
    expect(tail()).toEqual([expect.stringContaining('INBOX'), expect.stringContaining('Sent')]);
    expect(updates).toEqual([JOB_UID]);
    expect(manager.isFollowing(JOB_UID)).toBe(true);
    expect(active).toEqual([1]);
    // Lines arriving later on the open stream.
    kube.appendLog(NS, POD, line(3, 'Drafts'));
    await tick();
    expect(tail()).toHaveLength(3);
    expect(updates).toEqual([JOB_UID, JOB_UID]);
  });

  it('tracking the same pod again does not open a second follow', async () => {
    const { track, requests, kube } = setup();
    track();
    track();
    await tick();
    track();
    expect(requests()).toHaveLength(1);
    expect(kube.openLogStreams).toBe(1);
  });

  it.each([
    { name: 'a second apart', second: 5, fraction: '' },
    { name: 'in the same second', second: 4, fraction: '.7' },
  ])(
    'reconnects after a dropped stream, from the last line’s second, without a line twice ($name)',
    async ({ second, fraction }) => {
      const { kube, track, requests, tail } = setup();
      kube.appendLog(NS, POD, line(3, 'INBOX'), line(4, 'Sent', '.2'));
      track();
      await tick();
      kube.endLogStreams();
      await tick();
      kube.appendLog(NS, POD, line(second, 'Drafts', fraction));
      expect(requests()).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(requests()).toHaveLength(2);
      expect(requests()[1]?.query?.sinceTime).toBe(at(4));
      expect(tail()).toEqual([
        expect.stringContaining('INBOX'),
        expect.stringContaining('Sent'),
        expect.stringContaining('Drafts'),
      ]);
    },
  );

  it('waits for a container that has not started (400) without warning, then follows it', async () => {
    const { kube, track, requests, tail, setContainer, logs } = setup('waiting');
    track();
    await tick();
    expect(requests()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests()).toHaveLength(2);
    setContainer('running');
    kube.appendLog(NS, POD, line(1, 'INBOX'));
    await vi.advanceTimersByTimeAsync(2000);
    expect(requests()).toHaveLength(3);
    expect(tail()).toEqual([expect.stringContaining('INBOX')]);
    expect(logs.join('')).not.toContain('log stream failed');
  });

  it('a probe (the API does not show the worker started) is polled, not followed, until the API or its log says it runs', async () => {
    const { kube, manager, requests, setContainer } = setup('waiting');
    manager.track({ jobUid: JOB_UID, namespace: NS, pod: POD, probe: true });
    await tick();
    expect(requests().map((r) => r.query?.follow)).toEqual([false]);
    expect(manager.isPolled(JOB_UID)).toBe(true);
    // A probe is read every second (its first lines make the MailSync Running), not at the 5 s refresh.
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests().map((r) => r.query?.follow)).toEqual([false, false]);
    // The API now shows the container started: the caller tracks it as such, and it is followed.
    setContainer('running');
    manager.track({ jobUid: JOB_UID, namespace: NS, pod: POD });
    await tick();
    expect(requests().map((r) => r.query?.follow)).toEqual([false, false, true]);
    expect(manager.isFollowing(JOB_UID)).toBe(true);
    expect(kube.openLogStreams).toBe(1);
  });

  it('backs off on API errors (1 s, 2 s, 4 s...) and logs them', async () => {
    const { kube, track, requests, logs } = setup();
    kube.fail({ verb: 'log', resource: 'pods' }, 500, undefined, 10);
    track();
    await tick();
    const counts: number[] = [];
    for (const ms of [999, 1, 1999, 1, 3999, 1]) {
      await vi.advanceTimersByTimeAsync(ms);
      counts.push(requests().length);
    }
    expect(counts).toEqual([1, 2, 2, 3, 3, 4]);
    expect(logs.join('')).toContain('log stream failed; retrying');
  });
});

describe('the end of a run', () => {
  it.each([
    { name: 'on the open stream', late: false },
    { name: 'after the stream ended (the final read)', late: true },
  ])('reads a terminated container to its end once, then the log is done: summary $name', async ({ late }) => {
    const { kube, manager, track, requests, tail, setContainer, active } = setup();
    kube.appendLog(NS, POD, line(1, 'INBOX'));
    track();
    await tick();
    // The worker prints its summary and ends; the stream ends with it.
    if (!late) kube.appendLog(NS, POD, summaryLine(at(9)));
    setContainer('terminated');
    kube.endLogStreams();
    if (late) kube.appendLog(NS, POD, summaryLine(at(9)));
    await tick();
    expect(requests().at(-1)?.query).toMatchObject({ follow: false, sinceTime: late ? at(1) : at(9) });
    const runLog = manager.get(JOB_UID)!;
    expect(runLog.done).toBe(true);
    expect(runLog.summary).toMatchObject({ reason: 'Succeeded', messagesTransferred: 120 });
    expect(tail().filter((l) => l.includes('INBOX'))).toHaveLength(1);
    expect(manager.isFollowing(JOB_UID)).toBe(false);
    expect(active).toEqual([1, 0]);
    const count = requests().length;
    track();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(requests()).toHaveLength(count);
  });

  it('a pod that is gone (404) ends the log with a note', async () => {
    const { kube, manager, track, tail } = setup();
    kube.remove('pods', NS, POD);
    track();
    await tick();
    expect(manager.get(JOB_UID)?.done).toBe(true);
    expect(tail()).toEqual([expect.stringContaining('worker pod gone')]);
  });

  // Found by the fault matrix (kubelet restarted mid-sync): a restarting kubelet answers the log request 404
  // for a pod that still exists; the log was ended there, so the run's summary and last lines were lost.
  it('a 404 for the log of a pod that still exists (a restarting kubelet) is retried, not the end', async () => {
    const { kube, manager, track, requests, tail, logs } = setup();
    kube.appendLog(NS, POD, line(1, 'INBOX'));
    kube.fail({ verb: 'log', resource: 'pods' }, 404, undefined, 2);
    track();
    await tick();
    expect(manager.get(JOB_UID)?.done).toBe(false);
    await vi.advanceTimersByTimeAsync(4000);
    expect(requests().length).toBeGreaterThanOrEqual(3);
    kube.appendLog(NS, POD, summaryLine(at(9)));
    await tick();
    expect(tail()[0]).toContain('INBOX');
    expect(tail().filter((l) => l.includes('INBOX'))).toHaveLength(1);
    expect(tail().at(-1)).toMatch(/^Verdict: /);
    expect(tail().join('\n')).not.toContain('worker pod gone');
    expect(logs.join('')).toContain('log not found while its pod exists');
  });

  it('moves on to the Job’s retry pod once the first one’s log has ended', async () => {
    const { kube, track, requests, tail, setContainer } = setup('running', [POD, 'worker-2']);
    kube.appendLog(NS, POD, line(1, 'INBOX'));
    kube.appendLog(NS, 'worker-2', line(8, 'Sent'));
    track(POD);
    await tick();
    track('worker-2');
    await tick();
    expect(requests().map((r) => r.name)).toEqual([POD]);
    setContainer('terminated');
    kube.endLogStreams(NS, POD);
    await tick();
    expect(requests().at(-1)?.name).toBe('worker-2');
    expect(tail()).toEqual([
      expect.stringContaining('INBOX'),
      expect.stringContaining('worker-2'),
      expect.stringContaining('Sent'),
    ]);
  });
});

describe('resuming and stopping', () => {
  it('after a controller restart, resumes from the position kept in status', async () => {
    const { kube, track, requests, tail } = setup();
    kube.appendLog(NS, POD, line(1, 'INBOX'), line(2, 'Sent'), line(2, 'Drafts'), line(3, 'Trash'));
    track(POD, {
      logTail: ['INBOX (from status)', 'Sent (from status)'],
      position: { pod: POD, timestamp: at(2), linesAtTimestamp: 1 },
    });
    await tick();
    expect(requests()[0]?.query?.sinceTime).toBe(at(2));
    expect(tail()).toEqual([
      'INBOX (from status)',
      'Sent (from status)',
      expect.stringContaining('Drafts'),
      expect.stringContaining('Trash'),
    ]);
  });

  it('forget closes the follow; nothing is applied or told afterwards', async () => {
    const { kube, manager, track, updates, requests } = setup();
    track();
    await tick();
    manager.forget(JOB_UID);
    await tick();
    expect(kube.openLogStreams).toBe(0);
    const told = updates.length;
    const asked = requests().length;
    kube.appendLog(NS, POD, line(5, 'INBOX'));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(manager.get(JOB_UID)).toBeUndefined();
    expect(updates).toHaveLength(told);
    expect(requests()).toHaveLength(asked);
  });

  it('retain keeps only the runs still wanted; stopAll stops every follow and starts none', async () => {
    const { kube, manager, requests } = setup('running', [POD, 'other']);
    manager.track({ jobUid: JOB_UID, namespace: NS, pod: POD });
    manager.track({ jobUid: 'other-run', namespace: NS, pod: 'other' });
    await tick();
    manager.retain(new Set([JOB_UID]));
    await tick();
    expect(manager.get('other-run')).toBeUndefined();
    expect(kube.openLogStreams).toBe(1);
    manager.stopAll();
    await tick();
    expect(kube.openLogStreams).toBe(0);
    const count = requests().length;
    manager.track({ jobUid: 'third', namespace: NS, pod: POD });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(requests()).toHaveLength(count);
  });
});

describe('a batch pod (several accounts in one worker)', () => {
  /** `raw` as written by the engine of account `id`. */
  const of = (id: string, raw: string) => raw.replace(' {', ` {"account":"${id}",`);
  const trackBatch = (manager: LogStreamManager, members: Array<{ id: string; resume?: TrackRequest['resume'] }>) =>
    manager.trackBatch({ jobUid: JOB_UID, namespace: NS, pod: POD, members });

  it('a followed batch pod ends with each account’s own progress and summary', async () => {
    const { kube, manager, track, updates, setContainer } = setup();
    kube.appendLog(
      NS,
      POD,
      logLine(at(1), { msg: 'batch of 2 accounts' }),
      of('a', line(1, 'INBOX')),
      of('b', line(1, 'Sent')),
      of('a', progressLine(at(2), 5, 10)),
      of('b', progressLine(at(2), 30, 40)),
    );
    const batch = trackBatch(manager, [{ id: 'a' }, { id: 'b' }]);
    await tick();
    expect(manager.isFollowing(JOB_UID)).toBe(true);
    expect(manager.member(JOB_UID, 'a')?.snapshot().progress).toMatchObject({ messagesCopied: 5, messagesTotal: 10 });
    expect(manager.member(JOB_UID, 'b')?.snapshot().progress).toMatchObject({ messagesCopied: 30, messagesTotal: 40 });
    expect(updates).toEqual([JOB_UID]);
    expect(batch.takeChanged()).toEqual(['a', 'b']);
    kube.appendLog(
      NS,
      POD,
      of('b', summaryLine(at(3), summary({ messagesTransferred: 40 }))),
      of('a', summaryLine(at(4), summary({ messagesTransferred: 10 }))),
    );
    setContainer('terminated');
    kube.endLogStreams();
    await tick();
    expect(manager.getBatch(JOB_UID)).toBe(batch);
    expect(batch.done).toBe(true);
    expect(manager.isFollowing(JOB_UID)).toBe(false);
    expect(manager.member(JOB_UID, 'a')?.summary).toMatchObject({ messagesTransferred: 10 });
    expect(manager.member(JOB_UID, 'b')?.summary).toMatchObject({ messagesTransferred: 40 });
    expect(manager.member(JOB_UID, 'b')?.snapshot().logTail).toEqual([
      expect.stringContaining('Sent'),
      expect.stringContaining('Totals: transferred 40'),
      expect.stringMatching(/^Verdict: /),
    ]);
    expect(batch.takeChanged()).toEqual(['b', 'a']);
    // A batch stream is not a single run's: get() does not hand out a RunLog for it, nor track() reuse it.
    expect(manager.get(JOB_UID)).toBeUndefined();
    expect(() => track()).toThrow(/followed as a batch/);
  });

  it('resumes from the earliest member position; accounts added later are ignored', async () => {
    const { kube, manager, requests } = setup();
    kube.appendLog(NS, POD, of('a', line(2, 'INBOX')), of('b', line(3, 'Sent')), of('a', line(4, 'Drafts')));
    const position = (second: number) => ({ position: { pod: POD, timestamp: at(second), linesAtTimestamp: 1 } });
    trackBatch(manager, [
      { id: 'a', resume: position(2) },
      { id: 'b', resume: position(3) },
    ]);
    await tick();
    expect(requests()[0]?.query?.sinceTime).toBe(at(2));
    expect(manager.member(JOB_UID, 'a')?.snapshot().logTail).toEqual([expect.stringContaining('Drafts')]);
    expect(manager.member(JOB_UID, 'b')?.snapshot().logTail).toEqual([]);
    trackBatch(manager, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(manager.getBatch(JOB_UID)?.ids).toEqual(['a', 'b']);
    expect(manager.member(JOB_UID, 'c')).toBeUndefined();
    expect(requests()).toHaveLength(1);
  });
});
