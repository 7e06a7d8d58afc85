import { describe, expect, it } from 'vitest';
import { excerpt, jsonPrintable, printable, printableKeepingLines, truncateChars } from '../../src/api/printable.js';
import { LOG_TAIL_MAX_LINES } from '../../src/api/status.js';
import { boundStatus, STATUS_STRING_MAX_CHARS } from '../../src/api/status-bounds.js';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('printable', () => {
  it.each([
    ['ANSI colour', '\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['CR forging a line', 'ok\rERROR fake', 'ok\\rERROR fake'],
    ['LF', 'a\nb', 'a\\nb'],
    ['NUL and BEL', 'a\u0000b\u0007', 'a\\x00b\\x07'],
    ['DEL', 'x\u007fy', 'x\\x7fy'],
    ['C1 CSI', 'x\u009b2Jy', 'x\\x9b2Jy'],
    ['bidi override', 'abc\u202etxt.exe', 'abc\\u202etxt.exe'],
    ['HTML stays text', '<script>alert(1)</script>', '<script>alert(1)</script>'],
    ['UTF-8 stays', 'Entwürfe 📁', 'Entwürfe 📁'],
    ['TAB', 'a\tb', 'a\\tb'],
  ])('%s', (_name, input, expected) => {
    expect(printable(input)).toBe(expected);
    expect(printable(input)).not.toMatch(CONTROL);
  });

  it('keeps LF and TAB when asked, escapes the rest', () => {
    expect(printableKeepingLines('a\n\tb\r\u001b[2J')).toBe('a\n\tb\\r\\x1b[2J');
  });
});

describe('jsonPrintable', () => {
  it('escapes what JSON leaves raw, and the value parses back the same', () => {
    const value = { folder: 'Evil\u009b2J\u202etxt\u007f', note: '\u001b[31m' };
    const json = jsonPrintable(JSON.stringify(value));
    expect(json).not.toMatch(CONTROL);
    expect(json).toContain('\\u009b');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('truncateChars', () => {
  it.each([
    ['short stays', 'abc', 5, 'abc'],
    ['exact stays', 'abcde', 5, 'abcde'],
    ['cut marked', 'abcdefgh', 6, 'abc...'],
    ['tiny limit', 'abcdef', 2, 'ab'],
  ])('%s', (_name, input, max, expected) => {
    expect(truncateChars(input, max)).toBe(expected);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncateChars(`ab📁cdefgh`, 6);
    expect(cut).toBe('ab...');
    expect(cut.length).toBeLessThanOrEqual(6);
  });
});

describe('excerpt', () => {
  it('is short and escaped', () => {
    const banner = `SSH-2.0-OpenSSH_9.2\u001b[2J${'x'.repeat(5000)}`;
    const text = excerpt(banner);
    expect(text.startsWith('SSH-2.0-OpenSSH_9.2\\x1b[2J')).toBe(true);
    expect(text.endsWith('...')).toBe(true);
    expect(text.length).toBeLessThan(60);
    expect(text).not.toMatch(CONTROL);
  });
});

describe('boundStatus', () => {
  it('cuts condition messages to the CRD maxLength and unbounded strings to the default, escaping them', () => {
    const status = boundStatus({
      phase: 'Failed',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ServerMisbehaved',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          message: `\u001b[31m${'x'.repeat(100_000)}`,
        },
      ],
      summary: { message: 'y'.repeat(1_000_000) },
      lastError: { reason: 'ServerMisbehaved', message: 'folder \u009b2J\nname' },
      lastRequestedAt: 'z'.repeat(1000),
      logTail: Array.from({ length: LOG_TAIL_MAX_LINES + 10 }, (_, i) => `line ${i}`),
    });
    const message = status.conditions?.[0]?.message ?? '';
    expect(message.length).toBe(32768);
    expect(message.startsWith('\\x1b[31m')).toBe(true);
    expect(String(status.summary?.message).length).toBe(STATUS_STRING_MAX_CHARS);
    expect(status.lastError?.message).toBe('folder \\x9b2J\nname');
    expect(status.lastRequestedAt?.length).toBe(256);
    expect(status.logTail).toHaveLength(LOG_TAIL_MAX_LINES);
    expect(status.logTail?.at(-1)).toBe(`line ${LOG_TAIL_MAX_LINES + 9}`);
    expect(status.phase).toBe('Failed');
  });

  it('leaves a status within limits unchanged', () => {
    const status = {
      phase: 'Running' as const,
      progress: { messagesCopied: 3, display: '3/10' },
      logTail: ['Folder INBOX done: 3 copied'],
    };
    expect(boundStatus(status)).toEqual(status);
  });
});
