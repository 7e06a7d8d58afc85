import { describe, expect, it } from 'vitest';
import { applyMergePatch, mergePatch } from '../../src/kube/merge-patch.js';

describe('status merge patch', () => {
  it('is undefined when nothing changed (no write)', () => {
    expect(mergePatch({ a: 1, b: [1, 2], c: { d: 'x' } }, { c: { d: 'x' }, b: [1, 2], a: 1 })).toBeUndefined();
  });

  it('sends only changed fields, nulls for removed ones, whole arrays', () => {
    const from = { phase: 'Running', progress: { copied: 1, total: 9 }, logTail: ['a'], lastError: { reason: 'X' } };
    const to = { phase: 'Running', progress: { copied: 5, total: 9 }, logTail: ['a', 'b'] };
    const patch = mergePatch(from, to);
    expect(patch).toEqual({ progress: { copied: 5 }, logTail: ['a', 'b'], lastError: null });
    expect(applyMergePatch(from, patch)).toEqual(to);
  });
});
