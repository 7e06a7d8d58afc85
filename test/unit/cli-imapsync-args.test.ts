import { describe, expect, it } from 'vitest';
import { IMAPSYNC_COMPAT } from '../../src/imapsync/compat-options.js';
import { parseSyncArgs } from '../../src/imapsync/parse.js';
import { SECRET_ENV, type SyncArgs } from '../../src/imapsync/parse-state.js';
import { imapsyncPasswordEnvFallback } from '../../src/imapsync/password-env.js';
import { applyOverrides, emptyOverrides, type SpecOverrides } from '../../src/imapsync/spec-overrides.js';
import { ConfigError } from '../../src/sync/errors.js';

const files = new Set(['/run/token1', './token2']);
const parse = (...argv: string[]) => parseSyncArgs(argv, { isFile: (p) => files.has(p) });
const parseError = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error(`expected ${argv.join(' ')} to fail`);
};

const PW1 = SECRET_ENV.password.source;
const PW2 = SECRET_ENV.password.destination;
/** What a credential option leaves on its side: its own field, the config file's others removed. */
const credential = (fields: Record<string, string>) => ({
  passwordFile: undefined,
  passwordEnv: undefined,
  oauth2TokenFile: undefined,
  oauth2RefreshFile: undefined,
  ...fields,
});

