/** How the shutdown budget is split between draining reconciles, writing status and releasing the Lease. */
import { describe, expect, it } from 'vitest';
import { shutdownPlan } from '../../../src/controller/shutdown-plan.js';

describe('shutdownPlan', () => {
  it.each([
    // budget s, drain, flush, release (ms)
    [20, 10_000, 5000, 5000],
    [60, 50_000, 5000, 5000],
    [8, 4000, 2000, 2000],
    [1, 500, 250, 250],
    [0, 0, 0, 0],
  ])('%i s: drain %i ms, flush %i ms, release %i ms', (budget, drainMs, flushMs, releaseMs) => {
    const plan = shutdownPlan(budget);
    expect(plan).toEqual({ drainMs, flushMs, releaseMs });
    // never more than the budget: the process exits before the kubelet's SIGKILL
    expect(plan.drainMs + plan.flushMs + plan.releaseMs).toBe(budget * 1000);
  });
});
