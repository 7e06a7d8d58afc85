/** The admin view's filters: phase, host (substring, any side), migration (name or child label). */
import { describe, expect, it } from 'vitest';
import { migrationMatches, parseFilters, syncMatches } from '../../../src/console/admin/admin-filters.js';
import { migration, sync } from './admin-objects.js';

describe('admin filters', () => {
  it('parseFilters keeps known, non-empty, trimmed keys', () => {
    expect(parseFilters({ phase: ' Running ', host: '', migration: 'acme', other: 'x' })).toEqual({
      phase: 'Running',
      migration: 'acme',
    });
  });

  const child = sync('acme-1', 'mail', 'Failed', { migration: 'acme', source: 'Imap.Old.Example' });
  const solo = sync('solo', 'mail', 'Running', { source: 'mx.other.example' });
  it.each([
    [{}, true, true],
    [{ phase: 'Failed' }, true, false],
    [{ host: 'old.EXAMPLE' }, true, false],
    [{ host: 'imap.new' }, true, true],
    [{ migration: 'acme' }, true, false],
    [{ migration: 'other' }, false, false],
  ])('syncs %j', (filters, childMatches, soloMatches) => {
    expect([syncMatches(child, filters), syncMatches(solo, filters)]).toEqual([childMatches, soloMatches]);
  });

  it('a migration matches a host of its template or of one of its syncs', () => {
    const mm = migration('acme', 'mail', { phase: 'Running' });
    mm.spec.template = {} as never;
    expect(migrationMatches(mm, { host: 'imap.old' })).toBe(false);
    expect(migrationMatches(mm, { host: 'imap.old' }, [child])).toBe(true);
    expect(migrationMatches(mm, { phase: 'Running', migration: 'acme' })).toBe(true);
    expect(migrationMatches(mm, { phase: 'Completed' })).toBe(false);
  });
});