describe('options mapped onto the spec (the overrides, exactly)', () => {
  it.each<[string, string[], Partial<SpecOverrides>]>([
    ['no option', [], {}],
    [
      'host, port, user and passfile of each side, as --opt value and --opt=value',
      [
        ...['--host1', 'imap.old.example', '--port1', '993', '--user1', 'joe', '--passfile1', '/secure/p1'],
        ...['--host2=imap.new.example', '--port2=143', '--user2=joe@new', '--passfile2=/secure/p2'],
      ],
      {
        source: { host: 'imap.old.example', port: 993, user: 'joe', ...credential({ passwordFile: '/secure/p1' }) },
        destination: {
          host: 'imap.new.example',
          port: 143,
          user: 'joe@new',
          ...credential({ passwordFile: '/secure/p2' }),
        },
      },
    ],
    [
      'a single dash and any case, like Getopt::Long',
      ['-host1', 'a', '--USER1', 'u', '-Ssl1'],
      { source: { host: 'a', user: 'u', tls: 'implicit' } },
    ],
    [
      '--password1/2: an environment variable of our own, never the password',
      ['--password1', 'hunter2', '--password2=s3cret'],
      { source: credential({ passwordEnv: PW1 }), destination: credential({ passwordEnv: PW2 }) },
    ],
    [
      '--passfile1 replaces the config file credential of its side',
      ['--passfile1', '/p'],
      { source: credential({ passwordFile: '/p' }) },
    ],
    [
      '--oauthaccesstoken naming an existing file',
      ['--oauthaccesstoken1', '/run/token1', '--oauthaccesstoken2', './token2'],
      {
        source: { ...credential({ oauth2TokenFile: '/run/token1' }), authMechanism: 'XOAUTH2' },
        destination: { ...credential({ oauth2TokenFile: './token2' }), authMechanism: 'XOAUTH2' },
      },
    ],
    [
      'a literal --oauthaccesstoken (kept out of the spec) wins over a dummy --password',
      ['--oauthaccesstoken2', 'ya29.token-value', '--password2', 'dummy'],
      { destination: { ...credential({}), authMechanism: 'XOAUTH2' } },
    ],
    [
      '--authmech (any case) and --authuser',
      ['--authmech1', 'plain', '--authuser1', 'admin', '--authmech2', 'LOGIN'],
      { source: { authMechanism: 'PLAIN', authUser: 'admin' }, destination: { authMechanism: 'LOGIN' } },
    ],
    [
      "CRAM-MD5: --authmech1 cram-md5, imapsync's --authmd52, and --authmd5 for both sides",
      ['--authmech1', 'cram-md5', '--authmd52'],
      { source: { authMechanism: 'CRAM-MD5' }, destination: { authMechanism: 'CRAM-MD5' } },
    ],
    [
      '--proxyauth1 with --authuser1 (imapsync: log in as the admin, then PROXYAUTH the user)',
      ['--authuser1', 'admin', '--proxyauth1'],
      { source: { authUser: 'admin', proxyAuth: true } },
    ],
    [
      '--authmd5: both sides',
      ['--authmd5'],
      { source: { authMechanism: 'CRAM-MD5' }, destination: { authMechanism: 'CRAM-MD5' } },
    ],
    ['--ssl1', ['--ssl1'], { source: { tls: 'implicit' } }],
    ['--tls1', ['--tls1'], { source: { tls: 'starttls' } }],
    ['--nossl1', ['--nossl1'], { source: { tls: 'starttls' } }],
    ['--notls1', ['--notls1'], { source: { tls: 'implicit' } }],
    ['--ssl1 --notls1', ['--ssl1', '--notls1'], { source: { tls: 'implicit' } }],
    ['--tls1 --nossl1', ['--tls1', '--nossl1'], { source: { tls: 'starttls' } }],
    ['--nossl1 --notls1', ['--nossl1', '--notls1'], { source: { tls: 'none', allowPlaintext: true } }],
    [
      'our own TLS options',
      ['--cafile1', '/ca.pem', '--insecure2', '--allow-plaintext1'],
      { source: { caFile: '/ca.pem', allowPlaintext: true }, destination: { insecureSkipVerify: true } },
    ],
    ['--sslargs SSL_verify_mode=0', ['--sslargs1', 'SSL_verify_mode=0'], { source: { insecureSkipVerify: true } }],
    ['--sslargs SSL_ca_file', ['--sslargs1', 'SSL_ca_file=/ca.pem'], { source: { caFile: '/ca.pem' } }],
    ['--sslargs SSL_verify_mode=1 (notice only)', ['--sslargs2', 'SSL_verify_mode=1'], {}],
    ['--timeout1', ['--timeout1', '30'], { source: { timeoutSeconds: 30 } }],
    [
      '--timeout 0 (no timeout) as the maximum, on both sides',
      ['--timeout', '0'],
      { source: { timeoutSeconds: 3600 }, destination: { timeoutSeconds: 3600 } },
    ],
    [
      'repeatable folder options, in order',
      [
        ...['--folder', 'INBOX', '--folder', 'Sent', '--include', '^Work', '--include=^Home', '--exclude', 'Junk|Spam'],
        ...['--regextrans2', 's/^INBOX\\.(.+)/$1/', '--regextrans2', 's,/,_,g', '--subfolder2', 'Imported'],
      ],
      {
        folders: {
          only: ['INBOX', 'Sent'],
          include: ['^Work', '^Home'],
          exclude: ['Junk|Spam'],
          rename: [
            expect.objectContaining({ from: '^INBOX\\.(.+)' }),
            expect.objectContaining({ from: '/', to: '_', flags: 'g' }),
          ],
          subfolder: 'Imported',
        },
      },
    ],
    ['--automap', ['--automap'], { folders: { automap: true } }],
    ['--noautomap', ['--noautomap'], { folders: { automap: false } }],
    ['--subscribe', ['--subscribe'], { folders: { subscribe: true } }],
    ['--nosubscribe', ['--nosubscribe'], { folders: { subscribe: false } }],
    [
      'identity, delete, filter, throttle, budget and concurrency options',
      [
        ...['--useheader', 'Message-Id', '--useheader', 'Date', '--delete1', '--delete2', '--noresyncflags'],
        ...['--maxsize', '25000000', '--minsize', '10', '--maxage', '365', '--minage', '1.5'],
        ...['--maxbytespersecond', '100000', '--maxmessagespersecond', '2.5', '--exitwhenover', '500000000'],
        ...['--errorsmax', '10', '--folder-concurrency', '4'],
      ],
      {
        top: {
          identityHeaders: ['Message-Id', 'Date'],
          deleteOnSource: true,
          deleteOnDestination: true,
          errorsMax: 10,
          syncFlags: false,
        },
        filters: { maxSize: 25000000, minSize: 10, maxAgeDays: 365, minAgeDays: 1.5 },
        throttle: { maxBytesPerSecond: 100000, maxMessagesPerSecond: 2.5, maxBytesPerRun: 500000000 },
        performance: { folderConcurrency: 4 },
      },
    ],
    ['--resyncflags', ['--resyncflags'], { top: { syncFlags: true } }],
    [
      '--gmail1 --gmail2 (gmail12): a preset on each side, the host of Gmail, its options',
      ['--gmail1', '--gmail2', '--skipcrossduplicates', '--synclabels', '--noresynclabels'],
      {
        source: { preset: 'gmail', host: 'imap.gmail.com' },
        destination: { preset: 'gmail', host: 'imap.gmail.com' },
        top: { skipCrossDuplicates: true, syncLabels: true, resyncLabels: false },
      },
    ],
    [
      '--gmail12 is both; --noskipcrossduplicates, --nosynclabels, --resynclabels',
      ['--noskipcrossduplicates', '--nosynclabels', '--resynclabels', '--gmail12', '--host1', 'imap.example'],
      {
        source: { preset: 'gmail', host: 'imap.example' },
        destination: { preset: 'gmail', host: 'imap.gmail.com' },
        top: { skipCrossDuplicates: false, syncLabels: false, resyncLabels: true },
      },
    ],
    [
      "--gmail1: the preset's list entries follow the same options given on the command line",
      ['--gmail1', '--useheader', 'Date', '--regextrans2', 's/a/b/', '--folderlast', 'Z'],
      {
        source: { preset: 'gmail', host: 'imap.gmail.com' },
        top: { identityHeaders: ['Date', 'X-Gmail-Received', 'Message-Id'] },
        folders: {
          rename: [expect.objectContaining({ from: 'a', to: 'b' }), { from: '\\[Gmail\\].', to: '' }],
          last: ['Z', '[Gmail]/All Mail'],
        },
      },
    ],
    [
      '--gmail2 --noexclude: its exclude is turned off',
      ['--gmail2', '--noexclude'],
      { destination: { preset: 'gmail', host: 'imap.gmail.com' }, folders: { exclude: [] } },
    ],
    [
      '--folderfirst and --folderlast, repeatable, in order; --maxbytesafter',
      ['--folderfirst', 'INBOX', '--folderlast', '[Gmail]/All Mail', '--folderlast', 'Z', '--maxbytesafter', '1000'],
      { folders: { first: ['INBOX'], last: ['[Gmail]/All Mail', 'Z'] }, throttle: { unthrottledBytes: 1000 } },
    ],
    ['--delete, the old name of --delete1', ['--delete'], { top: { deleteOnSource: true } }],
    ['--noexpunge2 alone (a notice only)', ['--noexpunge2'], {}],
    ['--dry', ['--dry'], { top: { mode: 'dryRun' } }],
    ['--justfolders', ['--justfolders'], { top: { mode: 'foldersOnly' } }],
    ['--justlogin', ['--justlogin'], { top: { mode: 'loginOnly' } }],
    ['--justfoldersizes', ['--justfoldersizes'], { top: { mode: 'folderSizesOnly' } }],
    ['--dry --justfolders (the most cautious wins)', ['--dry', '--justfolders'], { top: { mode: 'dryRun' } }],
    ['--justfolders --justlogin', ['--justfolders', '--justlogin'], { top: { mode: 'loginOnly' } }],
    ['--dry --justfoldersizes', ['--dry', '--justfoldersizes'], { top: { mode: 'folderSizesOnly' } }],
    [
      "--noexclude forgets the --exclude options before it (and the file's), not those after it",
      ['--exclude', 'Junk', '--noexclude', '--exclude', 'Spam'],
      { folders: { exclude: ['Spam'] } },
    ],
    ['--noexclude alone removes the list', ['--exclude', 'Junk', '--noexclude'], { folders: { exclude: undefined } }],
    ['--subscribed: only the subscribed folders', ['--subscribed'], { folders: { subscribedOnly: true } }],
    ['--compress1: COMPRESS for both sides', ['--compress1'], { performance: { compress: true } }],
    ['--nocompress2: no COMPRESS on either side', ['--nocompress2'], { performance: { compress: false } }],
  ])('%s', (_name, argv, expected) => {
    expect(parse(...argv).overrides).toStrictEqual({ ...emptyOverrides(), ...expected });
  });

  it("--noexclude removes the config file's exclude list, keeping its other folder fields", () => {
    const file = { folders: { only: ['INBOX'], exclude: ['Junk'] } };
    expect(applyOverrides(file, parse('--noexclude').overrides)).toEqual({ folders: { only: ['INBOX'] } });
  });
});

