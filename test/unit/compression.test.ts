import { describe, expect, test } from 'vitest';
import { compressionWorthwhile, isLoopback } from '../../src/sync/compression.js';

describe('COMPRESS=DEFLATE only where it saves bandwidth', () => {
  test('loopback addresses and names', () => {
    for (const host of [
      '127.0.0.1',
      '127.3.2.1',
      'localhost',
      'LOCALHOST.',
      'imap.localhost',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopback(host), host).toBe(true);
    }
  });

  test('other hosts', () => {
    for (const host of [
      '10.0.0.1',
      '128.0.0.1',
      'imap.example.org',
      'localhost.example.org',
      '::2',
      'fe80::1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isLoopback(host), host).toBe(false);
    }
  });

  test('the option decides first', () => {
    expect(compressionWorthwhile(true, 'imap.example.org')).toBe(true);
    expect(compressionWorthwhile(false, 'imap.example.org')).toBe(false);
    expect(compressionWorthwhile(true, '127.0.0.1')).toBe(false);
  });
});
