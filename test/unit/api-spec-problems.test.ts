import { describe, expect, it } from 'vitest';
import type { Endpoint, MailSyncSpec } from '../../src/api/spec.js';
import { effectiveMechanism } from '../../src/api/spec-defaults.js';
import {
  endpointProblems,
  problemsText,
  type SpecContext,
  SpecError,
  specProblems,
} from '../../src/api/spec-problems.js';
import { asMailsyncError, ConfigError } from '../../src/sync/errors.js';

type Doc = Record<string, unknown>;

const local = (): MailSyncSpec => ({
  source: { host: 'imap.old.example', user: 'joe', passwordFile: '/p1' },
  destination: { host: 'imap.new.example', user: 'joe', passwordEnv: 'PW2' },
});
const kube = (): MailSyncSpec => ({
  source: { host: 'imap.old.example', user: 'joe', passwordSecretRef: { name: 'joe', key: 'old' } },
  destination: { host: 'imap.new.example', user: 'joe', passwordSecretRef: { name: 'joe', key: 'new' } },
});
const base = (context: SpecContext) => (context === 'local' ? local() : kube());
const texts = (raw: unknown, context: SpecContext) => specProblems(raw, context).map((p) => `${p.path}: ${p.message}`);

/** [what, context, change to a valid spec, the exact problems]. */
const CASES: [string, SpecContext, (s: Doc & MailSyncSpec) => void, string[]][] = [
  ['a valid local spec', 'local', () => {}, []],
  ['a valid MailSync spec', 'kubernetes', () => {}, []],
  [
    'schema: a port out of range, a missing user',
    'local',
    (s) => {
      s.source.port = 70000;
      delete (s.destination as Doc).user;
    },
    ['spec.source.port: must be <= 65535 (got 70000)', 'spec.destination.user: is required'],
  ],
  [
    'a Secret name that would leave its API path',
    'kubernetes',
    (s) => (s.source.passwordSecretRef = { name: '../../../api/v1/namespaces/kube-system/secrets/x', key: 'old' }),
    ['spec.source.passwordSecretRef.name: must be a Kubernetes object name (lowercase letters, digits, "-" and ".")'],
  ],
  [
    'a Secret name in capitals, a key with a slash',
    'kubernetes',
    (s) => (s.destination.passwordSecretRef = { name: 'Joe', key: 'a/b' }),
    [
      'spec.destination.passwordSecretRef.name: must be a Kubernetes object name (lowercase letters, digits, "-" and ".")',
      'spec.destination.passwordSecretRef.key: must be a Secret key (letters, digits, "-", "_" and ".")',
    ],
  ],
  [
    'CR/LF or NUL in user names',
    'local',
    (s) => Object.assign(s.source, { user: 'joe\r\nA1 LOGOUT', authUser: 'admin\u0000' }),
    [
      'spec.source.user: must not contain control characters (CR, LF, NUL, ...)',
      'spec.source.authUser: must not contain control characters (CR, LF, NUL, ...)',
    ],
  ],
  ['a user name with a space', 'local', (s) => (s.source.user = 'Joe Smith'), []],
  [
    'a host with a space or a line break',
    'local',
    (s) => {
      s.source.host = 'imap.example.org\r\n';
      s.destination.host = 'imap example';
    },
    [
      'spec.source.host: must not contain spaces or control characters',
      'spec.destination.host: must not contain spaces or control characters',
    ],
  ],
  [
    'tls none without allowPlaintext',
    'local',
    (s) => (s.source.tls = 'none'),
    ['spec.source.tls: none needs allowPlaintext: true (the password would travel in clear text)'],
  ],
  ['tls none with allowPlaintext', 'local', (s) => Object.assign(s.source, { tls: 'none', allowPlaintext: true }), []],
  [
    'no credential (local)',
    'local',
    (s) => delete s.destination.passwordEnv,
    ['spec.destination: no credential: set passwordFile, passwordEnv, oauth2TokenFile or oauth2RefreshFile'],
  ],
  [
    'no credential (kubernetes)',
    'kubernetes',
    (s) => delete s.source.passwordSecretRef,
    ['spec.source: no credential: set passwordSecretRef, oauth2TokenSecretRef or oauth2RefreshSecretRef'],
  ],
  [
    'two credentials (local)',
    'local',
    (s) => (s.source.oauth2TokenFile = '/t'),
    ['spec.source: set only one of passwordFile, oauth2TokenFile'],
  ],
  [
    'two credentials (kubernetes)',
    'kubernetes',
    (s) => (s.source.oauth2TokenSecretRef = { name: 't', key: 'k' }),
    ['spec.source: set only one of passwordSecretRef, oauth2TokenSecretRef'],
  ],
  [
    'refresh material and a token (kubernetes)',
    'kubernetes',
    (s) => {
      delete s.source.passwordSecretRef;
      s.source.oauth2TokenSecretRef = { name: 't', key: 'k' };
      s.source.oauth2RefreshSecretRef = { name: 'r', key: 'k' };
    },
    ['spec.source: set only one of oauth2TokenSecretRef, oauth2RefreshSecretRef'],
  ],
  [
    'refresh material alone: XOAUTH2 by default (local)',
    'local',
    (s) => {
      delete s.destination.passwordEnv;
      s.destination.oauth2RefreshFile = '/r.json';
    },
    [],
  ],
  [
    'refresh material with LOGIN (local)',
    'local',
    (s) => {
      delete s.destination.passwordEnv;
      Object.assign(s.destination, { oauth2RefreshFile: '/r.json', authMechanism: 'LOGIN' });
    },
    ['spec.destination.authMechanism: LOGIN cannot log in with an OAuth2 token; use XOAUTH2'],
  ],
  [
    'XOAUTH2 with a password (local)',
    'local',
    (s) => (s.source.authMechanism = 'XOAUTH2'),
    ['spec.source.authMechanism: XOAUTH2 needs an OAuth2 token (oauth2TokenFile or oauth2RefreshFile), not a password'],
  ],
  [
    'XOAUTH2 with a password (kubernetes)',
    'kubernetes',
    (s) => (s.destination.authMechanism = 'XOAUTH2'),
    [
      'spec.destination.authMechanism: XOAUTH2 needs an OAuth2 token (oauth2TokenSecretRef or oauth2RefreshSecretRef), not a password',
    ],
  ],
  [
    'a token with PLAIN',
    'local',
    (s) => {
      delete s.destination.passwordEnv;
      Object.assign(s.destination, { oauth2TokenFile: '/t', authMechanism: 'PLAIN' });
    },
    ['spec.destination.authMechanism: PLAIN cannot log in with an OAuth2 token; use XOAUTH2'],
  ],
  [
    'an admin login with LOGIN',
    'local',
    (s) => Object.assign(s.source, { authUser: 'admin', authMechanism: 'LOGIN' }),
    ['spec.source.authUser: an admin login needs authMechanism PLAIN (SASL authorization identity), not LOGIN'],
  ],
  [
    'PROXYAUTH: the admin may log in with LOGIN (it logs in as itself)',
    'local',
    (s) => Object.assign(s.source, { authUser: 'admin', authMechanism: 'LOGIN', proxyAuth: true }),
    [],
  ],
  [
    'PROXYAUTH without an admin',
    'local',
    (s) => Object.assign(s.destination, { proxyAuth: true }),
    ['spec.destination.proxyAuth: PROXYAUTH needs authUser: the admin who logs in before taking over the user'],
  ],
  [
    'PROXYAUTH after an OAuth2 login',
    'local',
    (s) =>
      Object.assign(s.source, {
        authUser: 'admin',
        proxyAuth: true,
        authMechanism: 'XOAUTH2',
        passwordFile: undefined,
        oauth2TokenFile: '/t',
      }),
    ['spec.source.proxyAuth: PROXYAUTH follows a password login (LOGIN, PLAIN or CRAM-MD5 as authUser), not XOAUTH2'],
  ],
  [
    'an admin login with a token (XOAUTH2 by default)',
    'kubernetes',
    (s) => {
      delete s.source.passwordSecretRef;
      Object.assign(s.source, { authUser: 'admin', oauth2TokenSecretRef: { name: 't', key: 'k' } });
    },
    ['spec.source.authUser: an admin login needs authMechanism PLAIN (SASL authorization identity), not XOAUTH2'],
  ],
  ['an admin login (PLAIN by default)', 'local', (s) => (s.source.authUser = 'admin'), []],
  [
    'a Secret reference outside Kubernetes',
    'local',
    (s) => (s.destination.caSecretRef = { name: 'ca', key: 'ca.crt' }),
    ['spec.destination.caSecretRef: a Kubernetes Secret is only read in Kubernetes; use caFile here'],
  ],
  [
    'a password file in a MailSync',
    'kubernetes',
    (s) => (s.source.passwordFile = '/p'),
    ['spec.source.passwordFile: a local file or variable is not read in Kubernetes; use a Secret reference'],
  ],
  [
    'the same account on both sides, spelled differently',
    'local',
    (s) => Object.assign(s.destination, { host: 'IMAP.OLD.EXAMPLE.', port: 993 }),
    ['spec.destination: the same account as source: a mailbox cannot be synced onto itself'],
  ],
  [
    'the same host with another user',
    'local',
    (s) => Object.assign(s.destination, { host: 'imap.old.example', user: 'jo' }),
    [],
  ],
  [
    'sizes that select nothing',
    'kubernetes',
    (s) => (s.filters = { minSize: 10, maxSize: 5 }),
    ['spec.filters.minSize: bigger than maxSize: no message would match'],
  ],
  ['ages that select both ends (imapsync)', 'local', (s) => (s.filters = { minAgeDays: 365, maxAgeDays: 30 }), []],
  [
    'deleteOnSource without verify',
    'local',
    (s) => Object.assign(s, { deleteOnSource: true, verify: false }),
    ['spec.deleteOnSource: needs verify: true (a source message is only deleted once verified on the destination)'],
  ],
  [
    'invalid regular expressions',
    'kubernetes',
    (s) =>
      (s.folders = {
        include: ['^ok$', '('],
        exclude: ['[a-'],
        rename: [
          { from: 'x', to: 'y' },
          { from: '(?<', to: '' },
        ],
      }),
    [
      'spec.folders.include[1]: invalid regular expression: /(/: Unterminated group',
      'spec.folders.exclude[0]: invalid regular expression: /[a-/: Unterminated character class',
      'spec.folders.rename[1].from: invalid regular expression: /(?</: Invalid capture group name',
    ],
  ],
  [
    'worker resources: cpu, memory and ephemeral-storage',
    'kubernetes',
    (s) =>
      (s.resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { 'ephemeral-storage': '1Gi', memory: 1 } }),
    [],
  ],
  [
    'a GPU limit and an extended resource request',
    'kubernetes',
    (s) => (s.resources = { requests: { 'example.com/dongle': 1 }, limits: { cpu: 1, 'nvidia.com/gpu': 8 } }),
    [
      'spec.resources.requests: only cpu, memory and ephemeral-storage may be requested or limited',
      'spec.resources.limits: only cpu, memory and ephemeral-storage may be requested or limited',
    ],
  ],
  [
    'a rename regex valid only with its flags',
    'local',
    (s) => (s.folders = { rename: [{ from: '\\p{L}+', to: 'x', flags: 'u' }] }),
    [],
  ],
];

