import { describe, expect, it } from 'vitest';
import { MessageList } from '../../src/sync/message-list.js';
import { type FolderPlan, type PlanOptions, planFolder } from '../../src/sync/plan.js';
import type { MessageMeta } from '../../src/sync/types.js';

const now = new Date('2024-06-01T00:00:00Z');
const DAY = 86_400_000;

function msg(uid: number, identity: string, extra: Partial<MessageMeta> = {}): MessageMeta {
  return { uid, identity, size: 1000, internalDate: new Date(now.getTime() - 10 * DAY), flags: [], ...extra };
}

const defaults: PlanOptions = { syncFlags: true, deleteOnDestination: false, now };

/** The plan of two compact lists made from `source` and `destination`, its copies as MessageMeta objects. */
type Plan = Omit<FolderPlan, 'copy'> & { copy: MessageMeta[] };

function plan(source: MessageMeta[], destination: MessageMeta[], options: Partial<PlanOptions> = {}): Plan {
  const result = planFolder(MessageList.of(source), MessageList.of(destination), { ...defaults, ...options });
  return { ...result, copy: [...result.copy] };
}

const uids = (messages: MessageMeta[]) => messages.map((message) => message.uid);

/** What the destination looks like after appending the plan's copies (new UIDs after the highest). */
function applyCopies(destination: MessageMeta[], result: Plan): MessageMeta[] {
  let next = Math.max(0, ...destination.map((m) => m.uid)) + 1;
  return [...destination, ...result.copy.map((m) => ({ ...m, uid: next++ }))];
}

describe('planFolder: copies', () => {
  it('copies everything into an empty destination, in source UID order', () => {
    const result = plan([msg(3, 'c'), msg(1, 'a'), msg(2, 'b')], []);
    expect(uids(result.copy)).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ alreadyPresent: 0, duplicates: 0, filteredOut: 0 });
  });

  it('copies only what is missing, and nothing on a re-run', () => {
    const source = [msg(1, 'a'), msg(2, 'b'), msg(3, 'c')];
    const first = plan(source, [msg(10, 'b')]);
    expect(uids(first.copy)).toEqual([1, 3]);
    expect(first.alreadyPresent).toBe(1);
    const second = plan(source, applyCopies([msg(10, 'b')], first));
    expect(second.copy).toEqual([]);
    expect(second.alreadyPresent).toBe(3);
  });

  it('respects duplicates as a multiset: k source copies and j destination copies give k - j copies', () => {
    const source = [msg(1, 'x'), msg(2, 'x'), msg(3, 'x'), msg(4, 'y')];
    const result = plan(source, [msg(7, 'x')]);
    expect(uids(result.copy)).toEqual([2, 3, 4]);
    expect(result.alreadyPresent).toBe(1);
    expect(result.duplicates).toBe(0);
    const rerun = plan(source, applyCopies([msg(7, 'x')], result));
    expect(rerun.copy).toEqual([]);
    expect(rerun.alreadyPresent).toBe(4);
    expect(rerun.duplicates).toBe(2);
  });

  it('copies nothing when the destination already has more copies', () => {
    const result = plan([msg(1, 'x')], [msg(1, 'x'), msg(2, 'x')]);
    expect(result.copy).toEqual([]);
    expect(result.deleteOnDestination).toEqual([]);
  });

  it('every source message is in exactly one of copy, alreadyPresent and filteredOut', () => {
    const source = [
      msg(1, 'a'),
      msg(2, 'a'),
      msg(3, 'b', { size: 10 ** 7 }),
      msg(4, 'c', { size: 10 ** 7 }),
      msg(5, 'd'),
      msg(6, 'd'),
      msg(7, 'd'),
    ];
    const destination = [msg(1, 'a'), msg(2, 'c'), msg(3, 'd'), msg(4, 'z')];
    const result = plan(source, destination, { filters: { maxSize: 10 ** 6 } });
    expect(result.copy.length + result.alreadyPresent + result.filteredOut).toBe(source.length);
    expect(uids(result.copy)).toEqual([2, 6, 7]);
    expect(result.filteredOut).toBe(1);
  });
});

