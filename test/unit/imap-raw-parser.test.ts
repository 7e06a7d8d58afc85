import { describe, expect, it } from 'vitest';
import { featuresOf, nonSyncLiteralLimit } from '../../src/sync/imap-raw/capabilities.js';
import { LimitExceeded } from '../../src/sync/imap-raw/limits.js';
import {
  parseCapabilities,
  parseResponseLine,
  type Response,
  ResponseReader,
} from '../../src/sync/imap-raw/response-parser.js';

function readAll(chunks: (string | Buffer)[]): Response[] {
  const out: Response[] = [];
  const reader = new ResponseReader((response) => out.push(response));
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  return out;
}

describe('parseResponseLine', () => {
  it('parses a tagged OK with APPENDUID', () => {
    expect(parseResponseLine('R7 OK [APPENDUID 1700000000 101:150] Append completed.')).toEqual({
      kind: 'tagged',
      tag: 'R7',
      status: 'OK',
      code: { name: 'APPENDUID', args: '1700000000 101:150' },
      text: 'Append completed.',
    });
  });

  it('parses tagged NO with TRYCREATE, OVERQUOTA, TOOBIG and a code without args', () => {
    expect(parseResponseLine('a1 NO [TRYCREATE] Mailbox does not exist: Foo')).toMatchObject({
      status: 'NO',
      code: { name: 'TRYCREATE', args: '' },
      text: 'Mailbox does not exist: Foo',
    });
    expect(parseResponseLine('a2 no [overquota] Quota exceeded')).toMatchObject({
      status: 'NO',
      code: { name: 'OVERQUOTA' },
    });
    expect(parseResponseLine('a3 NO [TOOBIG] Mail too large')).toMatchObject({ code: { name: 'TOOBIG' } });
    expect(parseResponseLine('a4 BAD Error in IMAP command APPEND')).toMatchObject({
      kind: 'tagged',
      status: 'BAD',
      text: 'Error in IMAP command APPEND',
    });
  });

  it('parses continuations, with and without text', () => {
    expect(parseResponseLine('+ OK')).toEqual({ kind: 'continuation', text: 'OK' });
    expect(parseResponseLine('+ ')).toEqual({ kind: 'continuation', text: '' });
    expect(parseResponseLine('+')).toEqual({ kind: 'continuation', text: '' });
  });

  it('parses untagged status, ALERT, BYE, and data', () => {
    expect(parseResponseLine('* OK [CAPABILITY IMAP4rev1 LITERAL+] Dovecot ready.')).toEqual({
      kind: 'untagged',
      status: 'OK',
      code: { name: 'CAPABILITY', args: 'IMAP4rev1 LITERAL+' },
      text: 'Dovecot ready.',
    });
    expect(parseResponseLine('* OK [ALERT] System shutdown in 10 minutes')).toMatchObject({ code: { name: 'ALERT' } });
    expect(parseResponseLine('* BYE Server shutting down.')).toMatchObject({ kind: 'untagged', status: 'BYE' });
    expect(parseResponseLine('* CAPABILITY IMAP4rev1 MULTIAPPEND')).toEqual({
      kind: 'data',
      name: 'CAPABILITY',
      text: 'IMAP4rev1 MULTIAPPEND',
    });
    expect(parseResponseLine('* 12 EXISTS')).toEqual({ kind: 'data', name: 'EXISTS', number: 12, text: '' });
  });

  it('rejects garbage', () => {
    expect(() => parseResponseLine('R1 MAYBE')).toThrow(SyntaxError);
  });
});

