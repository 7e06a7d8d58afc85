/**
 * The log of a batch pod split by account: each member's RunLog gets the
 * lines naming it, a summary without an account (the batch could not read
 * its list) is every member's, the batch's other lines are no member's;
 * each member resumes from its own position, the log is requested from the
 * earliest. Pure.
 */
import { describe, expect, it } from 'vitest';
import { BatchRunLog } from '../../../src/controller/batch-run-log.js';
import type { RunLogInit } from '../../../src/controller/run-log.js';
import { folderLine, logLine, progressLine, summary, summaryLine } from './fixtures.js';

const POD = 'batch-1';
const at = (second: number, fraction = '') => `2026-01-01T00:00:${String(second).padStart(2, '0')}${fraction}Z`;
/** `raw` as written by the engine of account `id`. */
const of = (id: unknown, raw: string) => raw.replace(' {', ` {"account":${JSON.stringify(id)},`);
const folder = (id: string, second: number, name: string, fraction = '') =>
  of(id, folderLine(at(second, fraction), name, second));

function batch(members: Array<{ id: string; resume?: RunLogInit }> = [{ id: 'a' }, { id: 'b' }]) {
  const log = new BatchRunLog(members);
  log.beginPod(POD);
  return log;
}
const tail = (log: BatchRunLog, id: string) => log.member(id)?.snapshot().logTail ?? [];

describe('routing by account', () => {
  it.each([
    { name: 'an account’s line goes to it', line: folder('a', 1, 'INBOX'), to: ['a'] },
    { name: 'the other account’s line to the other', line: folder('b', 1, 'Sent'), to: ['b'] },
    { name: 'an account not in the batch: ignored', line: folder('z', 1, 'INBOX'), to: [] },
    { name: 'an account that is no id: ignored', line: of(7, folderLine(at(1), 'INBOX', 1)), to: [] },
    { name: 'the batch’s own line: ignored', line: logLine(at(1), { msg: 'batch of 2 accounts' }), to: [] },
    { name: 'an event without account: ignored', line: folderLine(at(1), 'INBOX', 1), to: [] },
    { name: 'a line that is not JSON: ignored', line: `${at(1)} Segmentation fault`, to: [] },
    { name: 'a line without timestamp: ignored', line: '{"account":"a","msg":"x"}', to: [] },
  ])('$name', ({ line, to }) => {
    const log = batch();
    expect(log.apply(line)).toBe(to.length > 0);
    for (const id of log.ids) expect(tail(log, id)).toHaveLength(to.includes(id) ? 1 : 0);
    expect(log.takeChanged()).toEqual(to);
  });

  it('progress and summary are each account’s own', () => {
    const log = batch();
    log.apply(of('a', progressLine(at(1), 5, 10)));
    log.apply(of('b', progressLine(at(1), 7, 70)));
    log.apply(of('b', summaryLine(at(2), summary({ messagesTransferred: 70 }))));
    expect(log.member('a')?.snapshot().progress).toMatchObject({ messagesCopied: 5, messagesTotal: 10 });
    expect(log.member('a')?.summary).toBeUndefined();
    expect(log.member('b')?.summary).toMatchObject({ messagesTransferred: 70 });
  });

  it('a summary without account (the list was unreadable) is every member’s', () => {
    const log = batch();
    const failed = summary({ verdict: 'failed', reason: 'InvalidConfiguration', exitCode: 2, messagesTransferred: 0 });
    expect(log.apply(summaryLine(at(1), failed))).toBe(true);
    for (const id of ['a', 'b']) {
      expect(log.member(id)?.summary).toMatchObject({ reason: 'InvalidConfiguration', exitCode: 2 });
      expect(tail(log, id).at(-1)).toMatch(/^Verdict: failed/);
    }
    expect(log.takeChanged()).toEqual(['a', 'b']);
  });
});