const DEFAULT_ARGS = {
  help: false,
  version: false,
  debug: false,
  imapsyncCompat: false,
  secretEnv: {},
  literalTokens: {},
};

describe('the other fields of the parsed arguments (exactly)', () => {
  it.each<[string, string[], Partial<Omit<SyncArgs, 'overrides' | 'notices'>>]>([
    ['no option', [], {}],
    [
      '--config, --state-file, --log-format and --debug',
      ['--config', 'a.yaml', '--state-file=s.json', '--log-format', 'json', '--debug'],
      { configFile: 'a.yaml', stateFile: 's.json', logFormat: 'json', debug: true },
    ],
    ['--log-format human', ['--log-format=human'], { logFormat: 'human' }],
    ['--help', ['--help'], { help: true }],
    ['-h', ['-h'], { help: true }],
    ['--version', ['--version'], { version: true }],
    ['the --debug* family turns on --debug', ['--debugimap', '--debugssl', '4'], { debug: true }],
    [
      '--password1/2 into the environment to set',
      ['--password1', 'hunter2', '--password2=s3cret'],
      { secretEnv: { [PW1]: 'hunter2', [PW2]: 's3cret' } },
    ],
    ['--oauthaccesstoken files: nothing to set or write', ['--oauthaccesstoken1', '/run/token1'], {}],
    [
      'a literal --oauthaccesstoken to write to a file; the dummy password is dropped',
      ['--oauthaccesstoken2', 'ya29.token-value', '--password2', 'dummy'],
      { literalTokens: { destination: 'ya29.token-value' } },
    ],
  ])('%s', (_name, argv, expected) => {
    const { overrides: _o, notices: _n, ...rest } = parse(...argv);
    expect(rest).toStrictEqual({ ...DEFAULT_ARGS, ...expected });
  });
});

