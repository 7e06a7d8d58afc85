import { describe, expect, it } from 'vitest';
import { MAX_FAILURE_REASONS, MAX_INVALID_ACCOUNTS, PASS_HISTORY } from '../../src/api/migration.js';
import type { MailMigrationStatus, PassStatus } from '../../src/api/migration-status.js';
import { excerpt, jsonPrintable, printable, printableKeepingLines, truncateChars } from '../../src/api/printable.js';
import { LOG_TAIL_MAX_LINES } from '../../src/api/status.js';
import {
  boundMigrationStatus,
  boundRequestedAt,
  boundStatus,
  STATUS_STRING_MAX_CHARS,
} from '../../src/api/status-bounds.js';

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

describe('boundMigrationStatus', () => {
  const pass = (id: string): PassStatus => ({
    id,
    kind: 'delta',
    startTime: '2026-01-01T00:00:00Z',
    accounts: { total: 1, succeeded: 1, failed: 0, running: 0, queued: 0 },
  });

  it('cuts every string to its CRD maxLength, escaped, and keeps the first invalid accounts and reasons', () => {
    const status = boundMigrationStatus({
      phase: 'Running',
      invalidAccounts: Array.from({ length: MAX_INVALID_ACCOUNTS + 5 }, (_, i) => ({
        line: i + 1,
        message: `options: unknown option --\u001b[2J${'x'.repeat(10_000)}`,
      })),
      failureReasons: Array.from({ length: MAX_FAILURE_REASONS + 3 }, (_, i) => ({ reason: `R${i}`, count: 1 })),
      passes: Array.from({ length: PASS_HISTORY + 2 }, (_, i) => pass(`delta-${i + 1}`)),
      lastRequestedAt: 'q'.repeat(100_000),
      concurrency: { hosts: [], display: 'd'.repeat(5000) },
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'AccountsUnreadable',
          lastTransitionTime: '2026-01-01T00:00:00Z',
          message: 'm'.repeat(100_000),
        },
      ],
    });
    expect(status.invalidAccounts).toHaveLength(MAX_INVALID_ACCOUNTS);
    expect(status.invalidAccounts?.[0]?.line).toBe(1);
    expect(status.invalidAccounts?.at(-1)?.line).toBe(MAX_INVALID_ACCOUNTS);
    const message = status.invalidAccounts?.[0]?.message ?? '';
    expect(message).toHaveLength(1024);
    expect(message.startsWith('options: unknown option --\\x1b[2J')).toBe(true);
    expect(status.failureReasons?.map((r) => r.reason)).toEqual(
      Array.from({ length: MAX_FAILURE_REASONS }, (_, i) => `R${i}`),
    );
    // passes are oldest first: the newest are kept
    expect(status.passes?.at(-1)?.id).toBe(`delta-${PASS_HISTORY + 2}`);
    expect(status.passes).toHaveLength(PASS_HISTORY);
    expect(status.lastRequestedAt).toHaveLength(256);
    expect(status.concurrency?.display).toHaveLength(1024);
    expect(status.conditions?.[0]?.message).toHaveLength(32768);
  });

  it('leaves a status within limits unchanged', () => {
    const status: MailMigrationStatus = {
      phase: 'Waiting',
      accounts: { total: 2, invalid: 1, succeeded: 2, failed: 0, running: 0, queued: 0, display: '2/2' },
      invalidAccounts: [{ line: 3, message: 'user1 must not contain control characters (CR, LF, NUL, ...)' }],
      passes: [pass('presync-1')],
    };
    expect(boundMigrationStatus(status)).toEqual(status);
  });
});

describe('boundRequestedAt', () => {
  it.each(['MailSync', 'MailMigration'] as const)('%s: the form status keeps, stable when applied again', (kind) => {
    expect(boundRequestedAt('2026-01-01T12:00:00Z', kind)).toBe('2026-01-01T12:00:00Z');
    const long = boundRequestedAt(`\u001b${'r'.repeat(300)}`, kind);
    expect(long).toHaveLength(256);
    expect(boundRequestedAt(long, kind)).toBe(long);
  });
});
