import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/sync/errors.js';
import { messageIdentity } from '../../src/sync/identity.js';
import { wrapLongLines } from '../../src/sync/rewrite/line-wrap.js';
import { longestLine } from '../../src/sync/rewrite/longest-line.js';
import { compileMessageRewriter } from '../../src/sync/rewrite/message-rewrite.js';
import { prepareMessage } from '../../src/sync/rewrite/prepare-message.js';
import { disarmReadReceipts } from '../../src/sync/rewrite/read-receipts.js';
import { explainRefusal } from '../../src/sync/rewrite/refusal-hint.js';

const msg = (header: string, body: string) => Buffer.from(`${header}\r\n\r\n${body}`, 'latin1');
const lines = (raw: Buffer) => raw.toString('latin1').split('\r\n');
const NONE = { rewrite: [], wrapLinesLongerThan: 0, disarmReadReceipts: false };

describe('longestLine counts bytes with the line end, as imapsync max_line_length', () => {
  it.each<[string, number]>([
    ['', 0],
    ['abc', 3],
    ['abc\r\n', 5],
    ['a\r\nabcdef\nxy', 7],
    ['\n\n', 1],
  ])('%j -> %i', (text, expected) => {
    expect(longestLine(Buffer.from(text, 'latin1'))).toBe(expected);
  });
});

