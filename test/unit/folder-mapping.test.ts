import { describe, expect, it } from 'vitest';
import type { Folders } from '../../src/api/spec.js';
import { ConfigError } from '../../src/sync/errors.js';
import { foldersToCreate, mapFolders } from '../../src/sync/folders/map-folders.js';
import type { FolderInfo, FolderPair, MailboxTree } from '../../src/sync/types.js';

type Spec = string | [string, { specialUse?: string; flags?: string[]; subscribed?: boolean }];

function tree(prefix: string, delimiter: string, specs: Spec[]): MailboxTree {
  const folders: FolderInfo[] = specs.map((spec) => {
    const [path, extra] = typeof spec === 'string' ? [spec, {}] : spec;
    return {
      path,
      delimiter,
      flags: extra.flags ?? [],
      subscribed: extra.subscribed ?? true,
      ...(extra.specialUse ? { specialUse: extra.specialUse } : {}),
    };
  });
  return { folders, namespace: { prefix, delimiter } };
}

/** A Dovecot with `INBOX.` prefix and `.` separator. */
const dotted = (specs: Spec[]) => tree('INBOX.', '.', specs);
/** A server with no prefix and `/` separator. */
const slashed = (specs: Spec[]) => tree('', '/', specs);

function mapping(pairs: FolderPair[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => [pair.source, pair.destination]));
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('mapFolders: prefix and separator translation', () => {
  it('maps INBOX. + "." onto no prefix + "/" and back', () => {
    const source = dotted(['INBOX', 'INBOX.Sent', 'INBOX.a', 'INBOX.a.b', 'INBOX.a.b.c']);
    const destination = slashed(['INBOX']);
    expect(mapping(mapFolders(source, destination, { automap: false }))).toEqual({
      INBOX: 'INBOX',
      'INBOX.Sent': 'Sent',
      'INBOX.a': 'a',
      'INBOX.a.b': 'a/b',
      'INBOX.a.b.c': 'a/b/c',
    });
    const reverse = slashed(['INBOX', 'Sent', 'a', 'a/b', 'a/b/c']);
    expect(mapping(mapFolders(reverse, dotted(['INBOX']), { automap: false }))).toEqual({
      INBOX: 'INBOX',
      Sent: 'INBOX.Sent',
      a: 'INBOX.a',
      'a/b': 'INBOX.a.b',
      'a/b/c': 'INBOX.a.b.c',
    });
  });

  it('keeps names between servers of the same kind', () => {
    const source = dotted(['INBOX', 'INBOX.x.y']);
    expect(mapping(mapFolders(source, dotted(['INBOX']), {}))).toEqual({ INBOX: 'INBOX', 'INBOX.x.y': 'INBOX.x.y' });
  });

  it('treats INBOX case-insensitively', () => {
    const source = slashed(['inbox', 'Inbox/Sub']);
    const pairs = mapFolders(source, dotted(['INBOX']), { automap: false });
    expect(mapping(pairs)).toEqual({ inbox: 'INBOX', 'Inbox/Sub': 'INBOX.INBOX.Sub' });
    const prefixed = tree('inbox.', '.', ['inbox', 'inbox.Sent']);
    expect(mapping(mapFolders(prefixed, slashed(['INBOX']), { automap: false }))).toEqual({
      inbox: 'INBOX',
      'inbox.Sent': 'Sent',
    });
  });

  it('keeps folders named INBOX below the prefix apart from INBOX itself', () => {
    const source = dotted(['INBOX', 'INBOX.x', 'INBOX.INBOX', 'INBOX.INBOX.x']);
    const pairs = mapFolders(source, slashed(['INBOX']), { automap: false });
    expect(mapping(pairs)).toEqual({
      INBOX: 'INBOX',
      'INBOX.x': 'x',
      'INBOX.INBOX': 'INBOX/INBOX',
      'INBOX.INBOX.x': 'INBOX/x',
    });
    const back = slashed(['INBOX', 'x', 'INBOX/x', 'INBOX/INBOX']);
    expect(mapping(mapFolders(back, dotted(['INBOX']), { automap: false }))).toEqual({
      INBOX: 'INBOX',
      x: 'INBOX.x',
      'INBOX/x': 'INBOX.INBOX.x',
      'INBOX/INBOX': 'INBOX.INBOX.INBOX',
    });
  });

  it('replaces a destination separator inside a source name with "_"', () => {
    const source = slashed(['INBOX', 'v1.2', 'v1.2/notes', 'a.b.c']);
    expect(mapping(mapFolders(source, dotted(['INBOX']), { automap: false }))).toEqual({
      INBOX: 'INBOX',
      'v1.2': 'INBOX.v1_2',
      'v1.2/notes': 'INBOX.v1_2.notes',
      'a.b.c': 'INBOX.a_b_c',
    });
    const dottedSource = dotted(['INBOX', 'INBOX.2024/25']);
    expect(mapping(mapFolders(dottedSource, slashed(['INBOX']), { automap: false }))).toEqual({
      INBOX: 'INBOX',
      'INBOX.2024/25': '2024_25',
    });
  });

  it('passes UTF-8 names through unchanged', () => {
    const source = dotted(['INBOX', 'INBOX.Entwürfe', 'INBOX.日本語', 'INBOX.日本語.子']);
    expect(mapping(mapFolders(source, slashed(['INBOX']), { automap: false }))).toEqual({
      INBOX: 'INBOX',
      'INBOX.Entwürfe': 'Entwürfe',
      'INBOX.日本語': '日本語',
      'INBOX.日本語.子': '日本語/子',
    });
  });

  it('accepts a namespace prefix announced without its delimiter', () => {
    const source = tree('INBOX', '.', ['INBOX', 'INBOX.Sent']);
    expect(mapping(mapFolders(source, slashed(['INBOX']), { automap: false }))).toEqual({
      INBOX: 'INBOX',
      'INBOX.Sent': 'Sent',
    });
  });

  it('skips \\Noselect folders but keeps their children', () => {
    const source = slashed(['INBOX', ['archive', { flags: ['\\Noselect', '\\HasChildren'] }], 'archive/2020']);
    const pairs = mapFolders(source, dotted(['INBOX']), { automap: false });
    expect(mapping(pairs)).toEqual({ INBOX: 'INBOX', 'archive/2020': 'INBOX.archive.2020' });
  });

  it('sorts INBOX first, then parents before children, the same on every run', () => {
    const source = slashed(['b', 'a/z', 'Z', 'a', 'INBOX', 'a/b', 'ä']);
    const pairs = mapFolders(source, slashed(['INBOX']), { automap: false });
    expect(pairs.map((pair) => pair.source)).toEqual(['INBOX', 'Z', 'a', 'a/b', 'a/z', 'b', 'ä']);
    expect(mapFolders({ ...source, folders: [...source.folders].reverse() }, slashed(['INBOX']), {})).toEqual(pairs);
  });

  it('copies the subscription state and the special use into the pair', () => {
    const source = dotted([
      'INBOX',
      ['INBOX.Old', { subscribed: false }],
      ['INBOX.Stuff', { specialUse: '\\Archive' }],
    ]);
    const pairs = mapFolders(source, slashed(['INBOX']), { automap: false });
    expect(pairs).toEqual([
      { source: 'INBOX', destination: 'INBOX', subscribed: true },
      { source: 'INBOX.Old', destination: 'Old', subscribed: false },
      { source: 'INBOX.Stuff', destination: 'Stuff', subscribed: true, specialUse: '\\Archive' },
    ]);
  });
});

