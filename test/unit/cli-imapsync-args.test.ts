import { describe, expect, it } from 'vitest';
import { imapsyncPasswordEnvFallback, parseSyncArgs, SECRET_ENV } from '../../src/cli/imapsync-args.js';
import { IMAPSYNC_COMPAT } from '../../src/cli/imapsync-compat.js';
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

describe('imapsync credentials options', () => {
  it('maps host, port, user and passfile of each side', () => {
    const { overrides } = parse(
      '--host1',
      'imap.old.example',
      '--port1',
      '993',
      '--user1',
      'joe',
      '--passfile1',
      '/secure/p1',
      '--host2=imap.new.example',
      '--port2=143',
      '--user2=joe@new',
      '--passfile2=/secure/p2',
    );
    expect(overrides.source).toMatchObject({
      host: 'imap.old.example',
      port: 993,
      user: 'joe',
      passwordFile: '/secure/p1',
    });
    expect(overrides.destination).toMatchObject({
      host: 'imap.new.example',
      port: 143,
      user: 'joe@new',
      passwordFile: '/secure/p2',
    });
  });

  it('accepts a single dash and any case, like Getopt::Long', () => {
    const { overrides } = parse('-host1', 'a', '--USER1', 'u', '-Ssl1');
    expect(overrides.source).toMatchObject({ host: 'a', user: 'u', tls: 'implicit' });
  });

  it('puts --password1/2 in an environment variable, never in the spec, and warns about ps', () => {
    const args = parse('--password1', 'hunter2', '--password2=s3cret');
    expect(args.secretEnv).toEqual({
      [SECRET_ENV.password.source]: 'hunter2',
      [SECRET_ENV.password.destination]: 's3cret',
    });
    expect(args.overrides.source.passwordEnv).toBe(SECRET_ENV.password.source);
    expect(args.overrides.destination.passwordEnv).toBe(SECRET_ENV.password.destination);
    expect(JSON.stringify(args.overrides)).not.toContain('hunter2');
    expect(args.notices.join('\n')).toMatch(/--password1 .*ps/);
    expect(args.notices.join('\n')).not.toContain('hunter2');
  });

  it('replaces the config file credential of a side given on the command line', () => {
    const { overrides } = parse('--passfile1', '/p');
    expect(Object.hasOwn(overrides.source, 'passwordEnv')).toBe(true);
    expect(overrides.source.passwordEnv).toBeUndefined();
    expect(overrides.source.oauth2TokenFile).toBeUndefined();
  });

  it('refuses two passwords for one side', () => {
    expect(parseError('--password1', 'a', '--passfile1', '/p')).toMatch(/--password1 and --passfile1/);
  });

  it('takes --oauthaccesstoken as a file when the file exists', () => {
    const { overrides, secretEnv, literalTokens } = parse(
      '--oauthaccesstoken1',
      '/run/token1',
      '--oauthaccesstoken2',
      './token2',
    );
    expect(literalTokens).toEqual({});
    expect(overrides.source).toMatchObject({ oauth2TokenFile: '/run/token1', authMechanism: 'XOAUTH2' });
    expect(overrides.destination).toMatchObject({ oauth2TokenFile: './token2', authMechanism: 'XOAUTH2' });
    expect(secretEnv).toEqual({});
  });

  it('keeps a literal --oauthaccesstoken out of the spec, and ignores a dummy --password next to it', () => {
    const args = parse('--oauthaccesstoken2', 'ya29.token-value', '--password2', 'dummy');
    expect(args.literalTokens).toEqual({ destination: 'ya29.token-value' });
    expect(args.secretEnv).toEqual({});
    expect(args.overrides.destination.authMechanism).toBe('XOAUTH2');
    expect(args.overrides.destination.passwordEnv).toBeUndefined();
    expect(JSON.stringify(args.overrides)).not.toContain('ya29');
    expect(args.notices.join('\n')).toMatch(/--password2 ignored: --oauthaccesstoken2/);
    expect(args.notices.join('\n')).not.toContain('ya29');
  });

  it('reports a token path that does not exist instead of sending it as a token', () => {
    expect(parseError('--oauthaccesstoken1', '/run/missing-token')).toMatch(
      /token file \/run\/missing-token does not exist/,
    );
  });

  it('maps --authmech and --authuser', () => {
    const { overrides } = parse('--authmech1', 'plain', '--authuser1', 'admin', '--authmech2', 'LOGIN');
    expect(overrides.source).toMatchObject({ authMechanism: 'PLAIN', authUser: 'admin' });
    expect(overrides.destination.authMechanism).toBe('LOGIN');
    expect(parseError('--authmech1', 'CRAM-MD5')).toMatch(/CRAM-MD5 is not supported: use LOGIN, PLAIN or XOAUTH2/);
  });
});

