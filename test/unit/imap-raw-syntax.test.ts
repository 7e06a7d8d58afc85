import { describe, expect, it } from 'vitest';
import { appendedUids, failureFromAnswer } from '../../src/sync/imap-raw/append-results.js';
import {
  appendableFlags,
  formatInternalDate,
  isQuotable,
  parseUidSet,
  quoteString,
} from '../../src/sync/imap-raw/imap-syntax.js';
import { splitBatches } from '../../src/sync/imap-raw/split-batches.js';
import { saslPlainResponse, xoauth2Response } from '../../src/sync/sasl.js';

describe('formatInternalDate', () => {
  it('writes dd-Mon-yyyy hh:mm:ss +0000 in UTC', () => {
    expect(formatInternalDate(new Date('2024-03-05T07:08:09.999Z'))).toBe('05-Mar-2024 07:08:09 +0000');
    expect(formatInternalDate(new Date('1999-12-31T23:59:59+02:00'))).toBe('31-Dec-1999 21:59:59 +0000');
  });
  it('refuses an invalid date', () => {
    expect(() => formatInternalDate(new Date('nope'))).toThrow(RangeError);
  });
});

describe('strings', () => {
  it('quotes 7-bit strings, escaping quote and backslash', () => {
    expect(quoteString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(isQuotable('pässword')).toBe(false);
    expect(isQuotable('line\r\nbreak')).toBe(false);
    expect(() => quoteString('ü')).toThrow();
  });
});

describe('appendableFlags', () => {
  it('keeps system flags and keywords, drops \\Recent silently and non-atoms loudly, dedupes', () => {
    expect(
      appendableFlags(['\\Seen', '\\Recent', '$Label1', 'Junk', '\\seen', 'bad flag', 'br(ace', 'ümlaut']),
    ).toEqual({ flags: ['\\Seen', '$Label1', 'Junk'], dropped: ['bad flag', 'br(ace', 'ümlaut'] });
  });
});

describe('uid sets', () => {
  it('expands ranges and lists in order', () => {
    expect(parseUidSet('101:103,110')).toEqual([101, 102, 103, 110]);
    expect(parseUidSet('7')).toEqual([7]);
    expect(parseUidSet('5:3')).toEqual([3, 4, 5]);
    expect(() => parseUidSet('0')).toThrow();
    expect(() => parseUidSet('a:b')).toThrow();
  });

  it('maps APPENDUID onto the appended messages only when the count matches', () => {
    const ok = { status: 'OK' as const, code: { name: 'APPENDUID', args: '1700 10:12' }, text: 'done' };
    expect(appendedUids(ok, 3)).toEqual([10, 11, 12]);
    expect(appendedUids(ok, 2)).toEqual([undefined, undefined]);
    expect(appendedUids({ status: 'OK', text: 'done' }, 1)).toEqual([undefined]);
  });

  it('classifies refusals by response code', () => {
    const no = (name?: string) =>
      failureFromAnswer({ status: 'NO', code: name ? { name, args: '' } : undefined, text: 'x' });
    expect(no('TOOBIG')).toMatchObject({ ok: false, reason: 'TooBig' });
    expect(no('TRYCREATE')).toMatchObject({ reason: 'TryCreate', text: 'NO [TRYCREATE] x' });
    expect(no('OVERQUOTA')).toMatchObject({ reason: 'OverQuota' });
    expect(no()).toMatchObject({ reason: 'Rejected' });
    expect(failureFromAnswer({ status: 'BAD', text: 'syntax' })).toMatchObject({ reason: 'BadCommand' });
  });
});

describe('sasl (fallback)', () => {
  it('PLAIN, with and without an authorization identity', () => {
    expect(Buffer.from(saslPlainResponse('', 'alice', 'pw'), 'base64').toString()).toBe('\0alice\0pw');
    expect(Buffer.from(saslPlainResponse('alice', 'admin', 'pw'), 'base64').toString()).toBe('alice\0admin\0pw');
  });
  it('XOAUTH2', () => {
    expect(Buffer.from(xoauth2Response('a@b', 'tok'), 'base64').toString()).toBe('user=a@b\x01auth=Bearer tok\x01\x01');
  });
});

describe('splitBatches', () => {
  const m = (size: number) => ({ raw: Buffer.alloc(size) });
  it('bounds by count and bytes; an oversized message travels alone', () => {
    const sizes = (batches: { raw: Buffer }[][]) => batches.map((b) => b.map((x) => x.raw.length));
    expect(sizes(splitBatches([m(1), m(1), m(1), m(1), m(1)], { maxMessages: 2, maxBytes: 100 }))).toEqual([
      [1, 1],
      [1, 1],
      [1],
    ]);
    expect(sizes(splitBatches([m(40), m(40), m(40), m(500), m(10)], { maxMessages: 50, maxBytes: 100 }))).toEqual([
      [40, 40],
      [40],
      [500],
      [10],
    ]);
    expect(splitBatches([], { maxMessages: 5, maxBytes: 5 })).toEqual([]);
  });
});