const PS_WARNING = (n: string) =>
  `--password${n} puts the password on the command line, where other users can read it (ps); ` +
  `prefer --passfile${n} or the environment variable IMAPSYNC_PASSWORD${n}`;

describe('notices printed at start (exactly, in order)', () => {
  it.each<[string, string[], (string | RegExp)[]]>([
    ['no option', ['--host1', 'a'], []],
    [
      '--password1/2 warn about ps',
      ['--password1', 'hunter2', '--password2=s3cret'],
      [PS_WARNING('1'), PS_WARNING('2')],
    ],
    [
      'a literal token warns about ps; the dummy password next to it is ignored',
      ['--oauthaccesstoken2', 'ya29.token-value', '--password2', 'dummy'],
      [
        /^--oauthaccesstoken2 puts the access token on the command line.*\(ps\)/,
        PS_WARNING('2'),
        '--password2 ignored: --oauthaccesstoken2 is used to log in',
      ],
    ],
    [
      '--nossl --notls says plainly that nothing is encrypted',
      ['--nossl2', '--notls2'],
      ['--nossl2 --notls2: the destination connection is not encrypted (password in clear text)'],
    ],
    [
      '--sslargs SSL_verify_mode=1',
      ['--sslargs2', 'SSL_verify_mode=1'],
      ['--sslargs2 SSL_verify_mode=1: certificates are always verified (unless --insecure2)'],
    ],
    [
      '--sslargs SSL_version',
      ['--sslargs1', 'SSL_version=TLSv1'],
      ['--sslargs1 SSL_version=TLSv1: TLS 1.2 or newer is always negotiated'],
    ],
    [
      '--timeout 0 for both sides: said once',
      ['--timeout', '0'],
      ['--timeout 0 (no timeout) is not supported; using the maximum, 3600 seconds'],
    ],
    [
      '--timeout1 0',
      ['--timeout1', '0'],
      ['--timeout1 0 (no timeout) is not supported; using the maximum, 3600 seconds'],
    ],
    ['--delete', ['--delete'], [/^--delete is the old name of --delete1/]],
    ['--noexpunge2', ['--noexpunge2'], [/^--noexpunge2 has no effect/]],
    [
      '--dry --justfolders',
      ['--dry', '--justfolders'],
      ['--dry --justfolders: dry run of the whole sync (nothing is changed; message counts are reported)'],
    ],
    [
      'the --debug* family',
      ['--debugimap', '--debugssl', '4'],
      [/^--debugimap turns on --debug \(IMAP traces are never printed/, /^--debugssl turns on --debug/],
    ],
    [
      '--nocompress1 says that it applies to both sides',
      ['--nocompress1'],
      ['--nocompress1: COMPRESS=DEFLATE is one setting for both sides; it is now off on both sides'],
    ],
    [
      'imapsync options without effect, each with the reason',
      ['--syncinternaldates', '--nofoldersizes', '--tmpdir', '/var/tmp', '--addheader', '--skipsize'],
      [
        '--syncinternaldates has no effect: INTERNALDATE is always copied',
        /^--nofoldersizes has no effect: /,
        /^--tmpdir has no effect: /,
        /^--addheader has no effect: /,
        /^--skipsize has no effect: /,
      ],
    ],
  ])('%s', (_name, argv, expected) => {
    const matchers = expected.map((e) => (typeof e === 'string' ? e : expect.stringMatching(e)));
    expect(parse(...argv).notices).toEqual(matchers);
  });
});

describe('bad command lines: a ConfigError naming the option', () => {
  it.each<[string[], string | RegExp]>([
    [['--password1', 'a', '--passfile1', '/p'], /--password1 and --passfile1 both give the source password/],
    [['--oauthaccesstoken1', '/run/missing-token'], /token file \/run\/missing-token does not exist/],
    [['--authmech1', 'NTLM'], /NTLM is not supported: use LOGIN, PLAIN, XOAUTH2 or CRAM-MD5/],
    [['--ssl1', '--nossl1'], /--ssl1 and --nossl1 contradict/],
    [['--tls2', '--notls2'], /--tls2 and --notls2 contradict/],
    [['--ssl1', '--tls1'], /exclude each other/],
    [['--sslargs1', 'SSL_cipher_list=RC4'], /--sslargs1 SSL_cipher_list is not supported/],
    [['--regextrans2', 's/(/x/'], /--regextrans2 .*invalid regular expression/],
    [['--regextrans2', 'INBOX'], /--regextrans2/],
    [['--maxsize', '10MB'], "--maxsize needs a whole number, got '10MB'"],
    [['--port1', '-1'], /--port1 needs a whole number/],
    [['--maxmessagespersecond', 'fast'], /needs a number/],
    [['--delete2', '--noexpunge2'], /--noexpunge2 with --delete2 is not supported/],
    [['--delete1', '--noexpunge1'], /--noexpunge1 with --delete1/],
    [['--log-format', 'xml'], /--log-format must be json or human/],
    [['--hots1', 'x'], 'unknown option --hots1 (did you mean --host1?)'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['--dry=yes'], '--dry takes no value'],
    [['--host1'], '--host1 needs a value'],
    [['--host1', '--user1', 'joe'], '--host1 needs a value'],
    [['imap.example'], /unexpected argument 'imap.example'/],
    [['--', 'x'], /unexpected argument 'x'/],
    [['--syncacls'], /^--syncacls is not supported: /],
    [['--useuid'], /^--useuid is not supported: .*--state-file/],
    [['--pipemess', 'cat'], /^--pipemess is not supported/],
    [['--regexmess', 's/(a)\\1/b/'], /^--regexmess "s\/\(a\)\\\\1\/b\/": /],
    [['--f1f2', 'Files'], /^--f1f2 "Files": expected source=destination/],
    [['--domino1'], /^--domino1 is not supported: of the provider presets only Gmail/],
  ])('%j', (argv, expected) => {
    const message = parseError(...argv);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });
});

describe('secrets given on the command line', () => {
  it.each<[string[], string]>([
    [['--password1', 'hunter2'], 'hunter2'],
    [['--password2=s3cret'], 's3cret'],
    [['--oauthaccesstoken2', 'ya29.token-value'], 'ya29'],
  ])('%j: kept for the process, never in the spec or a notice', (argv, secret) => {
    const args = parse(...argv);
    expect(JSON.stringify([args.secretEnv, args.literalTokens])).toContain(secret);
    expect(JSON.stringify(args.overrides)).not.toContain(secret);
    expect(args.notices.join('\n')).not.toContain(secret);
  });
});

describe('the imapsync options mailsync does not map (compat-options.ts)', () => {
  it('is a table of the usual size', () => {
    expect(Object.keys(IMAPSYNC_COMPAT).length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(IMAPSYNC_COMPAT))('--%s: accepted with its reason, or refused with it', (name, option) => {
    expect(option.why.length).toBeGreaterThan(10);
    const argv = option.takesValue ? [`--${name}`, 'x', '--dry'] : [`--${name}`, '--dry'];
    if (option.kind === 'notice') {
      const args = parse(...argv);
      expect(args.notices).toEqual([`--${name} has no effect: ${option.why}`]);
      // The value was consumed: the option after it still counts.
      expect(args.overrides.top.mode).toBe('dryRun');
    } else {
      expect(parseError(...argv)).toBe(`--${name} is not supported: ${option.why}`);
    }
  });
});

describe('IMAPSYNC_PASSWORD1/2', () => {
  it.each<[string, Record<string, unknown>, Record<string, string>, Record<string, unknown>, string[]]>([
    [
      'fills a side that has no credential, not one that has',
      { source: { host: 'a', user: 'u' }, destination: { host: 'b', user: 'v', passwordFile: '/p' } },
      { IMAPSYNC_PASSWORD1: 'x', IMAPSYNC_PASSWORD2: 'y' },
      {
        source: { host: 'a', user: 'u', passwordEnv: 'IMAPSYNC_PASSWORD1' },
        destination: { host: 'b', user: 'v', passwordFile: '/p' },
      },
      ['source password taken from the environment variable IMAPSYNC_PASSWORD1'],
    ],
    [
      'a Secret reference is a credential too',
      { source: { host: 'a', oauth2TokenSecretRef: { name: 's', key: 'k' } } },
      { IMAPSYNC_PASSWORD1: 'x' },
      { source: { host: 'a', oauth2TokenSecretRef: { name: 's', key: 'k' } } },
      [],
    ],
    [
      'nothing without the variable',
      { destination: { host: 'b' } },
      { IMAPSYNC_PASSWORD1: 'x' },
      { destination: { host: 'b' } },
      [],
    ],
    [
      'a side that is not an object is left to validation',
      { source: 'a' },
      { IMAPSYNC_PASSWORD1: 'x' },
      { source: 'a' },
      [],
    ],
  ])('%s', (_name, spec, env, expectedSpec, expectedNotices) => {
    const notices = imapsyncPasswordEnvFallback(spec, env);
    expect(spec).toEqual(expectedSpec);
    expect(notices).toEqual(expectedNotices);
  });
});