describe('imapsync TLS options', () => {
  it.each([
    [['--ssl1'], { tls: 'implicit' }],
    [['--tls1'], { tls: 'starttls' }],
    [['--nossl1'], { tls: 'starttls' }],
    [['--notls1'], { tls: 'implicit' }],
    [['--ssl1', '--notls1'], { tls: 'implicit' }],
    [['--tls1', '--nossl1'], { tls: 'starttls' }],
    [['--nossl1', '--notls1'], { tls: 'none', allowPlaintext: true }],
  ])('%j', (argv, expected) => {
    expect(parse(...argv).overrides.source).toEqual(expected);
  });

  it('says plainly that --nossl --notls means no encryption', () => {
    expect(parse('--nossl2', '--notls2').notices.join('\n')).toMatch(/destination connection is not encrypted/);
  });

  it.each([
    [['--ssl1', '--nossl1'], /--ssl1 and --nossl1 contradict/],
    [['--tls2', '--notls2'], /--tls2 and --notls2 contradict/],
    [['--ssl1', '--tls1'], /exclude each other/],
  ])('refuses %j', (argv, message) => {
    expect(parseError(...argv)).toMatch(message);
  });

  it('maps our own TLS options', () => {
    const { overrides } = parse('--cafile1', '/ca.pem', '--insecure2', '--allow-plaintext1');
    expect(overrides.source).toEqual({ caFile: '/ca.pem', allowPlaintext: true });
    expect(overrides.destination).toEqual({ insecureSkipVerify: true });
  });

  it('maps the common --sslargs', () => {
    expect(parse('--sslargs1', 'SSL_verify_mode=0').overrides.source).toEqual({ insecureSkipVerify: true });
    expect(parse('--sslargs1', 'SSL_ca_file=/ca.pem').overrides.source).toEqual({ caFile: '/ca.pem' });
    expect(parse('--sslargs2', 'SSL_verify_mode=1').notices[0]).toMatch(/always verified/);
    expect(parseError('--sslargs1', 'SSL_cipher_list=RC4')).toMatch(/--sslargs1 SSL_cipher_list is not supported/);
  });

  it('maps timeouts; 0 (no timeout) becomes the maximum with a notice', () => {
    expect(parse('--timeout1', '30').overrides.source.timeoutSeconds).toBe(30);
    const both = parse('--timeout', '0');
    expect(both.overrides.source.timeoutSeconds).toBe(3600);
    expect(both.overrides.destination.timeoutSeconds).toBe(3600);
    expect(both.notices[0]).toMatch(/no timeout/);
  });
});