describe('wrapLongLines (the office2/exchange2 rule)', () => {
  it('cuts a body line over the limit into pieces of the limit joined by CRLF', () => {
    const raw = msg('Subject: x', `${'a'.repeat(25)}\r\nshort\r\n`);
    const out = wrapLongLines(raw, 10);
    expect(lines(out)).toEqual(['Subject: x', '', 'a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5), 'short', '']);
    expect(Math.max(...lines(out).map((l) => l.length))).toBe(10);
  });

  it('leaves a line of exactly the limit alone and returns the same Buffer when nothing is too long', () => {
    const raw = msg('Subject: x', `${'b'.repeat(10)}\r\n`);
    expect(wrapLongLines(raw, 10)).toBe(raw);
  });

  it('folds a header line (CRLF + space) so that it stays one field, every line within the limit', () => {
    const raw = msg(`To: ${'c'.repeat(30)}`, 'body\r\n');
    const out = lines(wrapLongLines(raw, 12));
    const headerLines = out.slice(0, out.indexOf(''));
    expect(headerLines[0]).toBe(`To: ${'c'.repeat(8)}`);
    for (const line of headerLines.slice(1)) expect(line.startsWith(' ')).toBe(true);
    expect(Math.max(...headerLines.map((l) => l.length))).toBeLessThanOrEqual(12);
    // Unfolded (each fold's CRLF and its space removed): the field's bytes, unchanged.
    expect(
      headerLines[0] +
        headerLines
          .slice(1)
          .map((l) => l.slice(1))
          .join(''),
    ).toBe(`To: ${'c'.repeat(30)}`);
  });

  it('keeps bare LF line ends as they are and keeps every byte', () => {
    const raw = Buffer.from(`A: b\n\n${'x'.repeat(12)}\nend`, 'latin1');
    const out = wrapLongLines(raw, 5).toString('latin1');
    expect(out).toBe('A: b\n\nxxxxx\r\nxxxxx\r\nxx\nend');
  });
});

describe('disarmReadReceipts', () => {
  it('renames every Disposition-Notification-To field of the header, whatever its case', () => {
    const raw = msg('Disposition-Notification-To: a@x\r\nSubject: s\r\ndisposition-notification-to: b@x', 'hi');
    expect(disarmReadReceipts(raw).toString('latin1')).toBe(
      'X-Disposition-Notification-To: a@x\r\nSubject: s\r\nX-disposition-notification-to: b@x\r\n\r\nhi',
    );
  });

  it('never touches the body, and returns the same Buffer when there is nothing to disarm', () => {
    const raw = msg('Subject: s', 'Disposition-Notification-To: quoted in the body\r\n');
    expect(disarmReadReceipts(raw)).toBe(raw);
  });
});

describe('compileMessageRewriter', () => {
  it('is undefined when nothing is rewritten', () => {
    expect(compileMessageRewriter(NONE)).toBeUndefined();
  });

  it('runs the rules in order on bytes, then disarms, then wraps; names what changed', () => {
    const rewriter = compileMessageRewriter({
      rewrite: [
        { from: 'foo', to: 'bar', flags: 'g' },
        { from: 'nothing-matches-this', to: 'x' },
        { from: 'Ä', to: 'Ae' },
      ],
      wrapLinesLongerThan: 40,
      disarmReadReceipts: true,
    })!;
    const source = Buffer.concat([
      Buffer.from('Disposition-Notification-To: a@x\r\n\r\nfoo foo ', 'latin1'),
      Buffer.from('Ä', 'utf8'),
      Buffer.from(` ${'z'.repeat(90)}\r\n`, 'latin1'),
    ]);
    const { raw, changedBy } = rewriter(source);
    expect(changedBy).toEqual(['rewrite[0]', 'rewrite[2]', 'disarmReadReceipts', 'wrapLinesLongerThan']);
    expect(raw.toString('latin1')).toBe(
      `X-Disposition-Notification-To: a@x\r\n\r\nbar bar Ae ${'z'.repeat(29)}\r\n${'z'.repeat(40)}\r\n${'z'.repeat(21)}\r\n`,
    );
  });

  it('reports no change when the rules give back the same bytes', () => {
    const rewriter = compileMessageRewriter({
      ...NONE,
      rewrite: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    })!;
    const source = msg('X: a', '');
    const outcome = rewriter(source);
    expect(outcome).toEqual({ raw: source, changedBy: [] });
    expect(outcome.raw).toBe(source);
  });

  it('refuses a rule the linear-time engine cannot run, naming it', () => {
    expect(() => compileMessageRewriter({ ...NONE, rewrite: [{ from: '(a)\\1', to: '' }] })).toThrow(ConfigError);
    expect(() => compileMessageRewriter({ ...NONE, rewrite: [{ from: '(a)\\1', to: '' }] })).toThrow(
      /^spec\.messages\.rewrite\[0\]\.from: cannot run in linear time/,
    );
  });
});

describe('prepareMessage', () => {
  const date = new Date('2024-05-01T10:00:00Z');
  const identityHeaders = ['Message-ID', 'Received'];
  const wrap = compileMessageRewriter({ ...NONE, wrapLinesLongerThan: 50 });

  it('sends the rewritten message, its identity kept', () => {
    const source = msg('Message-ID: <1@x>\r\nSubject: s', `${'q'.repeat(120)}\r\n`);
    const prepared = prepareMessage(source, date, { rewriter: wrap, identityHeaders });
    expect(prepared.kind).toBe('send');
    if (prepared.kind !== 'send') return;
    expect(prepared.changedBy).toEqual(['wrapLinesLongerThan']);
    expect(prepared.raw.length).toBe(source.length + 4);
    const identity = (raw: Buffer) => messageIdentity(raw, { size: raw.length, internalDate: date, sizeFree: true });
    expect(identity(prepared.raw)).toBe(identity(source));
  });

  it('refuses a rewrite that changes an identity header (a re-run would copy the message again)', () => {
    const rewriter = compileMessageRewriter({ ...NONE, rewrite: [{ from: '<1@x>', to: '<2@x>' }] });
    const prepared = prepareMessage(msg('Message-ID: <1@x>', 'b'), date, { rewriter, identityHeaders });
    expect(prepared).toMatchObject({ kind: 'fail', reason: 'RewriteChangesIdentity' });
  });

  it('refuses a wrap that cuts a Received line, and accepts one of a message without identity headers', () => {
    const received = msg(`Received: ${'r'.repeat(80)}`, 'b');
    expect(prepareMessage(received, date, { rewriter: wrap, identityHeaders })).toMatchObject({ kind: 'fail' });
    const headerless = msg('Subject: s', `${'b'.repeat(80)}\r\n`);
    expect(prepareMessage(headerless, date, { rewriter: wrap, identityHeaders })).toMatchObject({ kind: 'send' });
  });

  it('skips a message whose longest line (after the rewrites) is over maxLineLength', () => {
    const source = msg('Subject: s', `${'b'.repeat(80)}\r\n`);
    expect(prepareMessage(source, date, { maxLineLength: 60, identityHeaders })).toMatchObject({
      kind: 'skip',
      reason: 'LineTooLong',
      text: 'skipped: a line of 82 bytes is longer than filters.maxLineLength 60',
    });
    expect(prepareMessage(source, date, { rewriter: wrap, maxLineLength: 60, identityHeaders })).toMatchObject({
      kind: 'send',
    });
  });
});

describe('explainRefusal', () => {
  const long = msg('Subject: s', `${'x'.repeat(12_000)}\r\n`);
  it('names a line too long for Exchange, keeping the server words', () => {
    const refusal = explainRefusal(long, { reason: 'BadCommand', text: 'BAD Command Argument Error. 11' });
    expect(refusal.reason).toBe('LineTooLong');
    expect(refusal.text).toMatch(/^BAD Command Argument Error\. 11 \(the message has a line of 12002 bytes;/);
    expect(refusal.text).toContain('preset office365 or exchange');
  });

  it.each<[string, Buffer, string]>([
    ['short lines', msg('Subject: s', 'x\r\n'), 'BadCommand'],
    ['a quota refusal', long, 'OverQuota'],
  ])('leaves other refusals alone: %s', (_name, raw, reason) => {
    expect(explainRefusal(raw, { reason, text: 'NO' })).toEqual({ reason, text: 'NO' });
  });
});