describe('mapFolders: special-use automap', () => {
  it('maps each special-use folder onto the destination folder with the same attribute', () => {
    const source = dotted([
      'INBOX',
      ['INBOX.Sent', { specialUse: '\\Sent' }],
      ['INBOX.Trash', { specialUse: '\\Trash' }],
      ['INBOX.Drafts', { specialUse: '\\Drafts' }],
      ['INBOX.Spam', { specialUse: '\\Junk' }],
      ['INBOX.Archive', { specialUse: '\\Archive' }],
    ]);
    const destination = slashed([
      'INBOX',
      ['Sent Items', { specialUse: '\\Sent' }],
      ['Deleted Items', { flags: ['\\HasNoChildren', '\\Trash'] }],
      ['Entwürfe', { specialUse: '\\Drafts' }],
      ['Junk E-mail', { specialUse: '\\Junk' }],
      ['Archiv', { specialUse: '\\Archive' }],
    ]);
    const pairs = mapFolders(source, destination, {});
    expect(mapping(pairs)).toEqual({
      INBOX: 'INBOX',
      'INBOX.Sent': 'Sent Items',
      'INBOX.Trash': 'Deleted Items',
      'INBOX.Drafts': 'Entwürfe',
      'INBOX.Spam': 'Junk E-mail',
      'INBOX.Archive': 'Archiv',
    });
    expect(pairs.find((pair) => pair.source === 'INBOX.Sent')).toMatchObject({
      automapped: true,
      specialUse: '\\Sent',
    });
  });

  it('is on by default and off with automap: false', () => {
    const source = dotted(['INBOX', ['INBOX.Sent', { specialUse: '\\Sent' }]]);
    const destination = slashed(['INBOX', ['Sent Items', { specialUse: '\\Sent' }]]);
    expect(mapping(mapFolders(source, destination, {}))['INBOX.Sent']).toBe('Sent Items');
    expect(mapping(mapFolders(source, destination, { automap: false }))['INBOX.Sent']).toBe('Sent');
  });

  it('guesses roles from well-known names when a side announces no special use', () => {
    const source = dotted(['INBOX', 'INBOX.Sent Messages', 'INBOX.Papierkorb', 'INBOX.Projects.Sent']);
    const destination = slashed(['INBOX', 'Gesendete Objekte', ['Bin', { specialUse: '\\Trash' }]]);
    expect(mapping(mapFolders(source, destination, {}))).toEqual({
      INBOX: 'INBOX',
      'INBOX.Papierkorb': 'Bin',
      'INBOX.Projects.Sent': 'Projects/Sent', // only top-level names are guessed
      'INBOX.Sent Messages': 'Gesendete Objekte',
    });
  });

  it('does not guess a role for a folder that announces another special use', () => {
    const source = dotted(['INBOX', ['INBOX.Sent', { specialUse: '\\Archive' }]]);
    const destination = slashed(['INBOX', ['Outbox', { specialUse: '\\Sent' }], ['Old', { specialUse: '\\Archive' }]]);
    expect(mapping(mapFolders(source, destination, {}))['INBOX.Sent']).toBe('Old');
  });

  it('never automaps \\All and \\Flagged (virtual folders that would duplicate mail)', () => {
    const source = slashed([
      'INBOX',
      ['[Gmail]', { flags: ['\\Noselect'] }],
      ['[Gmail]/All Mail', { specialUse: '\\All' }],
      ['[Gmail]/Starred', { specialUse: '\\Flagged' }],
    ]);
    const destination = dotted([
      'INBOX',
      ['INBOX.All', { specialUse: '\\All' }],
      ['INBOX.Flagged', { specialUse: '\\Flagged' }],
    ]);
    expect(mapping(mapFolders(source, destination, {}))).toEqual({
      INBOX: 'INBOX',
      '[Gmail]/All Mail': 'INBOX.[Gmail].All Mail',
      '[Gmail]/Starred': 'INBOX.[Gmail].Starred',
    });
  });

  it('picks one source folder per role: the announced one beats a name guess', () => {
    const source = slashed(['INBOX', 'Sent', ['Sent Items', { specialUse: '\\Sent' }]]);
    const destination = dotted(['INBOX', ['INBOX.Gesendet', { specialUse: '\\Sent' }]]);
    expect(mapping(mapFolders(source, destination, {}))).toEqual({
      INBOX: 'INBOX',
      Sent: 'INBOX.Sent',
      'Sent Items': 'INBOX.Gesendet',
    });
  });

  it('steps back instead of merging two source folders into one destination folder', () => {
    // Thunderbird's "Sent" next to the server's "Sent Items"; the destination's \Sent is called "Sent".
    const source = slashed(['INBOX', 'Sent', ['Sent Items', { specialUse: '\\Sent' }]]);
    const destination = dotted(['INBOX', ['INBOX.Sent', { specialUse: '\\Sent' }]]);
    const pairs = mapFolders(source, destination, {});
    expect(mapping(pairs)).toEqual({ INBOX: 'INBOX', Sent: 'INBOX.Sent', 'Sent Items': 'INBOX.Sent Items' });
    expect(pairs.some((pair) => pair.automapped)).toBe(false);
  });

  it('ignores a destination special folder that cannot be selected', () => {
    const source = dotted(['INBOX', ['INBOX.Sent', { specialUse: '\\Sent' }]]);
    const destination = slashed(['INBOX', ['Sent Items', { specialUse: '\\Sent', flags: ['\\Noselect'] }]]);
    expect(mapping(mapFolders(source, destination, {}))['INBOX.Sent']).toBe('Sent');
  });
});