describe('imapsync folder options', () => {
  it('collects repeatable options in order', () => {
    const { overrides } = parse(
      '--folder',
      'INBOX',
      '--folder',
      'Sent',
      '--include',
      '^Work',
      '--include=^Home',
      '--exclude',
      'Junk|Spam',
      '--regextrans2',
      's/^INBOX\\.(.+)/$1/',
      '--regextrans2',
      's,/,_,g',
      '--subfolder2',
      'Imported',
    );
    expect(overrides.folders.only).toEqual(['INBOX', 'Sent']);
    expect(overrides.folders.include).toEqual(['^Work', '^Home']);
    expect(overrides.folders.exclude).toEqual(['Junk|Spam']);
    expect(overrides.folders.rename).toHaveLength(2);
    expect(overrides.folders.rename?.[0]?.from).toBe('^INBOX\\.(.+)');
    expect(overrides.folders.rename?.[1]).toMatchObject({ from: '/', to: '_', flags: 'g' });
    expect(overrides.folders.subfolder).toBe('Imported');
  });

  it('has automap on by default and accepts --automap and --noautomap', () => {
    expect(parse().overrides.folders.automap).toBeUndefined();
    expect(parse('--automap').overrides.folders.automap).toBe(true);
    expect(parse('--noautomap').overrides.folders.automap).toBe(false);
  });

  it('reports a bad --regextrans2', () => {
    expect(parseError('--regextrans2', 's/(/x/')).toMatch(/--regextrans2 .*invalid regular expression/);
    expect(parseError('--regextrans2', 'INBOX')).toMatch(/--regextrans2/);
  });
});

describe('imapsync message options', () => {
  it('maps identity, delete, filter, throttle and budget options', () => {
    const { overrides } = parse(
      '--useheader',
      'Message-Id',
      '--useheader',
      'Date',
      '--delete1',
      '--delete2',
      '--maxsize',
      '25000000',
      '--minsize',
      '10',
      '--maxage',
      '365',
      '--minage',
      '1.5',
      '--maxbytespersecond',
      '100000',
      '--maxmessagespersecond',
      '2.5',
      '--exitwhenover',
      '500000000',
      '--errorsmax',
      '10',
      '--noresyncflags',
      '--folder-concurrency',
      '4',
    );
    expect(overrides.top).toEqual({
      identityHeaders: ['Message-Id', 'Date'],
      deleteOnSource: true,
      deleteOnDestination: true,
      errorsMax: 10,
      syncFlags: false,
    });
    expect(overrides.filters).toEqual({ maxSize: 25000000, minSize: 10, maxAgeDays: 365, minAgeDays: 1.5 });
    expect(overrides.throttle).toEqual({
      maxBytesPerSecond: 100000,
      maxMessagesPerSecond: 2.5,
      maxBytesPerRun: 500000000,
    });
    expect(overrides.performance).toEqual({ folderConcurrency: 4 });
  });

  it('maps the subscription, old delete and flag options', () => {
    expect(parse('--subscribe').overrides.folders.subscribe).toBe(true);
    expect(parse('--nosubscribe').overrides.folders.subscribe).toBe(false);
    expect(parse('--resyncflags').overrides.top.syncFlags).toBe(true);
    const old = parse('--delete');
    expect(old.overrides.top.deleteOnSource).toBe(true);
    expect(old.notices[0]).toMatch(/old name of --delete1/);
  });

  it('refuses values that are not numbers', () => {
    expect(parseError('--maxsize', '10MB')).toBe("--maxsize needs a whole number, got '10MB'");
    expect(parseError('--port1', '-1')).toMatch(/--port1 needs a whole number/);
    expect(parseError('--maxmessagespersecond', 'fast')).toMatch(/needs a number/);
  });

  it.each([
    [['--dry'], 'dryRun'],
    [['--justfolders'], 'foldersOnly'],
    [['--justlogin'], 'loginOnly'],
    [['--justfoldersizes'], 'folderSizesOnly'],
    [['--dry', '--justfolders'], 'dryRun'],
    [['--justfolders', '--justlogin'], 'loginOnly'],
    [['--dry', '--justfoldersizes'], 'folderSizesOnly'],
  ])('%j runs mode %s', (argv, mode) => {
    expect(parse(...argv).overrides.top.mode).toBe(mode);
  });

  it('treats --noexpunge as a no-op, except with the matching delete', () => {
    expect(parse('--noexpunge2').notices[0]).toMatch(/--noexpunge2 has no effect/);
    expect(parseError('--delete2', '--noexpunge2')).toMatch(/--noexpunge2 with --delete2 is not supported/);
    expect(parseError('--delete1', '--noexpunge1')).toMatch(/--noexpunge1 with --delete1/);
  });
});