describe('specProblems', () => {
  it.each(CASES)('%s (%s)', (_what, context, change, expected) => {
    const spec = base(context) as Doc & MailSyncSpec;
    change(spec);
    expect(texts(spec, context)).toEqual(expected);
  });

  it.each([null, 'text', [], 42])('refuses %j as a spec', (raw) => {
    expect(texts(raw, 'local')).toEqual(['spec: must be a mapping with source and destination']);
  });

  it('reports schema problems alone (the other rules need a well-formed spec)', () => {
    const spec = { ...local(), folders: { exclude: ['('] }, errorsMax: -1 };
    expect(texts(spec, 'local')).toEqual(['spec.errorsMax: must be >= 0 (got -1)']);
  });

  it('never quotes a string value that could be a secret', () => {
    const spec = { ...local(), source: { ...local().source, password: 'hunter2', user: 7 } };
    expect(JSON.stringify(specProblems(spec, 'local'))).not.toContain('hunter2');
  });
});

describe('endpointProblems and the default mechanism', () => {
  it.each<[Partial<Endpoint>, boolean, string]>([
    [{}, false, 'LOGIN'],
    [{ authUser: 'admin' }, false, 'PLAIN'],
    [{}, true, 'XOAUTH2'],
    [{ authMechanism: 'PLAIN' }, false, 'PLAIN'],
    [{ authMechanism: 'LOGIN', authUser: 'admin' }, false, 'LOGIN'],
  ])('the mechanism of %j (token: %s) is %s', (endpoint, token, mechanism) => {
    expect(effectiveMechanism(endpoint, token)).toBe(mechanism);
  });

  it('gives each problem its side', () => {
    const problems = endpointProblems(
      { host: 'h', user: 'u', passwordFile: '/p', authMechanism: 'XOAUTH2' },
      'destination',
      'local',
    );
    expect(problems).toEqual([
      {
        path: 'spec.destination.authMechanism',
        message: 'XOAUTH2 needs an OAuth2 token (oauth2TokenFile or oauth2RefreshFile), not a password',
        side: 'destination',
      },
    ]);
  });
});

describe('SpecError', () => {
  const one = { path: 'spec.source.port', message: 'must be <= 65535 (got 70000)', side: 'source' as const };
  const two = { path: 'spec.destination.user', message: 'is required', side: 'destination' as const };

  it.each([
    [[one], 'spec.source.port: must be <= 65535 (got 70000)', 'source'],
    [
      [one, two],
      '2 problems: spec.source.port: must be <= 65535 (got 70000); spec.destination.user: is required',
      undefined,
    ],
  ])('joins %j into one line', (problems, text, side) => {
    expect(problemsText(problems)).toBe(text);
    const error = new SpecError(problems);
    expect(error.message).toBe(text);
    expect(error.side).toBe(side);
    expect(error.reason).toBe('InvalidConfiguration');
    expect(error.exitCode).toBe(2);
  });

  it('becomes a ConfigError (exit code 2) wherever errors are classified', () => {
    const error = asMailsyncError(new SpecError([one]));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.exitCode).toBe(2);
    expect(error.side).toBe('source');
    expect(error.message).toBe('spec.source.port: must be <= 65535 (got 70000)');
  });
});