describe('mapFolders: selection', () => {
  const source = dotted([
    'INBOX',
    'INBOX.Sent',
    'INBOX.Archive',
    'INBOX.Archive.2019',
    'INBOX.Archive.2020',
    'INBOX.Trash',
  ]);
  const destination = slashed(['INBOX']);
  const sources = (options: Folders) =>
    mapFolders(source, destination, { automap: false, ...options }).map((p) => p.source);

  it('include: a folder must match one of the regexes (on the full source name)', () => {
    expect(sources({ include: ['^INBOX\\.Archive'] })).toEqual([
      'INBOX.Archive',
      'INBOX.Archive.2019',
      'INBOX.Archive.2020',
    ]);
    expect(sources({ include: ['^INBOX$', 'Sent'] })).toEqual(['INBOX', 'INBOX.Sent']);
  });

  it('exclude: matching folders are skipped, after include', () => {
    expect(sources({ exclude: ['Trash', '\\.2019$'] })).toEqual([
      'INBOX',
      'INBOX.Archive',
      'INBOX.Archive.2020',
      'INBOX.Sent',
    ]);
    expect(sources({ include: ['Archive'], exclude: ['2020'] })).toEqual(['INBOX.Archive', 'INBOX.Archive.2019']);
  });

  it('subscribedOnly (imapsync --subscribed): the subscribed source folders, INBOX always, combined with exclude', () => {
    const partly = dotted([
      ['INBOX', { subscribed: true }],
      ['INBOX.Sent', { subscribed: true }],
      ['INBOX.Old', { subscribed: false }],
      ['INBOX.Work', { subscribed: true }],
    ]);
    const selected = (options: Folders) =>
      mapFolders(partly, destination, { automap: false, ...options }).map((p) => p.source);
    expect(selected({ subscribedOnly: true })).toEqual(['INBOX', 'INBOX.Sent', 'INBOX.Work']);
    expect(selected({ subscribedOnly: true, exclude: ['Work'] })).toEqual(['INBOX', 'INBOX.Sent']);
    expect(selected({})).toEqual(['INBOX', 'INBOX.Old', 'INBOX.Sent', 'INBOX.Work']);
  });

  it('only: exact source names (INBOX in any case), combined with exclude', () => {
    expect(sources({ only: ['inbox', 'INBOX.Archive'] })).toEqual(['INBOX', 'INBOX.Archive']);
    expect(sources({ only: ['INBOX', 'INBOX.Sent'], exclude: ['Sent'] })).toEqual(['INBOX']);
  });

  it('only: a folder that does not exist is a ConfigError', () => {
    const err = configError(() => sources({ only: ['INBOX.Nope'] }));
    expect(err.message).toContain('folders.only');
    expect(err.message).toContain('INBOX.Nope');
    expect(err.reason).toBe('InvalidConfiguration');
  });

  it('an invalid regex is a ConfigError naming the field and the pattern, in the words of specProblems', () => {
    expect(configError(() => sources({ include: ['Archive('] })).message).toBe(
      'spec.folders.include[0]: invalid regular expression: /Archive(/: Unterminated group',
    );
    expect(configError(() => sources({ exclude: ['ok', '[a-'] })).message).toBe(
      'spec.folders.exclude[1]: invalid regular expression: /[a-/: Unterminated character class',
    );
    expect(configError(() => sources({ rename: [{ from: '(', to: 'x' }] })).message).toMatch(
      /^spec\.folders\.rename\[0\]\.from: invalid regular expression: /,
    );
  });
});