describe('planFolder: flags', () => {
  it('updates the flags of destination twins, paired in UID order', () => {
    const source = [msg(1, 'x', { flags: ['\\Seen'] }), msg(2, 'x', { flags: ['\\Flagged'] }), msg(3, 'y')];
    const destination = [msg(20, 'x', { flags: ['\\Flagged'] }), msg(10, 'x', { flags: ['\\Seen'] }), msg(30, 'y')];
    const result = plan(source, destination);
    // source uid 1 (\Seen) pairs with destination uid 10 (\Seen): nothing; uid 2 (\Flagged) with uid 20 (\Flagged): nothing
    expect(result.flagUpdates).toEqual([]);
    // pairing by UID order, not by list order: swapping the flags gives two updates
    const swapped = plan(source, [msg(20, 'x', { flags: ['\\Seen'] }), msg(10, 'x', { flags: ['\\Flagged'] })]);
    expect(swapped.flagUpdates).toEqual([
      { destinationUid: 10, add: ['\\Seen'], remove: ['\\Flagged'] },
      { destinationUid: 20, add: ['\\Flagged'], remove: ['\\Seen'] },
    ]);
  });

  it('propagates added and removed flags and keywords', () => {
    const source = [msg(1, 'a', { flags: ['\\Seen', '$Work'] }), msg(2, 'b', { flags: [] })];
    const destination = [msg(5, 'a', { flags: ['\\Recent'] }), msg(6, 'b', { flags: ['\\Seen', 'Old'] })];
    expect(plan(source, destination).flagUpdates).toEqual([
      { destinationUid: 5, add: ['\\Seen', '$Work'], remove: [] },
      { destinationUid: 6, add: [], remove: ['\\Seen', 'Old'] },
    ]);
  });

  it('filters keywords by the destination PERMANENTFLAGS', () => {
    const source = [msg(1, 'a', { flags: ['\\Seen', '$Work'] })];
    const destination = [msg(5, 'a', { flags: [] })];
    expect(plan(source, destination, { destinationPermanentFlags: ['\\Seen'] }).flagUpdates).toEqual([
      { destinationUid: 5, add: ['\\Seen'], remove: [] },
    ]);
  });

  it('changes no flags when syncFlags is off', () => {
    const result = plan([msg(1, 'a', { flags: ['\\Seen'] })], [msg(5, 'a')], { syncFlags: false });
    expect(result.flagUpdates).toEqual([]);
  });

  it('leaves the flags of a filtered message alone', () => {
    const source = [msg(1, 'a', { flags: ['\\Seen'], size: 5000 })];
    const result = plan(source, [msg(5, 'a')], { filters: { maxSize: 100 } });
    expect(result.flagUpdates).toEqual([]);
    expect(result.alreadyPresent).toBe(1);
    expect(result.filteredOut).toBe(0);
  });
});

describe('planFolder: deleteOnDestination', () => {
  it('deletes destination messages absent from the source and extra copies', () => {
    const source = [msg(1, 'a'), msg(2, 'b'), msg(3, 'b')];
    const destination = [msg(10, 'a'), msg(11, 'a'), msg(12, 'gone'), msg(13, 'b'), msg(14, 'gone')];
    const result = plan(source, destination, { deleteOnDestination: true });
    expect(result.deleteOnDestination).toEqual([11, 12, 14]);
    expect(uids(result.copy)).toEqual([3]);
  });

  it('deletes nothing without the option', () => {
    expect(plan([], [msg(1, 'a')]).deleteOnDestination).toEqual([]);
  });

  it('does not delete the twins of filtered source messages', () => {
    const source = [msg(1, 'big', { size: 10 ** 7 }), msg(2, 'old', { internalDate: new Date(0) }), msg(3, 'ok')];
    const destination = [msg(10, 'big'), msg(11, 'old'), msg(12, 'ok'), msg(13, 'stray')];
    const result = plan(source, destination, {
      deleteOnDestination: true,
      filters: { maxSize: 10 ** 6, maxAgeDays: 365 },
    });
    expect(result.deleteOnDestination).toEqual([13]);
    expect(result.copy).toEqual([]);
    expect(result.alreadyPresent).toBe(3);
  });

  it('pairs twins with copies that pass the filters first, so a filtered copy never causes a re-copy', () => {
    // Two copies of one message: the first is filtered out, the second was copied by an earlier run.
    const source = [msg(1, 'x', { size: 10 ** 7 }), msg(2, 'x', { size: 10 })];
    const first = plan(source, [], { filters: { maxSize: 100 } });
    expect(uids(first.copy)).toEqual([2]);
    expect(first.filteredOut).toBe(1);
    const rerun = plan(source, applyCopies([], first), { filters: { maxSize: 100 }, deleteOnDestination: true });
    expect(rerun.copy).toEqual([]);
    expect(rerun.deleteOnDestination).toEqual([]);
    expect(rerun.filteredOut).toBe(1);
  });
});

describe('planFolder: filters', () => {
  it('does not copy filtered messages and counts them', () => {
    const source = [
      msg(1, 'small', { size: 5 }),
      msg(2, 'big', { size: 5000 }),
      msg(3, 'old', { internalDate: new Date(now.getTime() - 100 * DAY) }),
      msg(4, 'new', { internalDate: new Date(now.getTime() - DAY / 2) }),
      msg(5, 'ok'),
    ];
    const result = plan(source, [], { filters: { minSize: 10, maxSize: 4000, maxAgeDays: 30, minAgeDays: 1 } });
    expect(uids(result.copy)).toEqual([5]);
    expect(result.filteredOut).toBe(4);
  });
});
