/**
 * Message filters (imapsync --maxsize/--minsize/--maxage/--minage).
 *
 * Sizes are RFC822.SIZE in bytes; a message is skipped when strictly bigger
 * than maxSize or strictly smaller than minSize, as the spec says (imapsync
 * also skips a message of exactly that size: one byte of difference).
 * Ages are measured from INTERNALDATE to `now` in days (fractions allowed), to
 * the millisecond rather than imapsync's whole days (it uses SEARCH
 * SENTSINCE/SENTBEFORE): skipped when older than maxAgeDays or newer than
 * minAgeDays. As in imapsync (FAQ.Messages_Selection, example E.4), when
 * minAgeDays is above maxAgeDays the two select a union instead of a window:
 * `maxAgeDays: 30, minAgeDays: 365` keeps the messages younger than 30 days
 * and those older than 365 days.
 */
import type { Filters } from '../api/spec.js';

const DAY_MS = 86_400_000;

export type FilterReason = 'maxSize' | 'minSize' | 'maxAge' | 'minAge';

export interface Filterable {
  size: number;
  internalDate: Date;
}

/** Why the message is filtered out, or undefined when it passes. */
export function filterReason(message: Filterable, filters: Filters | undefined, now: Date): FilterReason | undefined {
  if (!filters) return undefined;
  if (filters.maxSize !== undefined && message.size > filters.maxSize) return 'maxSize';
  if (filters.minSize !== undefined && message.size < filters.minSize) return 'minSize';
  const ageDays = (now.getTime() - message.internalDate.getTime()) / DAY_MS;
  const { maxAgeDays, minAgeDays } = filters;
  if (maxAgeDays !== undefined && minAgeDays !== undefined && minAgeDays > maxAgeDays) {
    // Union: only the messages between the two ages are skipped.
    return ageDays > maxAgeDays && ageDays < minAgeDays ? 'maxAge' : undefined;
  }
  if (maxAgeDays !== undefined && ageDays > maxAgeDays) return 'maxAge';
  if (minAgeDays !== undefined && ageDays < minAgeDays) return 'minAge';
  return undefined;
}

export function passesFilters(message: Filterable, filters: Filters | undefined, now: Date): boolean {
  return filterReason(message, filters, now) === undefined;
}

export function hasFilters(filters: Filters | undefined): boolean {
  return (
    filters !== undefined &&
    (filters.maxSize !== undefined ||
      filters.minSize !== undefined ||
      filters.maxAgeDays !== undefined ||
      filters.minAgeDays !== undefined)
  );
}
