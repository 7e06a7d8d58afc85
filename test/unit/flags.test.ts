import { describe, expect, it } from 'vitest';
import { diffFlags, flagsForAppend } from '../../src/sync/flags.js';

describe('flagsForAppend', () => {
  it('drops \\Recent and keeps the system flags, spelled canonically', () => {
    expect(flagsForAppend(['\\Recent', '\\seen', '\\ANSWERED', '\\Flagged', '\\deleted', '\\Draft'])).toEqual([
      '\\Seen',
      '\\Answered',
      '\\Flagged',
      '\\Deleted',
      '\\Draft',
    ]);
  });

  it('drops extension backslash flags a client cannot set', () => {
    expect(flagsForAppend(['\\Seen', '\\Important', '\\X-Whatever'])).toEqual(['\\Seen']);
  });

  it('keeps every keyword when PERMANENTFLAGS is unknown or contains \\*', () => {
    const flags = ['\\Seen', '$Forwarded', 'NonJunk', '$Label1'];
    expect(flagsForAppend(flags)).toEqual(flags);
    expect(flagsForAppend(flags, ['\\Seen', '\\*'])).toEqual(flags);
  });

  it('keeps only the listed keywords when PERMANENTFLAGS lacks \\*', () => {
    const permanent = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '$forwarded'];
    expect(flagsForAppend(['\\Seen', '$Forwarded', 'NonJunk', '\\Draft'], permanent)).toEqual([
      '\\Seen',
      '$Forwarded',
      '\\Draft',
    ]);
    // system flags stay even if the server does not list them
    expect(flagsForAppend(['\\Seen', 'NonJunk'], [])).toEqual(['\\Seen']);
  });

  it('removes duplicates, whatever their case', () => {
    expect(flagsForAppend(['\\Seen', '\\SEEN', '$Label1', '$label1'])).toEqual(['\\Seen', '$Label1']);
  });
});

describe('diffFlags', () => {
  it('adds what the source has and removes what it lost', () => {
    expect(diffFlags(['\\Seen', '$Work'], ['\\Flagged', '$Work'])).toEqual({ add: ['\\Seen'], remove: ['\\Flagged'] });
  });

  it('sees no change for mixed-case spellings of the same flags', () => {
    expect(diffFlags(['\\SEEN', '$label1', '\\recent'], ['\\Seen', '$Label1', '\\Recent'])).toEqual({
      add: [],
      remove: [],
    });
  });

  it('never adds or removes \\Recent', () => {
    expect(diffFlags(['\\Recent'], [])).toEqual({ add: [], remove: [] });
    expect(diffFlags([], ['\\Recent'])).toEqual({ add: [], remove: [] });
  });

  it('does not add keywords the destination cannot store, but removes stale ones', () => {
    const permanent = ['\\Seen', '\\Flagged', '$Forwarded'];
    expect(diffFlags(['\\Seen', 'NonJunk', '$Forwarded'], ['Old', '$forwarded'], permanent)).toEqual({
      add: ['\\Seen'],
      remove: ['Old'],
    });
  });
});
