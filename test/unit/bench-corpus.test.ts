import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CORPUS_FOLDERS, generateCorpus } from '../../bench/corpus.js';

const digest = (seed: number) => {
  const hash = createHash('sha256');
  for (const m of generateCorpus({ seed, messages: 300, sizeScale: 0.05 })) {
    hash.update(m.folder).update(m.raw).update(m.flags.join(',')).update(String(m.internalDate.getTime()));
  }
  return hash.digest('hex');
};

describe('benchmark corpus', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(digest(7)).toBe(digest(7));
    expect(digest(7)).not.toBe(digest(8));
  });

  it('has the promised shape: CRLF messages, some without Message-ID, duplicates, attachments, every folder', () => {
    const messages = [...generateCorpus({ seed: 1, messages: 2000, sizeScale: 0.05 })];
    expect(messages).toHaveLength(2000);
    const withoutId = messages.filter((m) => !m.raw.includes('Message-ID:'));
    expect(withoutId.length).toBeGreaterThan(10);
    const ids = messages.map((m) => m.raw.toString('latin1').match(/Message-ID: (\S+)/)?.[1]).filter(Boolean);
    expect(new Set(ids).size).toBeLessThan(ids.length);
    expect(messages.filter((m) => m.raw.includes('multipart/mixed')).length).toBeGreaterThan(100);
    expect(new Set(messages.map((m) => m.folder))).toEqual(new Set(CORPUS_FOLDERS));
    for (const m of messages.slice(0, 50)) expect(m.raw.toString('latin1')).not.toMatch(/[^\r]\n/);
  });
});
