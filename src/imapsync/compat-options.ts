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

const TRANSFORMS =
  'messages are changed only by --regexmess, --disarmreadreceipts and the presets (spec.messages); no command runs on them and none is cut or skipped by its content';
const NO_FOLDER_DELETE =
  'mailsync never deletes folders (one mapping mistake would delete their mail); remove them on the server yourself';
const SEARCH =
  'IMAP SEARCH strings differ between servers; select messages with --maxsize, --minsize, --maxage and --minage';
const OAUTHDIRECT =
  'give the access token with --oauthaccesstoken1/2 (or a file holding it); mailsync builds the XOAUTH2 string from the user and the token';
const RECONNECT =
  'a lost connection is reopened up to 8 times per folder with exponential backoff (0.5 s to 15 s), then the run fails (exit 10/11)';
const NO_PIDFILE_TAIL =
  "mailsync writes no pid file to follow; in Kubernetes a second MailSync for the same account pair mirrors the running sync's log in its status";
const AGES_FROM_INTERNALDATE = '--maxage and --minage always use INTERNALDATE (no SEARCH on the Date: header)';
const PRESETS =
  'of the provider presets only Gmail (--gmail1/2/12), Office 365 (--office1/2) and Exchange (--exchange1/2) are built in; give --host, --port and --ssl explicitly (see docs/cli.md)';

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
  foldersizes: notice('folder sizes are not computed before the sync (only with --justfoldersizes)'),
  foldersizesatend: notice('folder sizes are not computed at the end; the verification pass compares identities'),
  keepalive1: notice('TCP keepalive is always on (probes after 30 s idle)'),
  keepalive2: notice('TCP keepalive is always on (probes after 30 s idle)'),
  nokeepalive1: notice('TCP keepalive is always on: it only makes idle connections survive firewalls'),
  nokeepalive2: notice('TCP keepalive is always on: it only makes idle connections survive firewalls'),
  reconnectretry1: notice(RECONNECT, true),
  reconnectretry2: notice(RECONNECT, true),
  sslcheck: notice('TLS is always tried first, in imapsync order (implicit TLS on 993, then STARTTLS)'),
  nosslcheck: notice('TLS is always tried first; use --nossl1 --notls1 to ask for a plaintext connection'),
  tail: notice(NO_PIDFILE_TAIL),
  notail: notice(NO_PIDFILE_TAIL),
  noemailreport1: notice('no report e-mail is ever written'),
  noemailreport2: notice('no report e-mail is ever written'),
  noabletosearch: notice(AGES_FROM_INTERNALDATE),
  noabletosearch1: notice(AGES_FROM_INTERNALDATE),
  noabletosearch2: notice(AGES_FROM_INTERNALDATE),
  filterbuggyflags: notice(
    'flags a client cannot set (\\Recent, unknown backslash flags) are always left out of APPEND and STORE',
  ),
  // Refused: the behaviour would differ from what the script expects.
  showpasswords: unsupported('mailsync never prints passwords'),
  syncacls: unsupported('ACLs are not standardised across servers and are never synced'),
  useuid: unsupported('UIDs differ between servers; use --state-file for fast delta passes'),
  pipemess: unsupported(
    'it runs a command on every message; mailsync runs no outside command (a worker pod has none); use --regexmess',
    true,
  ),
  truncmess: unsupported(TRANSFORMS, true),
  skipmess: unsupported(TRANSFORMS, true),
  skipheader: unsupported('the identity headers are chosen with --useheader', true),
  search: unsupported(SEARCH, true),
  search1: unsupported(SEARCH, true),
  search2: unsupported(SEARCH, true),
  idatefromheader: unsupported(
    'INTERNALDATE is always copied from the source (a date made from the Date: header would differ)',
  ),
  nosyncinternaldates: unsupported('INTERNALDATE is always copied from the source'),
  delete2duplicates: unsupported('duplicates are kept as a multiset, never deleted'),
  delete2folders: unsupported(NO_FOLDER_DELETE),
  delete2foldersonly: unsupported(NO_FOLDER_DELETE, true),
  delete2foldersbutnot: unsupported(NO_FOLDER_DELETE, true),
  delete1emptyfolders: unsupported(NO_FOLDER_DELETE),
  expunge: unsupported('mailsync never expunges messages it did not delete itself'),
  expunge1: unsupported(
    'mailsync never expunges messages it did not delete itself; --delete1 expunges what it deletes (by UID)',
  ),
  expunge2: unsupported(
    'mailsync never expunges messages it did not delete itself; --delete2 expunges what it deletes (by UID)',
  ),
  noexpungeaftereach: notice('with --delete1, messages are expunged by UID in batches'),
  subscribeall: unsupported('subscriptions are copied as they are on the source (folders.subscribe)'),
  skipemptyfolders: unsupported(
    'every selected source folder is created on the destination; leave folders out with --exclude',
  ),
  nomixfolders: unsupported('folder names are mapped one to one'),
  folderrec: unsupported("use --include '^Name' to sync a folder and its subfolders", true),
  subfolder1: unsupported(
    "only --subfolder2 is supported; to bring the tree under F to the top use --include '^F(/|$)' --regextrans2 's{^F/}{}'",
    true,
  ),
  oauthdirect1: unsupported(OAUTHDIRECT, true),
  oauthdirect2: unsupported(OAUTHDIRECT, true),
  appendlimit: unsupported(
    "the destination's APPENDLIMIT (RFC 7889) is read from the server and bigger messages are counted as errors; to skip big messages use --maxsize",
    true,
  ),
  justfolderlists: unsupported('use --dry: its plan lists each source folder with its destination folder name'),
  domain1: unsupported('NTLM is not supported; use LOGIN, PLAIN, XOAUTH2 or CRAM-MD5 (--authmech1)', true),
  domain2: unsupported('NTLM is not supported; use LOGIN, PLAIN, XOAUTH2 or CRAM-MD5 (--authmech2)', true),
  domino1: unsupported(PRESETS),
  domino2: unsupported(PRESETS),
  abort: unsupported('send SIGTERM (or Ctrl-C) to the running mailsync to stop it cleanly'),
  justconnect: unsupported('use --justlogin to check both servers'),
  tests: unsupported('run the test suite with `make test`'),
  testslive: unsupported('run the test suite with `make test`'),
  testslive6: unsupported('run the test suite with `make test`'),
  emailreport1: unsupported('no report e-mail is written; the final summary goes to stdout'),
  emailreport2: unsupported('no report e-mail is written; the final summary goes to stdout'),
};
