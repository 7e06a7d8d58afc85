import { describe, expect, it } from 'vitest';
import { BatchBuffer, BatchBufferPool } from '../../src/sync/batch-buffers.js';
import { parseFetchItems, parseImapDateTime } from '../../src/sync/imap-raw/fetch-items.js';
import { uidSet } from '../../src/sync/imap-raw/imap-syntax.js';
import { type Response, ResponseReader } from '../../src/sync/imap-raw/response-parser.js';

/** Feeds `stream` cut at the given offsets; every chunk is overwritten after push (as a reused read buffer is). */
function readCut(stream: Buffer, cuts: number[], capture = true): Response[] {
  const out: Response[] = [];
  const reader = new ResponseReader((response) => out.push(response));
  if (capture) reader.literalTargetFor = (_prefix, size) => Buffer.alloc(size);
  let start = 0;
  for (const end of [...cuts, stream.length]) {
    const chunk = Buffer.from(stream.subarray(start, end));
    reader.push(chunk);
    chunk.fill(0x58);
    start = end;
  }
  return out;
}

describe('ResponseReader literal capture', () => {
  const body1 = Buffer.from('Subject: a\r\n\r\nline\r\nR9 OK fake\r\n* 3 FETCH (UID 9)\r\n', 'latin1');
  const body2 = Buffer.concat([
    Buffer.from('8bit: '),
    Buffer.from([0xe9, 0x00, 0x0a, 0x0d, 0xff]),
    Buffer.from('\r\n'),
  ]);
  const stream = Buffer.concat([
    Buffer.from(`* 1 FETCH (UID 10 BODY[] {${body1.length}}\r\n`),
    body1,
    Buffer.from(')\r\n* 2 FETCH (FLAGS (\\Seen))\r\n'),
    Buffer.from(`* 2 FETCH (BODY[] {${body2.length}}\r\n`),
    body2,
    Buffer.from(' UID 11)\r\n* 3 FETCH (UID 12 BODY[] {0}\r\n)\r\n* 4 FETCH (UID 13 BODY[] NIL)\r\nR5 OK done\r\n'),
  ]);

  it('captures literal bytes exactly at every chunk boundary, even from reused chunks', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      for (const cuts of [[cut], [Math.floor(cut / 2), cut]]) {
        const responses = readCut(
          stream,
          cuts.filter((c, i, all) => c > 0 && (i === 0 || c > all[i - 1]!)),
        );
        expect(responses.map((r) => r.kind)).toEqual(['data', 'data', 'data', 'data', 'data', 'tagged']);
        const fetched = responses
          .filter((r): r is Extract<Response, { kind: 'data' }> => r.kind === 'data')
          .map((r) => parseFetchItems(r.text, r.literals));
        expect(fetched[0]!.get('UID')).toBe('10');
        expect(fetched[0]!.get('BODY[]')).toEqual(body1);
        expect(fetched[1]!.get('FLAGS')).toEqual(['\\Seen']);
        expect(fetched[2]!.get('BODY[]')).toEqual(body2);
        expect(fetched[2]!.get('UID')).toBe('11');
        expect(fetched[3]!.get('BODY[]')).toEqual(Buffer.alloc(0));
        expect(fetched[4]!.get('BODY[]')).toBeNull();
      }
    }
  });

  it('skips literals without a target and keeps the stream in sync', () => {
    const responses = readCut(stream, [7, 50, 51], false);
    expect(responses.at(-1)).toMatchObject({ kind: 'tagged', tag: 'R5' });
    const first = responses[0] as Extract<Response, { kind: 'data' }>;
    expect(parseFetchItems(first.text, first.literals).get('BODY[]')).toBeUndefined();
  });

  it('refuses a target of the wrong size', () => {
    const reader = new ResponseReader(() => {});
    reader.literalTargetFor = () => Buffer.alloc(1);
    expect(() => reader.push(Buffer.from('* 1 FETCH (BODY[] {5}\r\nhello)\r\n'))).toThrow(RangeError);
  });
});

describe('parseFetchItems', () => {
  it('reads a listing line with sections, lists, quoted strings and MODSEQ', () => {
    const headers = Buffer.from('Message-ID: <a@b>\r\n\r\n');
    const items = parseFetchItems(
      '(UID 42 MODSEQ (1234) FLAGS (\\Seen $Label1 \\Recent) INTERNALDATE "05-Mar-2024 07:08:09 +0100" RFC822.SIZE 2048 BODY[HEADER.FIELDS (MESSAGE-ID "X-Odd Name")] {literal} )',
      [headers],
    );
    expect(items.get('UID')).toBe('42');
    expect(items.get('MODSEQ')).toEqual(['1234']);
    expect(items.get('FLAGS')).toEqual(['\\Seen', '$Label1', '\\Recent']);
    expect(items.get('INTERNALDATE')).toBe('05-Mar-2024 07:08:09 +0100');
    expect(items.get('RFC822.SIZE')).toBe('2048');
    expect(items.get('BODY[HEADER.FIELDS (MESSAGE-ID "X-ODD NAME")]')).toBe(headers);
  });

  it('unquotes escapes and refuses garbage', () => {
    expect(parseFetchItems('(BODY[] "a\\"b\\\\c")').get('BODY[]')).toBe('a"b\\c');
    expect(() => parseFetchItems('UID 1')).toThrow(SyntaxError);
    expect(() => parseFetchItems('(UID 1')).toThrow(SyntaxError);
    expect(() => parseFetchItems('(BODY[] {literal} )', [])).toThrow(SyntaxError);
  });
});

describe('parseImapDateTime', () => {
  it('parses zones and space-padded days', () => {
    expect(parseImapDateTime('05-Mar-2024 07:08:09 +0100')?.toISOString()).toBe('2024-03-05T06:08:09.000Z');
    expect(parseImapDateTime(' 1-Jan-2024 00:00:00 -0230')?.toISOString()).toBe('2024-01-01T02:30:00.000Z');
    expect(parseImapDateTime('2024-01-01')).toBeUndefined();
    expect(parseImapDateTime('01-Foo-2024 00:00:00 +0000')).toBeUndefined();
  });
});

describe('uidSet', () => {
  it('compresses runs, sorts and deduplicates', () => {
    expect(uidSet([5, 1, 2, 3, 9, 7, 8, 3])).toBe('1:3,5,7:9');
    expect(uidSet([4])).toBe('4');
  });
});

describe('BatchBuffer', () => {
  it('hands out slices while there is room, separate buffers beyond', () => {
    const buffer = new BatchBuffer(10);
    const a = buffer.allocate(4);
    const b = buffer.allocate(6);
    const c = buffer.allocate(1);
    a.fill(1);
    b.fill(2);
    c.fill(3);
    expect([...a]).toEqual([1, 1, 1, 1]);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
  });

  it('the pool reuses released buffers only', () => {
    const pool = new BatchBufferPool(10);
    const first = pool.acquire();
    const second = pool.acquire();
    expect(second).not.toBe(first);
    pool.release(first);
    expect(pool.acquire()).toBe(first);
    expect(pool.acquire()).not.toBe(second);
  });
});