describe('mapFolders: subfolder (imapsync --subfolder2)', () => {
  it('puts everything under the subfolder, INBOX as <subfolder>/INBOX', () => {
    const source = dotted(['INBOX', 'INBOX.Sent', 'INBOX.a.b']);
    expect(mapping(mapFolders(source, slashed(['INBOX']), { subfolder: 'Old Server' }))).toEqual({
      INBOX: 'Old Server/INBOX',
      'INBOX.Sent': 'Old Server/Sent',
      'INBOX.a.b': 'Old Server/a/b',
    });
    const back = slashed(['INBOX', 'Sent']);
    expect(mapping(mapFolders(back, dotted(['INBOX']), { subfolder: 'Import.2024' }))).toEqual({
      INBOX: 'INBOX.Import.2024.INBOX',
      Sent: 'INBOX.Import.2024.Sent',
    });
  });

  it('accepts a subfolder already written with the destination prefix', () => {
    const source = slashed(['INBOX', 'Sent']);
    expect(mapping(mapFolders(source, dotted(['INBOX']), { subfolder: 'INBOX.Import' }))).toEqual({
      INBOX: 'INBOX.Import.INBOX',
      Sent: 'INBOX.Import.Sent',
    });
  });

  it('turns automap off: the imported mail stays apart from the destination folders', () => {
    const source = dotted(['INBOX', ['INBOX.Sent', { specialUse: '\\Sent' }]]);
    const destination = slashed(['INBOX', ['Sent Items', { specialUse: '\\Sent' }]]);
    expect(mapping(mapFolders(source, destination, { subfolder: 'Old' }))['INBOX.Sent']).toBe('Old/Sent');
  });
});

