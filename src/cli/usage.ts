/** Help texts of the `mailsync` command. docs/cli.md has the long form. */

export const MAIN_USAGE = `Usage: mailsync <command> [options]

Commands:
  sync         copy one mailbox to another (imapsync's options, or --config file.yaml)
  import       an account file (imapsync's file.txt or CSV) as a MailMigration (--apply: in the cluster)
  report       one row per account of a MailMigration (table, CSV or JSON)
  worker       run the sync of a Kubernetes worker pod (reads the mounted spec)
  controller   run the Kubernetes controller
  version      print the version
  help         print this help, or 'mailsync help sync'

'mailsync --host1 ... --host2 ...' (no command) is 'mailsync sync ...', so an
imapsync script switches by changing the command name.

Exit codes: see docs/exit-codes.md (0 success, 2 invalid configuration,
10/11 connect, 12/13 TLS, 14/15 authentication (source/destination), 20 errors,
21 error budget, 22 byte cap, 23 verification, 24 destination over quota, 30 aborted).`;

export const SYNC_USAGE = `Usage: mailsync sync [--config file.yaml] [options]

  mailsync sync --host1 imap.old.example --user1 joe --passfile1 /secure/p1 \\
                --host2 imap.new.example --user2 joe --passfile2 /secure/p2

Config file:
  --config FILE            a MailSync spec (or a MailSync manifest) in YAML or JSON;
                           options below override it
  --state-file FILE        keep per-folder delta state here (fast re-runs)
  --log-format json|human  default: human on a terminal, json otherwise
  --debug                  debug log lines, and stack traces on errors

Per side (1 = source, 2 = destination), imapsync's names:
  --host1 H  --port1 N  --user1 U
  --passfile1 FILE         password file (first line)            [recommended]
  --password1 P            password on the command line (visible in ps); or set
                           IMAPSYNC_PASSWORD1 in the environment
  --oauthaccesstoken1 T    OAuth2 access token, or a file holding it (XOAUTH2)
  --authmech1 M            LOGIN, PLAIN or XOAUTH2
  --authuser1 A            admin login: authenticate as A on behalf of --user1
  --ssl1 | --tls1          implicit TLS (993) | STARTTLS; default: try both
  --nossl1 --notls1        both together: plaintext, explicitly allowed
  --cafile1 FILE           trust this PEM CA bundle too
  --insecure1              do not verify the server certificate
  --allow-plaintext1       allow falling back to plaintext
  --timeout1 S             command timeout in seconds

Folders:
  --folder F               sync only this folder (repeatable)
  --include RE  --exclude RE   folder regexes (repeatable)
  --automap | --noautomap  map special-use folders (\\Sent, \\Trash, ...); default on
  --regextrans2 's/x/y/'   rename destination folders (repeatable, in order)
  --subfolder2 F           put everything under folder F on the destination

Messages:
  --useheader H            identity headers (repeatable; default Message-ID, Received)
  --maxsize B --minsize B --maxage D --minage D
  --delete1                delete on the source once verified on the destination (move)
  --delete2                delete destination messages absent from the source (mirror)
  --noresyncflags          do not propagate flag changes of already copied messages

Modes:
  --dry  --justfolders  --justlogin  --justfoldersizes

Limits:
  --maxbytespersecond B  --maxmessagespersecond N  --exitwhenover B  --errorsmax N
  --folder-concurrency N   folders synced in parallel (default 2)

Other imapsync options are accepted with a notice or refused with the reason:
see docs/imapsync-options.md.`;
