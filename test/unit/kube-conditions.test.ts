import { describe, expect, it } from 'vitest';
import { findCondition, removeCondition, setCondition } from '../../src/kube/conditions.js';

describe('condition transitions', () => {
  const t1 = '2026-01-01T00:00:00Z';
  const t2 = '2026-01-01T00:05:00Z';

  it('adds a condition with observedGeneration and the transition time', () => {
    const list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Running', message: 'm' }, 2, t1);
    expect(list).toEqual([
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 2,
        lastTransitionTime: t1,
        reason: 'Running',
        message: 'm',
      },
    ]);
  });

  it('keeps lastTransitionTime while the status stays, even when reason and message change', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Running', message: 'm' }, 1, t1);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'AccountPairBusy', message: 'n' }, 2, t2);
    expect(findCondition(b, 'Ready')).toMatchObject({
      lastTransitionTime: t1,
      reason: 'AccountPairBusy',
      observedGeneration: 2,
    });
  });

  it('moves lastTransitionTime when the status flips', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Running', message: '' }, 1, t1);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Succeeded', message: '' }, 1, t2);
    expect(findCondition(b, 'Ready')?.lastTransitionTime).toBe(t2);
  });

  it('leaves other conditions alone and does not mutate its input', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'R', message: '' }, 1, t1);
    const b = setCondition(a, { type: 'Running', status: 'True', reason: 'R', message: '' }, 1, t1);
    const c = setCondition(b, { type: 'Ready', status: 'True', reason: 'S', message: '' }, 1, t2);
    expect(b.map((x) => x.status)).toEqual(['False', 'True']);
    expect(c.map((x) => x.type)).toEqual(['Ready', 'Running']);
    expect(removeCondition(c, 'Running').map((x) => x.type)).toEqual(['Ready']);
  });
});