describe('mapFolders: rename rules (imapsync --regextrans2)', () => {
  it('apply in order, each on the previous result, on the destination name', () => {
    const source = slashed(['INBOX', 'mail/Sent Items', 'mail/Test', 'Other']);
    const pairs = mapFolders(source, dotted(['INBOX']), {
      automap: false,
      rename: [
        { from: '^INBOX\\.mail\\.Sent Items$', to: 'INBOX.Sent' },
        { from: '^INBOX\\.mail\\.', to: 'INBOX.Old.' },
        { from: 'old', to: 'Older', flags: 'i' },
      ],
    });
    expect(mapping(pairs)).toEqual({
      INBOX: 'INBOX',
      'mail/Sent Items': 'INBOX.Sent',
      'mail/Test': 'INBOX.Older.Test',
      Other: 'INBOX.Other',
    });
  });

  it('can rename INBOX itself, and a rename back to inbox is INBOX', () => {
    const source = slashed(['INBOX', 'Migrated']);
    const pairs = mapFolders(source, slashed(['INBOX']), {
      rename: [
        { from: '^INBOX$', to: 'Inbox_Migrated' },
        { from: '^Migrated$', to: 'inbox' },
      ],
    });
    expect(mapping(pairs)).toEqual({ INBOX: 'Inbox_Migrated', Migrated: 'INBOX' });
  });

  it('apply after the subfolder, and not to automapped folders', () => {
    const source = dotted(['INBOX', ['INBOX.Sent', { specialUse: '\\Sent' }], 'INBOX.x']);
    const destination = slashed(['INBOX', ['Sent Items', { specialUse: '\\Sent' }]]);
    const renamed = mapFolders(source, destination, { rename: [{ from: '^(.*)$', to: 'pre-$1' }] });
    expect(mapping(renamed)).toEqual({ INBOX: 'pre-INBOX', 'INBOX.Sent': 'Sent Items', 'INBOX.x': 'pre-x' });
    const under = mapFolders(source, destination, { subfolder: 'S', rename: [{ from: '^S/', to: 'T/' }] });
    expect(mapping(under)).toEqual({ INBOX: 'T/INBOX', 'INBOX.Sent': 'T/Sent', 'INBOX.x': 'T/x' });
  });

  it('refuses to merge several source folders into one (ConfigError naming them)', () => {
    const source = slashed(['INBOX', 'a', 'b']);
    const err = configError(() => mapFolders(source, slashed(['INBOX']), { rename: [{ from: '.*', to: 'INBOX' }] }));
    expect(err.message).toContain('"INBOX" and "a" and "b"');
    expect(err.message).toContain('merging folders is not supported');
  });

  it('refuses two source names that meet after separator replacement', () => {
    const source = slashed(['INBOX', 'a.b', 'a_b']);
    expect(configError(() => mapFolders(source, dotted(['INBOX']), {})).message).toContain('"INBOX.a_b"');
  });

  it('refuses a rule that empties a name', () => {
    const source = slashed(['INBOX', 'x']);
    expect(
      configError(() => mapFolders(source, slashed(['INBOX']), { rename: [{ from: '^x$', to: '' }] })).message,
    ).toContain('empty name');
  });
});

