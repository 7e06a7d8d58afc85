import { afterEach, describe, expect, it, vi } from 'vitest';
import { Admission, type RunningSlot } from '../../src/controller/admission/admission.js';
import { CachedRunningSource } from '../../src/controller/admission/cached-source.js';
import { decideAdmission, type GroupCaps } from '../../src/controller/admission/decide.js';
import { runningSlots } from '../../src/controller/admission/running.js';
import { buildBatchJob } from '../../src/controller/batch-job.js';
import { configMapName, pairHash } from '../../src/controller/pair-hash.js';
import { mailSync, WORKER } from './controller/fixtures.js';

const candidate = (key: string, since: number, group = '', host = 'imap.x') => ({
  key,
  uid: `uid-${key}`,
  group,
  sourceHost: host,
  destinationHost: 'dest.y',
  since,
});

function gate(caps: { maxRunning?: number; maxRunningPerHost?: number }, groupCaps: Record<string, GroupCaps> = {}) {
  const cache: RunningSlot[] = [];
  const jobs = new Set<string>();
  const enqueued: string[] = [];
  let now = 1000;
  const admission = new Admission(
    caps,
    { running: () => [...cache], hasJob: (uid) => jobs.has(uid), groupCaps: (g) => groupCaps[g] },
    (key) => enqueued.push(key),
    () => now,
  );
  return { admission, cache, jobs, enqueued, tick: (ms: number) => (now += ms) };
}

// The decision itself, counted (the gate reuses the last one while its inputs are unchanged).
vi.mock('../../src/controller/admission/decide.js', async (original) => {
  const actual = await original<typeof import('../../src/controller/admission/decide.js')>();
  return { ...actual, decideAdmission: vi.fn(actual.decideAdmission) };
});

afterEach(() => vi.useRealTimers());

describe('the run-slot gate', () => {
  it('admits everything at once when no cap applies (no bookkeeping)', () => {
    const { admission } = gate({});
    for (let i = 0; i < 5; i++) expect(admission.request(candidate(`k${i}`, i))).toEqual({ admitted: true });
    expect(admission.waiting).toBe(0);
  });

  it('reserves a slot at once: back-to-back requests (reconciles in flight) never pass the cap', () => {
    const { admission } = gate({ maxRunningPerHost: 2 });
    const answers = ['a', 'b', 'c', 'd'].map((k, i) => admission.request(candidate(k, i)).admitted);
    expect(answers).toEqual([true, true, false, false]);
    expect(admission.request(candidate('c', 2))).toMatchObject({
      admitted: false,
      position: 1,
      hold: { cap: 'maxRunningPerHost', host: 'imap.x' },
    });
    expect(admission.request(candidate('d', 3))).toMatchObject({ admitted: false, position: 2 });
  });

  it('a reservation counts until the cache shows the Job, then the Job counts (once)', () => {
    const { admission, cache } = gate({ maxRunning: 1 });
    expect(admission.request(candidate('a', 1)).admitted).toBe(true);
    expect(admission.running()).toHaveLength(1);
    cache.push({ ...candidate('a', 1) });
    expect(admission.running()).toHaveLength(1);
    expect(admission.request(candidate('b', 2)).admitted).toBe(false);
    // The run ends: its Job leaves the cache, the next one may go.
    cache.length = 0;
    expect(admission.request(candidate('b', 2)).admitted).toBe(true);
  });

  it('a failed Job creation gives the slot back and wakes the queue', () => {
    vi.useFakeTimers();
    const { admission, enqueued } = gate({ maxRunning: 1 });
    expect(admission.request(candidate('a', 1)).admitted).toBe(true);
    expect(admission.request(candidate('b', 2)).admitted).toBe(false);
    admission.release('uid-a');
    vi.advanceTimersByTime(500);
    expect(enqueued).toEqual(['b']);
  });

  it('a run so short that the cache only ever shows its Job finished frees its slot at once', () => {
    const { admission, jobs } = gate({ maxRunning: 1 });
    expect(admission.request(candidate('a', 1)).admitted).toBe(true);
    admission.created('uid-a', 'job-uid-a');
    expect(admission.request(candidate('b', 2)).admitted).toBe(false);
    jobs.add('job-uid-a');
    expect(admission.request(candidate('b', 2)).admitted).toBe(true);
  });

  it('a reservation whose Job never shows up expires', () => {
    const { admission, tick } = gate({ maxRunning: 1 });
    expect(admission.request(candidate('a', 1)).admitted).toBe(true);
    tick(61_000);
    expect(admission.request(candidate('b', 2)).admitted).toBe(true);
  });

  it('serves the oldest waiting first: a younger request enqueues the older one instead', () => {
    const { admission, cache, enqueued } = gate({ maxRunning: 1 });
    cache.push({ ...candidate('running', 0) });
    expect(admission.request(candidate('old', 1)).admitted).toBe(false);
    cache.length = 0;
    expect(admission.request(candidate('young', 2)).admitted).toBe(false);
    expect(enqueued).toEqual(['old']);
    expect(admission.request(candidate('old', 1)).admitted).toBe(true);
  });

  it('forgets syncs that stop waiting; counts the waiting per group for the metrics', () => {
    const { admission } = gate({ maxRunning: 0 }, { 'ns/m': { total: 1 } });
    expect(admission.request(candidate('a', 1, 'ns/m')).admitted).toBe(true);
    expect(admission.request(candidate('b', 2, 'ns/m')).admitted).toBe(false);
    expect(admission.request(candidate('c', 3, 'ns/m')).admitted).toBe(false);
    expect(admission.request(candidate('s', 4)).admitted).toBe(true);
    expect(admission.waitingByGroup()).toEqual(new Map([['ns/m', 2]]));
    admission.forget('b');
    expect(admission.waitingByGroup()).toEqual(new Map([['ns/m', 1]]));
  });
});

