/**
 * The engine's pure pieces: the delta decision (state.ts), presence as a
 * multiset (verification.ts), copy batching, reconnect classification and
 * retry, the run-stop switch and abort races, progress figures.
 */
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { applyDefaults } from '../../src/api/spec-defaults.js';
import { abortSignalName, RunStop, raceAbort, SignalAbortedError, sleep } from '../../src/sync/abort.js';
import { batchesOf } from '../../src/sync/copy.js';
import { AuthError, ConnectError, TlsError } from '../../src/sync/errors.js';
import { identityDigest, MessageList } from '../../src/sync/message-list.js';
import { backoffDelay, isConnectionLoss, withReconnect } from '../../src/sync/reconnect.js';
import { Reporter } from '../../src/sync/reporter.js';
import {
  adoptState,
  deltaAllowed,
  emptyState,
  type FolderState,
  folderUnchanged,
  type SideState,
  stateFingerprint,
} from '../../src/sync/state.js';
import type { MessageMeta } from '../../src/sync/types.js';
import { changedOnDestination, missingOnDestination, sourceUidsSafeToDelete } from '../../src/sync/verification.js';

const endpoint = { host: 'imap.example', user: 'joe' };
const side = (over: Partial<SideState> = {}): SideState => ({
  uidValidity: '17',
  uidNext: 100,
  messages: 42,
  highestModseq: '900',
  ...over,
});
const folder = (over: Partial<FolderState> = {}): FolderState => ({
  destinationFolder: 'INBOX',
  source: side(),
  destination: side({ uidValidity: '3', uidNext: 50 }),
  ...over,
});
const list = (messages: MessageMeta[]) => MessageList.of(messages);
const meta = (uid: number, identity: string, size = 100): MessageMeta => ({
  uid,
  identity,
  size,
  flags: [],
  internalDate: new Date(0),
});

describe('delta state', () => {
  const flags = { syncFlags: true };
  test('unchanged only when both sides match the recorded STATUS exactly', () => {
    const previous = folder();
    const now = { source: side(), destination: side({ uidValidity: '3', uidNext: 50 }) };
    expect(folderUnchanged(previous, 'INBOX', now, flags)).toBe(true);
    for (const change of [
      { uidValidity: '18' },
      { uidNext: 101 },
      { messages: 41 },
      { highestModseq: '901' },
    ] as Partial<SideState>[]) {
      expect(folderUnchanged(previous, 'INBOX', { ...now, source: side(change) }, flags)).toBe(false);
    }
    expect(folderUnchanged(previous, 'Elsewhere', now, flags)).toBe(false);
    expect(folderUnchanged(undefined, 'INBOX', now, flags)).toBe(false);
    expect(folderUnchanged(previous, 'INBOX', { source: now.source }, flags)).toBe(false);
  });

  test('without CONDSTORE a flag change is invisible: a doubt when flags are synced', () => {
    const noModseq = side({ highestModseq: undefined });
    const previous = folder({ source: noModseq, destination: noModseq });
    const now = { source: noModseq, destination: noModseq };
    expect(folderUnchanged(previous, 'INBOX', now, { syncFlags: true })).toBe(false);
    expect(folderUnchanged(previous, 'INBOX', now, { syncFlags: false })).toBe(true);
  });

  test('a state from other options, another version or garbage is dropped; bad entries are skipped', () => {
    const spec = applyDefaults({ source: endpoint, destination: endpoint });
    const fingerprint = stateFingerprint(spec);
    const good = { ...emptyState(fingerprint), folders: { INBOX: folder(), Bad: { destinationFolder: 1 } } };
    expect(Object.keys(adoptState(good, fingerprint).folders)).toEqual(['INBOX']);
    expect(adoptState(good, 'other').folders).toEqual({});
    expect(adoptState({ ...good, version: 2 }, fingerprint).folders).toEqual({});
    expect(adoptState('junk', fingerprint).folders).toEqual({});
    const otherFilters = applyDefaults({ source: endpoint, destination: endpoint, filters: { maxSize: 10 } });
    expect(stateFingerprint(otherFilters)).not.toBe(fingerprint);
  });

  test('age filters disable the shortcut (time alone changes what they select)', () => {
    expect(deltaAllowed(applyDefaults({ source: endpoint, destination: endpoint }))).toBe(true);
    expect(deltaAllowed(applyDefaults({ source: endpoint, destination: endpoint, filters: { minAgeDays: 1 } }))).toBe(
      false,
    );
  });
});