describe('foldersToCreate', () => {
  it('lists missing destination folders and their missing parents, parents first', () => {
    const source = slashed(['INBOX', 'a/b/c', 'x', 'Sent', 'a/b/d']);
    const destination = dotted(['INBOX', 'INBOX.x']);
    const pairs = mapFolders(source, destination, { automap: false });
    expect(foldersToCreate(pairs, destination)).toEqual([
      'INBOX.Sent',
      'INBOX.a',
      'INBOX.a.b',
      'INBOX.a.b.c',
      'INBOX.a.b.d',
    ]);
  });

  it('never creates INBOX, and creates nothing when everything exists', () => {
    const source = dotted(['INBOX', 'INBOX.Sent']);
    const destination = slashed(['INBOX', 'Sent']);
    expect(foldersToCreate(mapFolders(source, destination, {}), destination)).toEqual([]);
  });

  it('creates a \\Noselect target but keeps a \\Noselect parent; \\NonExistent counts as missing', () => {
    const destination = slashed([
      'INBOX',
      ['a', { flags: ['\\Noselect'] }],
      ['p', { flags: ['\\NonExistent'] }],
      ['q', { flags: ['\\Noselect'] }],
    ]);
    const pairs: FolderPair[] = [
      { source: 'x', destination: 'a/b', subscribed: true },
      { source: 'y', destination: 'p/c', subscribed: true },
      { source: 'z', destination: 'q', subscribed: true },
    ];
    expect(foldersToCreate(pairs, destination)).toEqual(['p', 'p/c', 'a/b', 'q'].sort());
  });

  it('creates the subfolder parent, not the namespace root', () => {
    const source = slashed(['INBOX', 'Sent']);
    const destination = tree('Mail/', '/', ['INBOX']);
    const pairs = mapFolders(source, destination, { subfolder: 'Old' });
    expect(mapping(pairs)).toEqual({ INBOX: 'Mail/Old/INBOX', Sent: 'Mail/Old/Sent' });
    expect(foldersToCreate(pairs, destination)).toEqual(['Mail/Old', 'Mail/Old/INBOX', 'Mail/Old/Sent']);
  });

  it('matches existing destination folders with INBOX in any case', () => {
    const destination = dotted(['INBOX', 'inbox.Sent']);
    const pairs: FolderPair[] = [{ source: 'Sent', destination: 'INBOX.Sent', subscribed: true }];
    expect(foldersToCreate(pairs, destination)).toEqual([]);
  });
});

describe('folders.map (imapsync --f1f2)', () => {
  const source = slashed(['INBOX', 'Files', ['Sent', { specialUse: '\\Sent' }], 'Work']);
  const destination = dotted(['INBOX', ['INBOX.Sent Items', { specialUse: '\\Sent' }]]);

  it('gives the destination name as written, over automap and the rename rules', () => {
    const pairs = mapFolders(source, destination, {
      map: [
        { source: 'Files', destination: 'INBOX.Files_renamed_by_imapsync' },
        { source: 'Sent', destination: 'INBOX.Old Sent' },
        { source: 'Absent', destination: 'INBOX.Nowhere' },
      ],
      rename: [{ from: 'Work', to: 'Job' }],
    });
    expect(mapping(pairs)).toEqual({
      INBOX: 'INBOX',
      Files: 'INBOX.Files_renamed_by_imapsync',
      Sent: 'INBOX.Old Sent',
      Work: 'INBOX.Job',
    });
    expect(pairs.find((p) => p.source === 'Sent')?.automapped).toBeUndefined();
  });

  it('matches a source name without the source personal prefix too (INBOX.Files is Files)', () => {
    const pairs = mapFolders(dotted(['INBOX', 'INBOX.Files']), slashed(['INBOX']), {
      map: [{ source: 'Files', destination: 'Files_renamed_by_imapsync' }],
    });
    expect(mapping(pairs)).toEqual({ INBOX: 'INBOX', 'INBOX.Files': 'Files_renamed_by_imapsync' });
  });

  it('refuses a mapping that merges two folders', () => {
    expect(() => mapFolders(source, destination, { map: [{ source: 'Files', destination: 'INBOX.Work' }] })).toThrow(
      /would all sync into destination folder/,
    );
  });
});