describe('running syncs from the caches', () => {
  const meta = (uid: string, extra: Record<string, unknown> = {}) => ({
    name: `job-${uid}`,
    namespace: 'ns',
    labels: { 'mailsync.io/mailsync-uid': uid, 'mailsync.io/mailsync': uid, 'mailsync.io/migration': 'm' },
    annotations: { 'mailsync.io/source-host': 'src.x', 'mailsync.io/destination-host': 'dst.y' },
    ...extra,
  });
  it.each([
    ['an active Job', [{ metadata: meta('a'), status: {} }], [], ['a']],
    [
      'a finished Job',
      [{ metadata: meta('a'), status: { conditions: [{ type: 'Complete', status: 'True' }] } }],
      [],
      [],
    ],
    ['a suspended Job', [{ metadata: meta('a'), spec: { suspend: true, template: {} }, status: {} }], [], []],
    ['a live pod whose Job is gone', [], [{ metadata: meta('a'), status: { phase: 'Running' } }], ['a']],
    [
      'a Job and its pod count once',
      [{ metadata: meta('a'), status: {} }],
      [{ metadata: meta('a'), status: { phase: 'Pending' } }],
      ['a'],
    ],
    ['an ended pod', [], [{ metadata: meta('a'), status: { phase: 'Failed' } }], []],
  ])('%s', (_what, jobs, pods, uids) => {
    const slots = runningSlots(jobs as never, pods as never, () => undefined);
    expect(slots.map((s) => s.uid)).toEqual(uids);
    for (const slot of slots) {
      expect(slot).toMatchObject({ group: 'ns/m', sourceHost: 'src.x', destinationHost: 'dst.y', key: 'ns/a' });
    }
  });
});

/** A source whose version moves with every change of its cache, as the controller's informer-backed one. */
function versionedGate(caps: { maxRunning?: number; maxRunningPerHost?: number }) {
  const cache: RunningSlot[] = [];
  let version = 1;
  const admission = new Admission(
    caps,
    { running: () => [...cache], hasJob: () => false, groupCaps: () => undefined, version: () => version },
    () => {},
  );
  const change = (fn: () => void) => {
    fn();
    version++;
  };
  const decisions = () => vi.mocked(decideAdmission).mock.calls.length;
  return { admission, cache, change, decisions };
}

