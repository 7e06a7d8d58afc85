/**
 * imapsync options that mailsync does not map onto a spec field. Each one is
 * either accepted with a notice (its effect is what mailsync always does, or it
 * is about imapsync's own housekeeping) or refused with the reason. None is
 * ever silently ignored. docs/imapsync-options.md documents the same list (a
 * test checks that every name here appears there).
 */

export interface CompatOption {
  /** 'notice': accepted, prints why it has no effect. 'unsupported': a ConfigError with why. */
  kind: 'notice' | 'unsupported';
  /** Whether the option takes a value (consumed so the next option parses). */
  takesValue: boolean;
  why: string;
}

const notice = (why: string, takesValue = false): CompatOption => ({ kind: 'notice', takesValue, why });
const unsupported = (why: string, takesValue = false): CompatOption => ({ kind: 'unsupported', takesValue, why });

const TRANSFORMS = 'messages are copied byte for byte; mailsync never rewrites or filters message content';
const NO_FOLDER_DELETE = 'mailsync never deletes folders';
const PRESETS = 'provider presets are not built in; give --host, --port and --ssl explicitly (see docs/cli.md)';

export const IMAPSYNC_COMPAT: Readonly<Record<string, CompatOption>> = {
  // Always on in mailsync.
  syncinternaldates: notice('INTERNALDATE is always copied'),
  syncduplicates: notice(
    'duplicates inside a folder are always kept (k copies on the source give k on the destination)',
  ),
  addheader: notice(
    'messages without Message-ID get a stable identity from Date, From, Subject and size; no header is ever added',
  ),
  skipsize: notice('the message size is not part of the identity of a message that has a Message-ID or Received'),
  noskipsize: notice('the message size is only part of the fallback identity (messages without identity headers)'),
  uidexpunge2: notice('with --delete2, destination messages are always removed by UID (UID EXPUNGE when offered)'),
  nosyncacls: notice('ACLs are never synced'),
  nofoldersizes: notice('folder sizes are not computed before the sync (only with --justfoldersizes)'),
  nofoldersizesatend: notice('folder sizes are not computed at the end; the verification pass compares identities'),
  nousecache: notice('mailsync keeps no cache unless --state-file is given'),
  usecache: notice('no imapsync cache; use --state-file for fast delta passes'),
  checkselectable: notice('\\Noselect folders are always skipped'),
  nocheckselectable: notice('\\Noselect folders are always skipped'),
  // imapsync housekeeping that has no equivalent.
  tmpdir: notice('mailsync writes no temporary files', true),
  pidfile: notice('mailsync writes no pid file', true),
  pidfilelocking: notice(
    'no pid file lock; in Kubernetes the controller guarantees one sync per account pair, locally you must',
  ),
  nolog: notice('mailsync writes no log file; the log goes to stdout'),
  log: notice('mailsync writes no log file; redirect stdout to keep the log'),
  logfile: notice('mailsync writes no log file; redirect stdout to keep the log', true),
  logdir: notice('mailsync writes no log file; redirect stdout to keep the log', true),
  noreleasecheck: notice('mailsync never contacts any server but the two IMAP servers'),
  releasecheck: notice('mailsync never contacts any server but the two IMAP servers'),
  'no-modulesversion': notice('there are no Perl modules to report'),
  modulesversion: notice('there are no Perl modules to report'),
  noid: notice('mailsync does not send the IMAP ID command'),
  folderfirst: notice('folders are synced in parallel; their order is not configurable', true),
  folderlast: notice('folders are synced in parallel; their order is not configurable', true),
  prefix1: notice('the prefix is read from the server (NAMESPACE); use --subfolder2 to sync under a folder', true),
  prefix2: notice('the prefix is read from the server (NAMESPACE); use --subfolder2 to sync under a folder', true),
  sep1: notice('the separator is read from the server (LIST/NAMESPACE)', true),
  sep2: notice('the separator is read from the server (LIST/NAMESPACE)', true),
  fastio1: notice('I/O buffering is automatic'),
  fastio2: notice('I/O buffering is automatic'),
  buffersize: notice('I/O buffering is automatic', true),
  split1: notice('FETCH batches are sized automatically (performance.batchMessages in the config)', true),
  split2: notice('APPEND batches are sized automatically (performance.batchMessages in the config)', true),
  maxsleep: notice('throttling sleeps as long as the rate limit needs', true),
  // Refused: the behaviour would differ from what the script expects.
  showpasswords: unsupported('mailsync never prints passwords'),
  syncacls: unsupported('ACLs are not standardised across servers and are never synced'),
  useuid: unsupported('UIDs differ between servers; use --state-file for fast delta passes'),
  maxlinelength: unsupported(TRANSFORMS, true),
  regexmess: unsupported(TRANSFORMS, true),
  pipemess: unsupported(TRANSFORMS, true),
  skipmess: unsupported(TRANSFORMS, true),
  disarmreadreceipts: unsupported(TRANSFORMS),
  regexflag: unsupported('flags and keywords are copied as they are', true),
  skipheader: unsupported('the identity headers are chosen with --useheader', true),
  search: unsupported('message selection is by --maxsize/--minsize/--maxage/--minage only', true),
  search1: unsupported('message selection is by --maxsize/--minsize/--maxage/--minage only', true),
  search2: unsupported('message selection is by --maxsize/--minsize/--maxage/--minage only', true),
  idatefromheader: unsupported('INTERNALDATE is always copied from the source'),
  nosyncinternaldates: unsupported('INTERNALDATE is always copied from the source'),
  skipcrossduplicates: unsupported('every folder is synced completely; cross-folder deduplication would lose mail'),
  delete2duplicates: unsupported('duplicates are kept as a multiset, never deleted'),
  delete2folders: unsupported(NO_FOLDER_DELETE),
  delete2foldersonly: unsupported(NO_FOLDER_DELETE, true),
  delete2foldersbutnot: unsupported(NO_FOLDER_DELETE, true),
  delete1emptyfolders: unsupported(NO_FOLDER_DELETE),
  expunge: unsupported('mailsync never expunges messages it did not delete itself'),
  expunge1: unsupported('mailsync never expunges messages it did not delete itself'),
  expunge2: unsupported('mailsync never expunges messages it did not delete itself'),
  noexpungeaftereach: notice('with --delete1, messages are expunged by UID in batches'),
  subscribeall: unsupported('subscriptions are copied as they are on the source (folders.subscribe)'),
  subscribed: unsupported('all folders are synced; select folders with --folder, --include and --exclude'),
  skipemptyfolders: unsupported('every selected source folder is created on the destination'),
  nomixfolders: unsupported('folder names are mapped one to one'),
  folderrec: unsupported("use --include '^Name' to sync a folder and its subfolders", true),
  f1f2: unsupported("use --regextrans2 's/^Old$/New/' for a fixed mapping", true),
  subfolder1: unsupported('only --subfolder2 is supported', true),
  proxyauth1: unsupported(
    'PROXYAUTH is not supported; --authuser1 logs in with SASL PLAIN and an authorization identity',
  ),
  proxyauth2: unsupported(
    'PROXYAUTH is not supported; --authuser2 logs in with SASL PLAIN and an authorization identity',
  ),
  authmd51: unsupported('only LOGIN, PLAIN and XOAUTH2 are supported'),
  authmd52: unsupported('only LOGIN, PLAIN and XOAUTH2 are supported'),
  domain1: unsupported('NTLM is not supported; only LOGIN, PLAIN and XOAUTH2', true),
  domain2: unsupported('NTLM is not supported; only LOGIN, PLAIN and XOAUTH2', true),
  synclabels: unsupported('Gmail labels are synced as folders'),
  resynclabels: unsupported('Gmail labels are synced as folders'),
  gmail1: unsupported(PRESETS),
  gmail2: unsupported(PRESETS),
  office1: unsupported(PRESETS),
  office2: unsupported(PRESETS),
  exchange1: unsupported(PRESETS),
  exchange2: unsupported(PRESETS),
  domino1: unsupported(PRESETS),
  domino2: unsupported(PRESETS),
  maxbytesafter: unsupported('--maxbytespersecond applies from the first byte', true),
  abort: unsupported('send SIGTERM (or Ctrl-C) to the running mailsync to stop it cleanly'),
  justconnect: unsupported('use --justlogin to check both servers'),
  tests: unsupported('run the test suite with `make test`'),
  testslive: unsupported('run the test suite with `make test`'),
  testslive6: unsupported('run the test suite with `make test`'),
  emailreport1: unsupported('no report e-mail is written; the final summary goes to stdout'),
  emailreport2: unsupported('no report e-mail is written; the final summary goes to stdout'),
};