describe('our own options', () => {
  it('reads --config, --state-file, --log-format and --debug', () => {
    const args = parse('--config', 'a.yaml', '--state-file=s.json', '--log-format', 'json', '--debug');
    expect(args).toMatchObject({ configFile: 'a.yaml', stateFile: 's.json', logFormat: 'json', debug: true });
    expect(parseError('--log-format', 'xml')).toMatch(/--log-format must be json or human/);
  });

  it('reads --help and --version', () => {
    expect(parse('--help').help).toBe(true);
    expect(parse('-h').help).toBe(true);
    expect(parse('--version').version).toBe(true);
  });
});

describe('bad command lines', () => {
  it('names an unknown option and suggests the closest one', () => {
    expect(parseError('--hots1', 'x')).toBe('unknown option --hots1 (did you mean --host1?)');
    expect(parseError('--frobnicate')).toBe('unknown option --frobnicate');
  });

  it('refuses a value for a flag and a missing value', () => {
    expect(parseError('--dry=yes')).toBe('--dry takes no value');
    expect(parseError('--host1')).toBe('--host1 needs a value');
    expect(parseError('--host1', '--user1', 'joe')).toBe('--host1 needs a value');
  });

  it('refuses stray arguments', () => {
    expect(parseError('imap.example')).toMatch(/unexpected argument 'imap.example'/);
    expect(parseError('--', 'x')).toMatch(/unexpected argument 'x'/);
  });
});

describe('other imapsync options', () => {
  it('accepts the no-effect ones with a notice saying why', () => {
    const args = parse('--syncinternaldates', '--nofoldersizes', '--tmpdir', '/var/tmp', '--addheader', '--skipsize');
    expect(args.notices).toHaveLength(5);
    expect(args.notices[0]).toMatch(/^--syncinternaldates has no effect: INTERNALDATE is always copied/);
    expect(args.notices[2]).toMatch(/^--tmpdir has no effect/);
  });

  it('refuses the unsupported ones with the reason', () => {
    expect(parseError('--syncacls')).toMatch(/^--syncacls is not supported: /);
    expect(parseError('--useuid')).toMatch(/^--useuid is not supported: .*--state-file/);
    expect(parseError('--regexmess', 's/a/b/')).toMatch(/^--regexmess is not supported/);
    expect(parseError('--gmail1')).toMatch(/^--gmail1 is not supported: provider presets/);
  });

  it('turns the --debug* family into --debug', () => {
    const args = parse('--debugimap', '--debugssl', '4');
    expect(args.debug).toBe(true);
    expect(args.notices[0]).toMatch(/IMAP traces are never printed/);
  });

  it('has a reason for every entry of the table', () => {
    for (const [name, option] of Object.entries(IMAPSYNC_COMPAT)) {
      expect(option.why.length, name).toBeGreaterThan(10);
    }
    expect(Object.keys(IMAPSYNC_COMPAT).length).toBeGreaterThanOrEqual(30);
  });
});

describe('IMAPSYNC_PASSWORD1/2', () => {
  it('fills a side that has no credential', () => {
    const spec = { source: { host: 'a', user: 'u' }, destination: { host: 'b', user: 'v', passwordFile: '/p' } };
    const notices = imapsyncPasswordEnvFallback(spec, { IMAPSYNC_PASSWORD1: 'x', IMAPSYNC_PASSWORD2: 'y' });
    expect(spec.source).toEqual({ host: 'a', user: 'u', passwordEnv: 'IMAPSYNC_PASSWORD1' });
    expect(spec.destination).toEqual({ host: 'b', user: 'v', passwordFile: '/p' });
    expect(notices).toEqual(['source password taken from the environment variable IMAPSYNC_PASSWORD1']);
  });
});