describe('resuming', () => {
  const position = (timestamp: string, pod = POD) => ({ position: { pod, timestamp, linesAtTimestamp: 1 } });
  it.each([
    { name: 'the earliest of the members’ seconds', a: position(at(5, '.1')), b: position(at(3, '.9')), since: at(3) },
    {
      name: 'whatever the zone the timestamps are written in',
      a: position('2026-01-01T01:00:05+01:00'),
      b: position(at(7)),
      since: at(5),
    },
    { name: 'a member without position: from the start', a: position(at(5)), b: undefined, since: undefined },
    {
      name: 'a position in an earlier pod: from the start',
      a: position(at(5)),
      b: position(at(2), 'batch-0'),
      since: undefined,
    },
  ])('the log is requested from $name', ({ a, b, since }) => {
    const log = new BatchRunLog([
      { id: 'a', resume: a },
      { id: 'b', ...(b ? { resume: b } : {}) },
    ]);
    expect(log.beginPod(POD)).toBe(since);
    expect(log.pod).toBe(POD);
  });

  it('a resumed member skips its own applied lines; a member starting fresh gets all of its lines', () => {
    const log = new BatchRunLog([
      { id: 'a', resume: { logTail: ['INBOX (from status)', 'Sent (from status)'], ...position(at(2)) } },
      { id: 'b' },
    ]);
    expect(log.beginPod(POD)).toBeUndefined();
    const lines = [
      folder('a', 1, 'INBOX'),
      folder('b', 1, 'b-INBOX'),
      folder('a', 2, 'Sent'),
      folder('b', 2, 'b-Sent'),
      folder('a', 2, 'Drafts'),
      folder('a', 3, 'Trash'),
    ];
    expect(lines.map((line) => log.apply(line))).toEqual([false, true, false, true, true, true]);
    expect(tail(log, 'a')).toEqual([
      'INBOX (from status)',
      'Sent (from status)',
      expect.stringContaining('Drafts'),
      expect.stringContaining('Trash'),
    ]);
    expect(tail(log, 'b')).toEqual([expect.stringContaining('b-INBOX'), expect.stringContaining('b-Sent')]);
    expect(log.member('a')?.snapshot().logStream).toEqual({ pod: POD, timestamp: at(3), linesAtTimestamp: 1 });
  });

  it('lines of another member in the same second do not count against a member’s position', () => {
    // Each applied its one line at 2.5 (b's came first); a second line of a at 2.5 follows.
    const log = new BatchRunLog([
      { id: 'a', resume: position(at(2, '.5')) },
      { id: 'b', resume: position(at(2, '.5')) },
    ]);
    expect(log.beginPod(POD)).toBe(at(2));
    expect(log.apply(folder('b', 2, 'b-INBOX', '.5'))).toBe(false);
    expect(log.apply(folder('a', 2, 'INBOX', '.5'))).toBe(false);
    expect(log.apply(folder('a', 2, 'Sent', '.5'))).toBe(true);
    expect(tail(log, 'a')).toEqual([expect.stringContaining('Sent')]);
    expect(tail(log, 'b')).toEqual([]);
  });
});

describe('changes and the end', () => {
  it('takeChanged names each changed member once and forgets them', () => {
    const log = batch([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    log.apply(folder('c', 1, 'INBOX'));
    log.apply(folder('a', 1, 'INBOX'));
    log.apply(folder('c', 2, 'Sent'));
    expect(log.takeChanged()).toEqual(['c', 'a']);
    expect(log.takeChanged()).toEqual([]);
    log.note('--- log stream lost ---');
    expect(log.takeChanged()).toEqual(['a', 'b', 'c']);
    log.markDone();
    expect(log.takeChanged()).toEqual(['a', 'b', 'c']);
  });

  it('done only once every member is done', () => {
    const log = batch();
    log.member('a')?.markDone();
    expect(log.done).toBe(false);
    log.member('b')?.markDone();
    expect(log.done).toBe(true);
  });

  it('markDone and note reach every member', () => {
    const log = batch();
    log.apply(folder('a', 1, 'INBOX'));
    log.note('--- worker pod gone ---');
    log.markDone();
    expect(log.done).toBe(true);
    for (const id of ['a', 'b']) {
      expect(tail(log, id).at(-1)).toBe('--- worker pod gone ---');
      expect(log.member(id)?.snapshot().logStream).toMatchObject({ pod: POD, done: true });
    }
  });

  it('hasLinesOf: once any member has a line of the pod', () => {
    const log = batch();
    log.apply(logLine(at(1), { msg: 'batch of 2 accounts' }));
    expect(log.hasLinesOf(POD)).toBe(false);
    log.apply(folder('b', 1, 'INBOX'));
    expect(log.hasLinesOf(POD)).toBe(true);
    expect(log.hasLinesOf('batch-0')).toBe(false);
  });

  it('a member that is not in the batch is undefined; ids lists the members in order', () => {
    const log = batch([{ id: 'b' }, { id: 'a' }]);
    expect(log.ids).toEqual(['b', 'a']);
    expect(log.member('z')).toBeUndefined();
    expect(() => new BatchRunLog([])).toThrow(/at least one account/);
  });
});