describe('the run-slot gate with a versioned source', () => {
  it('answers a thousand queued MailSyncs asking again from one decision while nothing changed', () => {
    const { admission, decisions } = versionedGate({ maxRunning: 1 });
    const waiting = Array.from({ length: 1000 }, (_, i) => candidate(`k${i}`, i, 'ns/m'));
    expect(admission.request(waiting[0]!).admitted).toBe(true);
    for (const c of waiting.slice(1)) admission.request(c);
    const afterQueueing = decisions();
    // Every one asks again (a re-list re-queued them all): same answers, no new decision.
    const again = waiting.slice(1).map((c) => admission.request(c));
    expect(decisions()).toBe(afterQueueing);
    expect(again.map((a) => (a.admitted ? 0 : a.position))).toEqual(waiting.slice(1).map((_, i) => i + 1));
  });

  it('decides afresh after any input changed: the cache, the waiting set, a reservation', () => {
    const { admission, cache, change, decisions } = versionedGate({ maxRunning: 1 });
    const [a, b, c] = [candidate('a', 1, 'ns/m'), candidate('b', 2, 'ns/m'), candidate('c', 3, 'ns/m')];
    expect(admission.request(a).admitted).toBe(true);
    change(() => cache.push({ ...a }));
    expect(admission.request(b)).toMatchObject({ admitted: false, position: 1 });
    // a newcomer joins the line behind b
    expect(admission.request(c)).toMatchObject({ admitted: false, position: 2 });
    // b gives up its place (deleted): c is next
    admission.forget('b');
    let before = decisions();
    expect(admission.request(c)).toMatchObject({ admitted: false, position: 1 });
    expect(decisions()).toBeGreaterThan(before);
    // a's run ends (the cache changes): c may start
    change(() => cache.splice(0));
    expect(admission.request(c).admitted).toBe(true);
    // c's reservation holds the slot: b, back in line, waits behind it
    before = decisions();
    expect(admission.request(b)).toMatchObject({ admitted: false, position: 1 });
    expect(decisions()).toBeGreaterThan(before);
    // c's Job could not be made: its slot is free again at once
    admission.release(c.uid);
    expect(admission.request(b).admitted).toBe(true);
  });
});

describe('a packed run (batch Job) from the caches', () => {
  function batch() {
    const child = (name: string) => {
      const ms = mailSync({ name, spec: { source: { ...mailSync().spec.source, user: name } } });
      ms.metadata.uid = `uid-${name}`;
      ms.metadata.labels = { 'mailsync.io/migration': 'acme' };
      ms.metadata.ownerReferences = [
        { apiVersion: 'mailsync.io/v1alpha1', kind: 'MailMigration', name: 'acme', uid: 'uid-acme', controller: true },
      ];
      return ms;
    };
    const members = [child('ann'), child('bob')];
    const built = buildBatchJob({
      jobName: 'acme-b-0123456789',
      entries: members.map((ms) => ({
        mailSync: ms,
        pairHash: pairHash(ms.spec),
        configMapName: configMapName(ms.metadata.name!),
      })),
      owner: members[0]!.metadata.ownerReferences![0]!,
      worker: WORKER,
    });
    const job = { ...built, metadata: { ...built.metadata, uid: 'uid-batch' }, status: { active: 1 } };
    const jobs = { list: () => [job], version: 1 };
    const source = new CachedRunningSource(
      jobs as never,
      { list: () => [], version: 1 } as never,
      { caps: () => undefined, version: 0 } as never,
      () => undefined,
    );
    return { source, jobs };
  }

  it('each member holds a slot while its account runs; one whose account ended frees its own', () => {
    const { source } = batch();
    expect(source.running().map((s) => s.uid)).toEqual(['uid-ann', 'uid-bob']);
    const before = source.version();
    source.memberEnded('uid-batch', 'uid-ann');
    expect(source.version()).not.toBe(before);
    expect(source.running().map((s) => s.uid)).toEqual(['uid-bob']);
    // The same member again changes nothing.
    const after = source.version();
    source.memberEnded('uid-batch', 'uid-ann');
    expect(source.version()).toBe(after);
  });

  it('the freed slot goes to a waiting sync at once (the gate decides again)', async () => {
    vi.useFakeTimers();
    const { source } = batch();
    const enqueued: string[] = [];
    const admission = new Admission({ maxRunning: 2 }, source, (key) => enqueued.push(key));
    expect(admission.request(candidate('cid', 1)).admitted).toBe(false);
    admission.memberEnded('uid-batch', 'uid-ann');
    await vi.advanceTimersByTimeAsync(500);
    expect(enqueued).toEqual(['cid']);
    expect(admission.request(candidate('cid', 1)).admitted).toBe(true);
  });
});
