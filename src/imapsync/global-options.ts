/**
 * The options without a side: imapsync's folder, message, mode and limit
 * options, the --debug* family, and mailsync's own (--config, --state-file,
 * --log-format, --folder-concurrency). docs/imapsync-options.md documents
 * each one (a test checks that none is missing there).
 */
import { ConfigError } from '../sync/errors.js';
import { parseRegextrans2 } from '../sync/regextrans.js';
import { MESSAGE_OPTIONS } from './message-options.js';
import { appendsTo, numberField, type OptionDef, setsField, stringField, type ValueKind } from './option-def.js';
import type { ModeOption, ParseState } from './parse-state.js';
import { GMAIL12_OPTION } from './preset-options.js';
import { setTimeoutSeconds } from './sided-options.js';

/** A flag of the command itself (help, version): sets that field of SyncArgs. */
function commandFlag(field: 'help' | 'version'): OptionDef {
  return {
    value: 'none',
    apply: (s) => {
      s[field] = true;
    },
  };
}

/** A file name for the command itself. */
function commandFile(field: 'configFile' | 'stateFile'): OptionDef {
  return {
    value: 'string',
    apply: (s, v) => {
      s[field] = v;
    },
  };
}

/** imapsync's --dry and --just*: collected, combined into one mode at the end (resolve.ts). */
function modeFlag(mode: ModeOption): OptionDef {
  return { value: 'none', apply: (s) => void s.modes.add(mode) };
}

/** The --debug* family: all of them turn on --debug; IMAP traces are never printed. */
function debugFlag(value: ValueKind): OptionDef {
  return {
    value,
    apply: (s, _v, name) => {
      s.debug = true;
      if (name !== 'debug')
        s.notices.push(`--${name} turns on --debug (IMAP traces are never printed: they hold secrets)`);
    },
  };
}

/** A flag with a notice besides its effect. */
function withNotice(def: OptionDef, notice: string): OptionDef {
  return {
    value: def.value,
    apply: (s: ParseState, v, name) => {
      def.apply(s, v, name);
      s.notices.push(notice);
    },
  };
}

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionDef>> = {
  // The command itself.
  help: commandFlag('help'),
  h: commandFlag('help'),
  version: commandFlag('version'),
  config: commandFile('configFile'),
  'state-file': commandFile('stateFile'),
  'log-format': {
    value: 'string',
    apply: (s, v) => {
      if (v !== 'json' && v !== 'human') throw new ConfigError(`--log-format must be json or human, got '${v}'`);
      s.logFormat = v;
    },
  },
  'folder-concurrency': numberField('int', 'performance', 'folderConcurrency'),
  'imapsync-compat': {
    value: 'none',
    apply: (s) => {
      s.imapsyncCompat = true;
    },
  },
  debug: debugFlag('none'),
  debugimap: debugFlag('none'),
  debugimap1: debugFlag('none'),
  debugimap2: debugFlag('none'),
  debugfolders: debugFlag('none'),
  debugflags: debugFlag('none'),
  debugcontent: debugFlag('none'),
  debugmemory: debugFlag('none'),
  debugcrossduplicates: debugFlag('none'),
  debugssl: debugFlag('int'),

  // Folders.
  automap: setsField('folders', 'automap', true),
  noautomap: setsField('folders', 'automap', false),
  folder: appendsTo('folders', 'only'),
  include: appendsTo('folders', 'include'),
  exclude: appendsTo('folders', 'exclude'),
  // imapsync: forget the --exclude options given so far (the config file's too), and a preset's (preset-options.ts).
  noexclude: {
    value: 'none',
    apply: (s) => {
      Object.assign(s.overrides.folders, { exclude: undefined });
      s.optOuts.add('exclude');
    },
  },
  regextrans2: appendsTo('folders', 'rename', parseRegextrans2),
  subfolder2: stringField('folders', 'subfolder'),
  subscribed: setsField('folders', 'subscribedOnly', true),
  subscribe: setsField('folders', 'subscribe', true),
  nosubscribe: setsField('folders', 'subscribe', false),
  folderfirst: appendsTo('folders', 'first'),
  folderlast: appendsTo('folders', 'last'),

  // Messages.
  useheader: appendsTo('top', 'identityHeaders'),
  delete1: setsField('top', 'deleteOnSource', true),
  delete: withNotice(
    setsField('top', 'deleteOnSource', true),
    '--delete is the old name of --delete1 (delete on the source after a verified copy)',
  ),
  delete2: setsField('top', 'deleteOnDestination', true),
  nouidexpunge2: {
    value: 'none',
    apply: (s) => {
      s.noExpunge.destination = true;
    },
  },
  resyncflags: setsField('top', 'syncFlags', true),
  noresyncflags: setsField('top', 'syncFlags', false),
  skipcrossduplicates: setsField('top', 'skipCrossDuplicates', true),
  noskipcrossduplicates: setsField('top', 'skipCrossDuplicates', false),
  synclabels: setsField('top', 'syncLabels', true),
  nosynclabels: setsField('top', 'syncLabels', false),
  resynclabels: setsField('top', 'resyncLabels', true),
  noresynclabels: setsField('top', 'resyncLabels', false),
  maxsize: numberField('int', 'filters', 'maxSize'),
  minsize: numberField('int', 'filters', 'minSize'),
  maxage: numberField('number', 'filters', 'maxAgeDays'),
  minage: numberField('number', 'filters', 'minAgeDays'),
  ...MESSAGE_OPTIONS,

  // Modes and limits.
  dry: modeFlag('dry'),
  justfolders: modeFlag('justfolders'),
  justlogin: modeFlag('justlogin'),
  justfoldersizes: modeFlag('justfoldersizes'),
  maxbytespersecond: numberField('int', 'throttle', 'maxBytesPerSecond'),
  maxbytesafter: numberField('int', 'throttle', 'unthrottledBytes'),
  maxmessagespersecond: numberField('number', 'throttle', 'maxMessagesPerSecond'),
  exitwhenover: numberField('int', 'throttle', 'maxBytesPerRun'),
  errorsmax: numberField('int', 'top', 'errorsMax'),
  // imapsync's --authmd5: CRAM-MD5 on both sides.
  authmd5: {
    value: 'none',
    apply: (s) => {
      s.overrides.source.authMechanism = 'CRAM-MD5';
      s.overrides.destination.authMechanism = 'CRAM-MD5';
    },
  },
  // Older imapsync: one timeout for both sides.
  // --gmail1 and --gmail2 are per side (preset-options.ts); this is both at once.
  gmail12: GMAIL12_OPTION,
  timeout: {
    value: 'int',
    apply: (s, v, name) => setTimeoutSeconds(s, ['source', 'destination'], name, Number(v)),
  },
};