describe('presence as a multiset', () => {
  test('k source copies need k destination copies', () => {
    const source = [meta(1, 'a'), meta(2, 'a'), meta(3, 'a'), meta(4, 'b')];
    expect(missingOnDestination(list(source), list([meta(9, 'a'), meta(10, 'b')]))).toEqual([2, 3]);
    expect(
      missingOnDestination(list(source), list([meta(9, 'a'), meta(10, 'a'), meta(11, 'a'), meta(12, 'b')])),
    ).toEqual([]);
    // Only the expected source messages count (those filtered out or vanished are not expected).
    expect(missingOnDestination(list(source), list([meta(10, 'b')]), (index) => index !== 1)).toEqual([1, 3]);
  });

  test('a move deletes only source copies proven on the destination', () => {
    const source = [meta(1, 'a'), meta(2, 'a'), meta(3, 'c')];
    expect(sourceUidsSafeToDelete(list(source), list([meta(7, 'a'), meta(8, 'b')]))).toEqual([1]);
    expect(sourceUidsSafeToDelete(list(source), list([meta(7, 'a'), meta(8, 'a')]), (i) => i !== 0)).toEqual([2]);
    expect(sourceUidsSafeToDelete(list(source), list([]))).toEqual([]);
  });

  test('twins whose 8-bit header bytes differ are changed by the server; missing ones are not counted', () => {
    const eightBit = (text: string) => Buffer.from(text.padEnd(16, '.'));
    const withBytes = (entries: Array<[number, string, string?]>) => {
      const messages = new MessageList();
      for (const [uid, identity, bytes] of entries) {
        messages.push(uid, 100, 0, [], identityDigest(identity), bytes === undefined ? undefined : eightBit(bytes));
      }
      return messages;
    };
    const source = withBytes([
      [1, 'a', 'raw a'],
      [2, 'b'],
      [3, 'c', 'raw c'],
      [4, 'd', 'raw d'],
      [5, 'e', 'raw e'],
    ]);
    const destination = withBytes([
      [11, 'a'], // 8-bit bytes gone (munge8bit): changed
      [12, 'b'], // ASCII on both sides
      [13, 'c', 'raw c'], // the same bytes
      [14, 'd', 'other d'], // other 8-bit bytes: changed
    ]);
    expect(changedOnDestination(source, destination)).toEqual([1, 4]);
    expect(missingOnDestination(source, destination)).toEqual([5]);
    expect(changedOnDestination(source, destination, (index) => index !== 0)).toEqual([4]);
    // A twin kept by pushFrom (a refreshed listing) keeps its 8-bit digest.
    const refreshed = new MessageList();
    for (let i = 0; i < destination.length; i++) refreshed.pushFrom(destination, i);
    expect(changedOnDestination(source, refreshed)).toEqual([1, 4]);
  });
});

describe('copy batches', () => {
  test('bounded by count and bytes; a message bigger than a batch travels alone', () => {
    const messages = [meta(1, 'a', 10), meta(2, 'b', 10), meta(3, 'c', 10), meta(4, 'd', 500), meta(5, 'e', 10)];
    expect([...batchesOf(messages, 2, 100)].map((b) => b.map((m) => m.uid))).toEqual([[1, 2], [3], [4], [5]]);
    expect([...batchesOf([], 2, 100)]).toEqual([]);
  });
});

describe('reconnect', () => {
  test('lost connections are retried; credentials and certificates are not', () => {
    expect(isConnectionLoss(new ConnectError('refused', { side: 'source' }))).toBe(true);
    expect(isConnectionLoss(Object.assign(new Error('gone'), { code: 'NoConnection' }))).toBe(true);
    expect(isConnectionLoss(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'EPIPE' }) }))).toBe(
      true,
    );
    expect(isConnectionLoss(new Error('NO [TRYCREATE] no such folder'))).toBe(false);
    expect(isConnectionLoss(new Error('anything'), true)).toBe(true);
    expect(isConnectionLoss(new AuthError('refused', { side: 'source' }), true)).toBe(false);
    expect(isConnectionLoss(new TlsError('unknown CA', { side: 'destination' }), true)).toBe(false);
  });

  test('backoff grows exponentially up to the cap (with jitter)', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy)).toBeGreaterThanOrEqual(75);
    expect(backoffDelay(1, policy)).toBeLessThanOrEqual(125);
    expect(backoffDelay(3, policy)).toBeGreaterThanOrEqual(300);
    expect(backoffDelay(10, policy)).toBeLessThanOrEqual(1250);
  });

  test('withReconnect retries a lost connection, then gives up after maxAttempts', async () => {
    const signal = new AbortController().signal;
    const policy = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 };
    const retries: number[] = [];
    let calls = 0;
    const result = await withReconnect(
      async () => {
        calls += 1;
        if (calls < 3) throw new ConnectError('dropped', { side: 'source' });
        return 'done';
      },
      { signal, policy, isRetryable: (e) => isConnectionLoss(e), beforeRetry: (n) => void retries.push(n) },
    );
    expect(result).toBe('done');
    expect(retries).toEqual([1, 2]);
    await expect(
      withReconnect(
        async () => {
          throw new ConnectError('dropped', { side: 'source' });
        },
        { signal, policy, isRetryable: () => true, beforeRetry: () => {} },
      ),
    ).rejects.toBeInstanceOf(ConnectError);
  });
});

describe('stopping', () => {
  test('an abort wins over other stop reasons; the first other reason sticks', () => {
    const controller = new AbortController();
    const stop = new RunStop(controller.signal);
    expect(stop.stopped).toBe(false);
    stop.stop('ByteCapReached');
    stop.stop('ErrorBudgetExceeded');
    expect(stop.reason).toBe('ByteCapReached');
    controller.abort(new SignalAbortedError('SIGTERM'));
    expect(stop.reason).toBe('Aborted');
    expect(abortSignalName(controller.signal)).toBe('SIGTERM');
  });

  test('raceAbort and sleep give up as soon as the signal fires', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const raced = raceAbort(never, controller.signal);
    const slept = sleep(60_000, controller.signal);
    controller.abort(new SignalAbortedError('SIGINT'));
    await expect(raced).rejects.toBeInstanceOf(SignalAbortedError);
    await expect(slept).rejects.toBeInstanceOf(SignalAbortedError);
    await expect(raceAbort(Promise.resolve(1), new AbortController().signal)).resolves.toBe(1);
  });
});

describe('progress', () => {
  test('rates and ETA from the counters', () => {
    const reporter = new Reporter(pino({ enabled: false }));
    reporter.counters.messagesTotal = 10;
    expect(reporter.progress().etaSeconds).toBeUndefined();
    reporter.transferred(100);
    reporter.transferred(300);
    reporter.counters.messagesSkipped = 8;
    const progress = reporter.progress();
    expect(progress).toMatchObject({ messagesCopied: 2, messagesSkipped: 8, bytesCopied: 400, etaSeconds: 0 });
    expect(reporter.counters.biggestMessageBytes).toBe(300);
  });
});
