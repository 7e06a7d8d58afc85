/** MAILSYNC_BATCH: what a batch worker accepts as its list of accounts, and its exit code. */
import { describe, expect, it } from 'vitest';
import { batchExitCode, MAX_BATCH_ACCOUNTS, parseBatch } from '../../src/worker/batch.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseBatch', () => {
  it('reads ids and the digests the controller set', () => {
    expect(
      parseBatch(JSON.stringify([{ id: 'ms-1' }, { id: 'a.b-2', specDigest: digest, stateDigest: digest }])),
    ).toEqual([{ id: 'ms-1' }, { id: 'a.b-2', specDigest: digest, stateDigest: digest }]);
  });

  it.each([
    ['not JSON', '[{', /MAILSYNC_BATCH is not JSON/],
    ['not an array', '{"id":"a"}', /must be a non-empty JSON array/],
    ['empty', '[]', /must be a non-empty JSON array/],
    ['an item that is not an object', '["a"]', /MAILSYNC_BATCH\[0\] must be an object with an id/],
    ['no id', '[{}]', /MAILSYNC_BATCH\[0\]\.id must be a DNS subdomain/],
    ['a path as id', '[{"id":"../etc"}]', /MAILSYNC_BATCH\[0\]\.id must be a DNS subdomain/],
    ['an upper-case id', '[{"id":"A"}]', /\.id must be a DNS subdomain/],
    ['an id listed twice', '[{"id":"a"},{"id":"a"}]', /MAILSYNC_BATCH\[1\]\.id 'a' is listed twice/],
    ['an unknown field', '[{"id":"a","password":"x"}]', /MAILSYNC_BATCH\[0\] has an unknown field 'password'/],
    ['a bad digest', '[{"id":"a","specDigest":"md5:1"}]', /\.specDigest must be sha256:<64 hex digits>/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseBatch(text)).toThrow(message);
  });

  it(`refuses more than ${MAX_BATCH_ACCOUNTS} accounts`, () => {
    const many = Array.from({ length: MAX_BATCH_ACCOUNTS + 1 }, (_, i) => ({ id: `a${i}` }));
    expect(() => parseBatch(JSON.stringify(many))).toThrow(/lists 201 accounts; at most 200 per worker/);
    expect(parseBatch(JSON.stringify(many.slice(1)))).toHaveLength(MAX_BATCH_ACCOUNTS);
  });

  it('never echoes a value it refuses (it may be a password put in the wrong place)', () => {
    expect(() => parseBatch('[{"id":"Secret-Value"}]')).toThrow(/^(?!.*Secret-Value)/);
  });
});

describe('batchExitCode', () => {
  it.each([
    [[0, 0, 0], 0],
    [[0, 2, 31], 2],
    [[31, 0, 2], 31],
  ])('%j -> %i', (codes, expected) => {
    expect(batchExitCode(codes)).toBe(expected);
  });
});
