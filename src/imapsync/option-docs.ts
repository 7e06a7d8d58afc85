/**
 * What docs/imapsync-options.md says about each mapped option (global-options.ts,
 * sided-options.ts): one row per group of options that share a spec field and a
 * note. The refused and no-effect options document themselves (their `why` in
 * compat-options.ts). scripts/imapsync-options-doc.ts renders the page from these
 * tables; a test fails when an option has no row here, or a row names an option
 * the parser does not know.
 */

export type DocGroup = 'connection' | 'folders' | 'messages' | 'presets' | 'modes' | 'own';

export interface OptionDocRow {
  group: DocGroup;
  /** Option names as in the tables (per-side ones without their 1/2). */
  options: readonly string[];
  /** Per-side options: shown as `--host1`, field `source.host`; they exist for both sides. */
  sided?: boolean;
  /** Placeholder of the value, when the options take one ("H" in `--host1 H`). */
  arg?: string;
  /** The spec field set, relative to the side for per-side options. */
  field?: string;
  notes?: string;
}

const sided = (options: readonly string[], rest: Omit<OptionDocRow, 'options' | 'sided' | 'group'>): OptionDocRow => ({
  group: 'connection',
  options,
  sided: true,
  ...rest,
});

export const OPTION_DOC_ROWS: readonly OptionDocRow[] = [
  sided(['host'], { arg: 'H', field: 'host' }),
  sided(['port'], { arg: 'N', field: 'port', notes: 'default 993 for implicit TLS, else 143' }),
  sided(['user'], { arg: 'U', field: 'user' }),
  sided(['passfile'], { arg: 'FILE', field: 'passwordFile', notes: 'the first line of the file; **recommended**' }),
  sided(['password'], {
    arg: 'P',
    field: 'passwordEnv',
    notes:
      'the CLI puts the password in a private environment variable and rewrites its own command line (`ps` then shows `mailsync sync`), but it was visible to `ps` until then: a warning says so. Prefer `--passfile1`. Without any credential option, `IMAPSYNC_PASSWORD1` (environment) is used, as by imapsync.',
  }),
  sided(['oauthaccesstoken'], {
    arg: 'T',
    field: 'oauth2TokenFile',
    notes:
      '`T` is a file holding the token (re-read on every reconnect) or the token itself (then written to a private temporary file, mode 0600, removed at exit, with a warning); sets `authMechanism: XOAUTH2`. A `--password1` next to it (imapsync wanted a dummy one) is ignored with a notice. A value that looks like a path but does not exist is an error.',
  }),
  sided(['authmech'], {
    arg: 'M',
    field: 'authMechanism',
    notes:
      '`LOGIN`, `PLAIN`, `XOAUTH2`, `CRAM-MD5` (any case); other mechanisms are refused. CRAM-MD5 (legacy servers) is logged as a warning at every start',
  }),
  sided(['proxyauth'], {
    field: 'proxyAuth: true',
    notes:
      'with `--authuser1 A`: log in as `A` (its password, LOGIN or PLAIN), then `PROXYAUTH` the `--user1` (Sun/iPlanet/Oracle Messaging Server); for Dovecot (master users), Cyrus and the like use `--authuser1` alone',
  }),
  sided(['authmd5'], {
    field: 'authMechanism: CRAM-MD5',
    notes: "imapsync's name for `--authmech1 CRAM-MD5`",
  }),
  sided(['authuser'], {
    arg: 'A',
    field: 'authUser',
    notes: 'admin/proxy login: SASL PLAIN as `A` with `--user1` as the authorization identity',
  }),
  sided(['ssl'], {
    field: 'tls: implicit',
    notes: 'TLS from the first byte (port 993); with `--tls1` or `--nossl1` it is refused (contradictory)',
  }),
  sided(['tls'], { field: 'tls: starttls', notes: 'STARTTLS, fails if not offered' }),
  sided(['nossl'], {
    field: 'tls: starttls',
    notes:
      'no implicit TLS, so STARTTLS; `--nossl1 --notls1` together are an explicit request for plaintext: `tls: none` + `allowPlaintext: true`, with a notice',
  }),
  sided(['notls'], {
    field: 'tls: implicit',
    notes:
      'no STARTTLS, so implicit TLS. Without any of the TLS options: `tls: auto` (implicit TLS on 993, else STARTTLS when announced, else plaintext only with `--allow-plaintext1`)',
  }),
  sided(['timeout'], {
    arg: 'S',
    field: 'timeoutSeconds',
    notes: '`0` (imapsync: no timeout) becomes the maximum, 3600, with a notice',
  }),
  sided(['sslargs'], {
    arg: 'K=V',
    field: 'insecureSkipVerify / caFile',
    notes:
      '`SSL_verify_mode=0` sets `insecureSkipVerify: true`; `SSL_verify_mode=1`: notice, certificates are always verified; `SSL_ca_file=F` sets `caFile`; `SSL_version=...`: notice, TLS 1.2 or newer is always negotiated; any other key is refused (use `--cafile1` or `--insecure1`)',
  }),
  sided(['compress', 'nocompress'], {
    field: 'performance.compress',
    notes:
      'COMPRESS=DEFLATE is one setting for both sides (on by default where a server offers it, never on loopback); either side number sets it for both, with a notice',
  }),
  sided(['noexpunge'], {
    notes:
      'notice: mailsync expunges only what it deletes itself; refused together with the matching `--delete1`/`--delete2` (mailsync cannot delete without expunging)',
  }),
  {
    group: 'connection',
    options: ['authmd5'],
    field: 'source/destination.authMechanism: CRAM-MD5',
    notes: 'both sides',
  },
  {
    group: 'connection',
    options: ['timeout'],
    arg: 'S',
    field: 'source/destination.timeoutSeconds',
    notes: 'older imapsync: both sides',
  },

  {
    group: 'folders',
    options: ['folder'],
    arg: 'F',
    field: 'folders.only',
    notes: 'repeatable; exact source folder names',
  },
  {
    group: 'folders',
    options: ['include'],
    arg: 'RE',
    field: 'folders.include',
    notes:
      'repeatable; a folder must match one; JavaScript regex syntax (the same as Perl for the usual cases); compiled at start, an invalid one is exit 2',
  },
  { group: 'folders', options: ['exclude'], arg: 'RE', field: 'folders.exclude', notes: 'repeatable' },
  {
    group: 'folders',
    options: ['noexclude'],
    field: 'folders.exclude',
    notes:
      "forgets the `--exclude` options given before it, and the config file's `exclude` list; with `--office1`, also the preset's `^Files$`",
  },
  { group: 'folders', options: ['automap'], field: 'folders.automap: true', notes: 'the default in mailsync' },
  { group: 'folders', options: ['noautomap'], field: 'folders.automap: false' },
  {
    group: 'folders',
    options: ['regextrans2'],
    arg: "'s/from/to/flags'",
    field: 'folders.rename[]',
    notes:
      'repeatable, applied in order; Perl substitution syntax with any delimiter, `s{..}{..}`, flags `g i m s x`, `$1`/`\\1`/`$' + // Perl's ${1}, not a template
      '{1}`, `\\Q..\\E`, and `tr/chars/X/`; Perl variables, case changes (`\\U`) and the `e` flag are refused',
  },
  { group: 'folders', options: ['subfolder2'], arg: 'F', field: 'folders.subfolder' },
  {
    group: 'folders',
    options: ['subscribed'],
    field: 'folders.subscribedOnly: true',
    notes: 'only the folders subscribed on the source (and INBOX)',
  },
  {
    group: 'folders',
    options: ['subscribe', 'nosubscribe'],
    field: 'folders.subscribe',
    notes: 'copy subscriptions (default on)',
  },
  {
    group: 'folders',
    options: ['f1f2'],
    arg: 'A=B',
    field: 'folders.map[]',
    notes:
      'repeatable; source folder `A` (its full name, or without the source personal prefix) syncs into destination folder `B` as written; like imapsync it wins over automap and `--regextrans2`',
  },
  { group: 'folders', options: ['nof1f2'], field: 'folders.map: []', notes: "turns off `--office2`'s `Files` mapping" },
  {
    group: 'folders',
    options: ['folderfirst'],
    arg: 'F',
    field: 'folders.first',
    notes: 'repeatable; these source folders before all others, in this order',
  },
  {
    group: 'folders',
    options: ['folderlast'],
    arg: 'F',
    field: 'folders.last',
    notes: 'repeatable; these source folders after all the others ended, in this order',
  },

  {
    group: 'messages',
    options: ['useheader'],
    arg: 'H',
    field: 'identityHeaders',
    notes: 'repeatable; default `Message-ID`, `Received`',
  },
  {
    group: 'messages',
    options: ['delete1', 'delete'],
    field: 'deleteOnSource: true',
    notes: '`--delete` is the old name (with a notice); only once the copy is verified on the destination',
  },
  { group: 'messages', options: ['delete2'], field: 'deleteOnDestination: true', notes: 'strict mirror' },
  {
    group: 'messages',
    options: ['nouidexpunge2'],
    notes: 'notice: mailsync expunges only what it deletes itself; refused together with `--delete2`',
  },
  { group: 'messages', options: ['resyncflags', 'noresyncflags'], field: 'syncFlags', notes: 'default on' },
  {
    group: 'messages',
    options: ['skipcrossduplicates', 'noskipcrossduplicates'],
    field: 'skipCrossDuplicates',
    notes:
      "a message already on the destination in another folder (or copied there in this run) is skipped; plans settle in folder order, as in imapsync's one-folder-at-a-time run; turns the delta shortcut off (imapsync refuses its cache with it)",
  },
  {
    group: 'messages',
    options: ['synclabels', 'nosynclabels'],
    field: 'syncLabels',
    notes:
      "Gmail to Gmail: the source message's X-GM-LABELS are stored on its copy; only where both servers announce X-GM-EXT-1 (otherwise a notice)",
  },
  {
    group: 'messages',
    options: ['resynclabels', 'noresynclabels'],
    field: 'resyncLabels',
    notes: 'also for messages already on the destination, when their labels differ',
  },
  {
    group: 'messages',
    options: ['maxsize'],
    arg: 'B',
    field: 'filters.maxSize',
    notes: 'imapsync skips "larger or equal", mailsync "larger than"',
  },
  { group: 'messages', options: ['minsize'], arg: 'B', field: 'filters.minSize' },
  { group: 'messages', options: ['maxage'], arg: 'D', field: 'filters.maxAgeDays', notes: 'days from INTERNALDATE' },
  { group: 'messages', options: ['minage'], arg: 'D', field: 'filters.minAgeDays', notes: 'days from INTERNALDATE' },
  {
    group: 'messages',
    options: ['maxlinelength'],
    arg: 'N',
    field: 'filters.maxLineLength',
    notes:
      'a message whose longest line (bytes with its line end, as imapsync counts, after the rewrites) is over `N` is not copied: counted in `messagesFilteredOut`, not expected by the verification',
  },
  {
    group: 'messages',
    options: ['regexmess'],
    arg: "'s/from/to/flags'",
    field: 'messages.rewrite[]',
    notes:
      "repeatable, in order; the `--regextrans2` syntax, applied to each message's bytes before its APPEND, on V8's linear-time engine: backreferences, lookahead, global lookbehind, counted repeats above 16 and `\\A`/`\\z` with `m` are refused (exit 2). imapsync's FAQ rule `s,(.{N}),$1\\r\\n,g` becomes `messages.wrapLinesLongerThan: N`. A changed message counts in `messagesChanged`; one whose identity headers would change is not copied (`RewriteChangesIdentity`)",
  },
  {
    group: 'messages',
    options: ['noregexmess'],
    field: 'messages.wrapLinesLongerThan: 0',
    notes: 'turns off the line wrap of `--office2`/`--exchange2`',
  },
  {
    group: 'messages',
    options: ['disarmreadreceipts', 'nodisarmreadreceipts'],
    field: 'messages.disarmReadReceipts',
    notes: '`Disposition-Notification-To:` becomes `X-Disposition-Notification-To:` in the header',
  },
  {
    group: 'messages',
    options: ['regexflag'],
    arg: "'s/from/to/flags'",
    field: 'messages.flagRewrite[]',
    notes:
      "repeatable, in order; applied to the source's flags as one space-separated list, for the APPEND and the flag comparison of later runs (as imapsync)",
  },
  {
    group: 'messages',
    options: ['noregexflag'],
    field: 'messages.flagRewrite: []',
    notes: "turns off `--exchange2`'s `\\Flagged` removal",
  },

  {
    group: 'presets',
    options: ['office'],
    sided: true,
    field: 'preset: office365',
    notes:
      "imapsync's meaning (docs/servers.md). `--office1`: implicit TLS, `^Files$` excluded. `--office2`: implicit TLS, `--maxsize 45000000`, `--maxmessagespersecond 4`, `--disarmreadreceipts`, lines over 10,239 bytes wrapped, `--f1f2 Files=Files_renamed_by_imapsync`. Both take `outlook.office365.com` as the host when neither `--host1/2` nor `--config` gives one. A preset's `--exclude`/`--f1f2` is added to the same options given on the command line, as imapsync does",
  },
  {
    group: 'presets',
    options: ['exchange'],
    sided: true,
    field: 'preset: exchange',
    notes:
      "`--exchange1`: nothing (as imapsync). `--exchange2`: `--maxsize 10000000`, `--maxmessagespersecond 4`, `--disarmreadreceipts`, `--regexflag 's/\\\\Flagged//g'` (added to the command line's `--regexflag`), lines over 10,239 bytes wrapped",
  },

  // imapsync 2.229's subs gmail1, gmail2, gmail12 (src/api/presets.ts; docs/servers.md#gmail).
  {
    group: 'presets',
    options: ['gmail'],
    sided: true,
    field: 'preset: gmail',
    notes:
      "`--gmail1` (Gmail source): implicit TLS, automap, `--skipcrossduplicates`, `--useheader X-Gmail-Received --useheader Message-Id`, `--regextrans2 's,\\[Gmail\\].,,'`, `--folderlast '[Gmail]/All Mail'`, `--maxbytespersecond 40000 --maxbytesafter 3000000000`. `--gmail2` (Gmail destination): implicit TLS, automap, `--exclude '\\[Gmail\\]$'` (unless `--noexclude`), `--useheader Message-Id`, the `[Gmail]` rule and imapsync's name clean-up (blanks around levels removed, `'` `^` `\"` become `_`), All Mail last, `--maxbytespersecond 20000 --maxbytesafter 1000000000`. Both take `imap.gmail.com` as the host when neither `--host1/2` nor `--config` gives one; the preset's list entries are added to the same options given on the command line",
  },
  {
    group: 'presets',
    options: ['gmail12'],
    field: 'source/destination.preset: gmail',
    notes:
      "Gmail on both sides (as `--gmail1 --gmail2`, which is the same): implicit TLS, automap, `--synclabels --resynclabels` (no `--skipcrossduplicates`), `--useheader X-Gmail-Received --useheader Message-Id`, `--exclude '\\[Gmail\\]$'`, All Mail last, `--maxbytespersecond 20000 --maxbytesafter 1000000000`",
  },

  { group: 'modes', options: ['dry'], field: 'mode: dryRun' },
  { group: 'modes', options: ['justfolders'], field: 'mode: foldersOnly' },
  {
    group: 'modes',
    options: ['justlogin'],
    field: 'mode: loginOnly',
    notes:
      'combined with other modes, the most cautious wins: `--justlogin` > `--justfoldersizes` > `--dry` > `--justfolders`; `--dry --justfolders` is a dry run of the whole sync (with a notice)',
  },
  { group: 'modes', options: ['justfoldersizes'], field: 'mode: folderSizesOnly' },
  { group: 'modes', options: ['maxbytespersecond'], arg: 'B', field: 'throttle.maxBytesPerSecond' },
  {
    group: 'modes',
    options: ['maxbytesafter'],
    arg: 'B',
    field: 'throttle.unthrottledBytes',
    notes: '`--maxbytespersecond` paces only the bytes after the first `B` of the run',
  },
  {
    group: 'modes',
    options: ['maxmessagespersecond'],
    arg: 'N',
    field: 'throttle.maxMessagesPerSecond',
    notes: 'decimals allowed',
  },
  {
    group: 'modes',
    options: ['exitwhenover'],
    arg: 'B',
    field: 'throttle.maxBytesPerRun',
    notes: 'stops cleanly, exit 22',
  },
  { group: 'modes', options: ['errorsmax'], arg: 'N', field: 'errorsMax', notes: 'default 50, exit 21 when exceeded' },
  {
    group: 'modes',
    options: [
      'debug',
      'debugimap',
      'debugimap1',
      'debugimap2',
      'debugfolders',
      'debugflags',
      'debugcontent',
      'debugmemory',
      'debugcrossduplicates',
      'debugssl',
    ],
    notes:
      'debug log lines and stack traces; IMAP protocol traces are never printed (they hold credentials). `--debugssl` takes a number.',
  },
  { group: 'modes', options: ['help', 'h', 'version'] },

  {
    group: 'own',
    options: ['config'],
    arg: 'FILE',
    notes: 'a MailSync spec, or a whole MailSync manifest (its `spec` is taken), YAML or JSON',
  },
  {
    group: 'own',
    options: ['state-file'],
    arg: 'FILE',
    notes: 'delta state for fast re-runs (about one STATUS per folder per side when nothing changed)',
  },
  {
    group: 'own',
    options: ['log-format'],
    arg: 'json|human',
    notes: 'default: human on a terminal, JSON lines otherwise',
  },
  {
    group: 'own',
    options: ['cafile'],
    sided: true,
    arg: 'FILE',
    field: 'caFile',
    notes: 'a PEM CA bundle trusted besides the system store',
  },
  { group: 'own', options: ['insecure'], sided: true, field: 'insecureSkipVerify: true', notes: 'logs a warning' },
  { group: 'own', options: ['allow-plaintext'], sided: true, field: 'allowPlaintext: true' },
  {
    group: 'own',
    options: ['imapsync-compat'],
    notes:
      'the end of the run as imapsync prints it (its "++++ Statistics" block through "Detected N errors", then "Exiting with return value ...") and imapsync\'s exit codes (see [exit-codes.md](exit-codes.md#imapsync-compatible-exit-codes)); log lines are text, so not with `--log-format json`',
  },
  {
    group: 'own',
    options: ['folder-concurrency'],
    arg: 'N',
    field: 'performance.folderConcurrency',
    notes: 'default 2',
  },
];