describe('ResponseReader', () => {
  it('splits responses across arbitrary chunk boundaries', () => {
    const stream = '* OK ready\r\nR1 OK [CAPABILITY IMAP4rev1] done\r\n+ go\r\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const responses = readAll([stream.slice(0, cut), stream.slice(cut)]);
      expect(responses.map((r) => r.kind)).toEqual(['untagged', 'tagged', 'continuation']);
    }
  });

  it('skips literals in untagged data without losing sync, even with CRLF inside the literal', () => {
    const literal = 'line1\r\nR9 OK fake\r\n';
    const stream = `* 1 FETCH (BODY[] {${literal.length}}\r\n${literal} UID 5)\r\nR2 OK done\r\n`;
    for (let cut = 1; cut < stream.length; cut += 3) {
      const responses = readAll([stream.slice(0, cut), stream.slice(cut)]);
      expect(responses).toHaveLength(2);
      expect(responses[0]).toMatchObject({ kind: 'data', name: 'FETCH', number: 1 });
      expect(responses[1]).toMatchObject({ kind: 'tagged', tag: 'R2', status: 'OK' });
    }
  });

  it('does not treat a brace at the end of status text as a literal', () => {
    const responses = readAll(['R3 NO weird text {5}\r\nR4 OK fine\r\n']);
    expect(responses.map((r) => (r.kind === 'tagged' ? r.tag : '?'))).toEqual(['R3', 'R4']);
  });

  it('passes 8-bit bytes through latin1 without throwing', () => {
    const responses = readAll([
      Buffer.concat([Buffer.from('* OK caf'), Buffer.from([0xc3, 0xa9]), Buffer.from('\r\n')]),
    ]);
    expect(responses).toHaveLength(1);
  });

  const small = { maxLineBytes: 1000, maxLiteralBytes: 10_000 };

  it('refuses an endless line', () => {
    const reader = new ResponseReader(() => {}, small);
    expect(() => reader.push(Buffer.alloc(2000, 0x41))).toThrow(LimitExceeded);
  });

  it('refuses an endless line that comes in small pieces', () => {
    const reader = new ResponseReader(() => {}, small);
    expect(() => {
      for (let i = 0; i < 100; i++) reader.push(Buffer.alloc(20, 0x41));
    }).toThrow(/longer than 1000 bytes/);
  });

  it.each([
    ['in one chunk', 1],
    ['a byte per chunk', 2000],
  ])('refuses a flood of bare LFs (%s) at the line limit', (_name, chunks) => {
    const reader = new ResponseReader(() => {}, small);
    const flood = Buffer.alloc(2000, 0x0a);
    const size = Math.ceil(flood.length / chunks);
    expect(() => {
      for (let at = 0; at < flood.length; at += size) reader.push(flood.subarray(at, at + size));
    }).toThrow(LimitExceeded);
  });

  it('reads 512 KiB of bare LFs inside one line at the default limit (linear, the bug took 55 s)', () => {
    const responses: Response[] = [];
    const reader = new ResponseReader((r) => responses.push(r));
    reader.push(Buffer.from('* OK '));
    for (let i = 0; i < 512; i++) reader.push(Buffer.alloc(1024, 0x0a));
    reader.push(Buffer.from('end\r\n'));
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ kind: 'untagged', status: 'OK' });
  });

  it('ends a line whose CR and LF come in different chunks', () => {
    const responses = readAll(['* OK hello\r', '\n', 'R1 OK done\r\n']);
    expect(responses.map((r) => r.kind)).toEqual(['untagged', 'tagged']);
  });

  it.each([
    ['twelve digits', '{999999999999}'],
    ['just over the cap', '{10001}'],
    ['a non-synchronizing one', '{999999999999+}'],
    ['four hundred digits', `{${'9'.repeat(400)}}`],
  ])('refuses a literal announced over the cap (%s) before allocating it', (_name, literal) => {
    let asked = false;
    const reader = new ResponseReader(() => {}, small);
    reader.literalTargetFor = () => {
      asked = true;
      return undefined;
    };
    expect(() => reader.push(Buffer.from(`* 1 FETCH (BODY[] ${literal}\r\n`))).toThrow(/a literal of \d+ bytes/);
    expect(asked).toBe(false);
  });
});

describe('capabilities', () => {
  it('reads the features the writer needs', () => {
    const caps = parseCapabilities('IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS APPENDLIMIT=1048576 compress=deflate');
    expect(featuresOf(caps)).toEqual({
      multiappend: true,
      literalPlus: true,
      literalMinus: false,
      uidplus: true,
      appendLimit: 1048576,
      compressDeflate: true,
    });
    expect(nonSyncLiteralLimit(featuresOf(caps))).toBe(Number.POSITIVE_INFINITY);
  });

  it('LITERAL- allows non-synchronizing literals up to 4096 bytes only; bare APPENDLIMIT has no value', () => {
    const features = featuresOf(parseCapabilities('IMAP4rev1 LITERAL- APPENDLIMIT'));
    expect(features.appendLimit).toBeUndefined();
    expect(nonSyncLiteralLimit(features)).toBe(4096);
    expect(nonSyncLiteralLimit(featuresOf(parseCapabilities('IMAP4rev1')))).toBe(-1);
  });
});
