import { describe, expect, it } from 'vitest';
import { filterReason, hasFilters, passesFilters } from '../../src/sync/filters.js';

const now = new Date('2024-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

describe('filters', () => {
  it('lets everything through without filters', () => {
    expect(passesFilters({ size: 10 ** 9, internalDate: new Date(0) }, undefined, now)).toBe(true);
    expect(passesFilters({ size: 0, internalDate: now }, {}, now)).toBe(true);
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ minSize: 0 })).toBe(true);
  });

  it('skips messages strictly bigger than maxSize or smaller than minSize', () => {
    const filters = { maxSize: 1000, minSize: 10 };
    expect(filterReason({ size: 1000, internalDate: now }, filters, now)).toBeUndefined();
    expect(filterReason({ size: 1001, internalDate: now }, filters, now)).toBe('maxSize');
    expect(filterReason({ size: 10, internalDate: now }, filters, now)).toBeUndefined();
    expect(filterReason({ size: 9, internalDate: now }, filters, now)).toBe('minSize');
  });

  it('skips messages older than maxAgeDays or newer than minAgeDays, by INTERNALDATE', () => {
    const filters = { maxAgeDays: 30, minAgeDays: 1.5 };
    expect(filterReason({ size: 1, internalDate: daysAgo(30) }, filters, now)).toBeUndefined();
    expect(filterReason({ size: 1, internalDate: daysAgo(30.01) }, filters, now)).toBe('maxAge');
    expect(filterReason({ size: 1, internalDate: daysAgo(1.5) }, filters, now)).toBeUndefined();
    expect(filterReason({ size: 1, internalDate: daysAgo(1) }, filters, now)).toBe('minAge');
    // a message dated in the future is "newer" than any minimum age
    expect(filterReason({ size: 1, internalDate: daysAgo(-1) }, filters, now)).toBe('minAge');
  });

  it('selects the union when minAgeDays is above maxAgeDays (imapsync: --maxage 30 --minage 365)', () => {
    const filters = { maxAgeDays: 30, minAgeDays: 365 };
    expect(filterReason({ size: 1, internalDate: daysAgo(10) }, filters, now)).toBeUndefined();
    expect(filterReason({ size: 1, internalDate: daysAgo(30) }, filters, now)).toBeUndefined();
    expect(filterReason({ size: 1, internalDate: daysAgo(31) }, filters, now)).toBe('maxAge');
    expect(filterReason({ size: 1, internalDate: daysAgo(364) }, filters, now)).toBe('maxAge');
    expect(filterReason({ size: 1, internalDate: daysAgo(365) }, filters, now)).toBeUndefined();
    expect(filterReason({ size: 1, internalDate: daysAgo(1000) }, filters, now)).toBeUndefined();
  });
});
