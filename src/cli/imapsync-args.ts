/**
 * `mailsync sync` arguments: imapsync's option names (so a migration script
 * switches by changing the command name) plus mailsync's own options. Pure:
 * the environment and the file system are passed in, nothing is read here.
 *
 * Like imapsync (Perl's Getopt::Long): `--opt value`, `--opt=value`, a single
 * leading dash works too, option names are case-insensitive.
 */
import type { AuthMechanism, Endpoint } from '../api/spec.js';
import { ConfigError, type Side } from '../sync/errors.js';
import { parseRegextrans2 } from '../sync/regextrans.js';
import { IMAPSYNC_COMPAT } from './imapsync-compat.js';
import { emptyOverrides, type SpecOverrides } from './spec-overrides.js';

export type LogFormat = 'json' | 'human';

export interface SyncArgs {
  help: boolean;
  version: boolean;
  debug: boolean;
  configFile?: string;
  stateFile?: string;
  logFormat?: LogFormat;
  overrides: SpecOverrides;
  /** Passwords given on the command line, to put in the process environment (never logged). */
  secretEnv: Record<string, string>;
  /**
   * Access tokens given literally on the command line. The engine reads tokens
   * from files only (re-read on reconnect): the CLI writes them to private
   * temporary files and sets oauth2TokenFile (see token-files.ts).
   */
  literalTokens: Partial<Record<Side, string>>;
  /** Warnings and "accepted, no effect" notices, printed at start. */
  notices: string[];
}

export interface ParseContext {
  /** Whether a path names an existing file (for --oauthaccesstoken: a file or a literal token). */
  isFile: (path: string) => boolean;
}

/** Environment variables the CLI sets for passwords given on the command line. */
export const SECRET_ENV = {
  password: { source: 'MAILSYNC_CLI_PASSWORD1', destination: 'MAILSYNC_CLI_PASSWORD2' },
} as const;

type ValueKind = 'none' | 'string' | 'int' | 'number';

interface State extends SyncArgs {
  ctx: ParseContext;
  /** Per side: which TLS options were given, resolved after all options are read. */
  tls: Record<Side, Set<'ssl' | 'tls' | 'nossl' | 'notls'>>;
  credentials: Record<Side, Set<string>>;
  modes: Set<'dry' | 'justfolders' | 'justlogin' | 'justfoldersizes'>;
  noExpunge: Record<Side, boolean>;
}

interface OptionDef {
  value: ValueKind;
  apply: (s: State, value: string, name: string) => void;
}

const SIDES: Record<'1' | '2', Side> = { '1': 'source', '2': 'destination' };

function endpoint(s: State, side: Side): Partial<Endpoint> {
  return s.overrides[side];
}

/** Credentials are one choice per side: the command line's replaces the config file's. */
function setCredential(s: State, side: Side, name: string, fields: Partial<Endpoint>): void {
  s.credentials[side].add(name);
  Object.assign(endpoint(s, side), {
    passwordFile: undefined,
    passwordEnv: undefined,
    oauth2TokenFile: undefined,
    ...fields,
  });
}

const AUTH_MECHANISMS: readonly AuthMechanism[] = ['LOGIN', 'PLAIN', 'XOAUTH2'];

/** Options that exist once per side: `--host1`, `--host2`. */
interface SidedOptionDef {
  value: ValueKind;
  apply: (s: State, value: string, name: string, side: Side) => void;
}

const SIDED: Record<string, SidedOptionDef> = {
  host: {
    value: 'string',
    apply: (s, v, _n, side) => {
      endpoint(s, side).host = v;
    },
  },
  port: {
    value: 'int',
    apply: (s, v, _n, side) => {
      endpoint(s, side).port = Number(v);
    },
  },
  user: {
    value: 'string',
    apply: (s, v, _n, side) => {
      endpoint(s, side).user = v;
    },
  },
  password: {
    value: 'string',
    apply: (s, v, name, side) => {
      s.secretEnv[SECRET_ENV.password[side]] = v;
      setCredential(s, side, name, { passwordEnv: SECRET_ENV.password[side] });
      const n = name.slice(-1);
      s.notices.push(
        `--${name} puts the password on the command line, where other users can read it (ps); ` +
          `prefer --passfile${n} or the environment variable IMAPSYNC_PASSWORD${n}`,
      );
    },
  },
  passfile: {
    value: 'string',
    apply: (s, v, name, side) => setCredential(s, side, name, { passwordFile: v }),
  },
  oauthaccesstoken: {
    value: 'string',
    apply: (s, v, name, side) => {
      // imapsync takes either the token or a file holding it.
      if (s.ctx.isFile(v)) {
        delete s.literalTokens[side];
        setCredential(s, side, name, { oauth2TokenFile: v });
      } else if (/^(\/|\.\.?\/|~)/.test(v)) {
        throw new ConfigError(`--${name}: token file ${v} does not exist`, { side });
      } else {
        s.literalTokens[side] = v;
        setCredential(s, side, name, {});
        s.notices.push(
          `--${name} puts the access token on the command line, where other users can read it (ps); ` +
            'prefer a file holding the token (re-read on every reconnect, so a refreshed token is picked up)',
        );
      }
      endpoint(s, side).authMechanism = 'XOAUTH2';
    },
  },
  authmech: {
    value: 'string',
    apply: (s, v, name, side) => {
      const mech = v.toUpperCase() as AuthMechanism;
      if (!AUTH_MECHANISMS.includes(mech)) {
        throw new ConfigError(`--${name} ${v} is not supported: use LOGIN, PLAIN or XOAUTH2`, { side });
      }
      endpoint(s, side).authMechanism = mech;
    },
  },
  authuser: {
    value: 'string',
    apply: (s, v, _n, side) => {
      endpoint(s, side).authUser = v;
    },
  },
  ssl: { value: 'none', apply: (s, _v, _n, side) => void s.tls[side].add('ssl') },
  tls: { value: 'none', apply: (s, _v, _n, side) => void s.tls[side].add('tls') },
  nossl: { value: 'none', apply: (s, _v, _n, side) => void s.tls[side].add('nossl') },
  notls: { value: 'none', apply: (s, _v, _n, side) => void s.tls[side].add('notls') },
  timeout: {
    value: 'int',
    apply: (s, v, name, side) => setTimeout_(s, side, name, Number(v)),
  },
  cafile: {
    value: 'string',
    apply: (s, v, _n, side) => {
      endpoint(s, side).caFile = v;
    },
  },
  insecure: {
    value: 'none',
    apply: (s, _v, _n, side) => {
      endpoint(s, side).insecureSkipVerify = true;
    },
  },
  'allow-plaintext': {
    value: 'none',
    apply: (s, _v, _n, side) => {
      endpoint(s, side).allowPlaintext = true;
    },
  },
  sslargs: { value: 'string', apply: (s, v, name, side) => applySslArgs(s, side, name, v) },
  noexpunge: {
    value: 'none',
    apply: (s, _v, _n, side) => {
      s.noExpunge[side] = true;
    },
  },
};

function setTimeout_(s: State, side: Side, name: string, seconds: number): void {
  if (seconds === 0) {
    s.notices.push(`--${name} 0 (no timeout) is not supported; using the maximum, 3600 seconds`);
    endpoint(s, side).timeoutSeconds = 3600;
    return;
  }
  endpoint(s, side).timeoutSeconds = seconds;
}

/** imapsync passes IO::Socket::SSL arguments through; the common ones have a mailsync equivalent. */
function applySslArgs(s: State, side: Side, name: string, value: string): void {
  const [key = '', arg = ''] = value.split('=', 2);
  if (key === 'SSL_verify_mode' && (arg === '0' || arg === 'SSL_VERIFY_NONE')) {
    endpoint(s, side).insecureSkipVerify = true;
    return;
  }
  if (key === 'SSL_verify_mode') {
    s.notices.push(`--${name} ${value}: certificates are always verified (unless --insecure${name.slice(-1)})`);
    return;
  }
  if (key === 'SSL_ca_file' && arg) {
    endpoint(s, side).caFile = arg;
    return;
  }
  if (key === 'SSL_version') {
    s.notices.push(`--${name} ${value}: TLS 1.2 or newer is always negotiated`);
    return;
  }
  throw new ConfigError(
    `--${name} ${key} is not supported: use --cafile${name.slice(-1)} or --insecure${name.slice(-1)}`,
    { side },
  );
}

function modeFlag(mode: 'dry' | 'justfolders' | 'justlogin' | 'justfoldersizes'): OptionDef {
  return { value: 'none', apply: (s) => void s.modes.add(mode) };
}

function push(s: State, key: 'only' | 'include' | 'exclude', value: string): void {
  const list = s.overrides.folders[key] ?? [];
  list.push(value);
  s.overrides.folders[key] = list;
}

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

/** Options without a side. */
const GLOBAL: Record<string, OptionDef> = {
  help: {
    value: 'none',
    apply: (s) => {
      s.help = true;
    },
  },
  h: {
    value: 'none',
    apply: (s) => {
      s.help = true;
    },
  },
  version: {
    value: 'none',
    apply: (s) => {
      s.version = true;
    },
  },
  config: {
    value: 'string',
    apply: (s, v) => {
      s.configFile = v;
    },
  },
  'state-file': {
    value: 'string',
    apply: (s, v) => {
      s.stateFile = v;
    },
  },
  'log-format': {
    value: 'string',
    apply: (s, v) => {
      if (v !== 'json' && v !== 'human') throw new ConfigError(`--log-format must be json or human, got '${v}'`);
      s.logFormat = v;
    },
  },
  'folder-concurrency': {
    value: 'int',
    apply: (s, v) => {
      s.overrides.performance.folderConcurrency = Number(v);
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
  automap: {
    value: 'none',
    apply: (s) => {
      s.overrides.folders.automap = true;
    },
  },
  noautomap: {
    value: 'none',
    apply: (s) => {
      s.overrides.folders.automap = false;
    },
  },
  folder: { value: 'string', apply: (s, v) => push(s, 'only', v) },
  include: { value: 'string', apply: (s, v) => push(s, 'include', v) },
  exclude: { value: 'string', apply: (s, v) => push(s, 'exclude', v) },
  regextrans2: {
    value: 'string',
    apply: (s, v) => {
      const rules = s.overrides.folders.rename ?? [];
      rules.push(parseRegextrans2(v));
      s.overrides.folders.rename = rules;
    },
  },
  subfolder2: {
    value: 'string',
    apply: (s, v) => {
      s.overrides.folders.subfolder = v;
    },
  },
  subscribe: {
    value: 'none',
    apply: (s) => {
      s.overrides.folders.subscribe = true;
    },
  },
  nosubscribe: {
    value: 'none',
    apply: (s) => {
      s.overrides.folders.subscribe = false;
    },
  },
  useheader: {
    value: 'string',
    apply: (s, v) => {
      const headers = s.overrides.top.identityHeaders ?? [];
      headers.push(v);
      s.overrides.top.identityHeaders = headers;
    },
  },
  delete1: {
    value: 'none',
    apply: (s) => {
      s.overrides.top.deleteOnSource = true;
    },
  },
  delete: {
    value: 'none',
    apply: (s) => {
      s.overrides.top.deleteOnSource = true;
      s.notices.push('--delete is the old name of --delete1 (delete on the source after a verified copy)');
    },
  },
  delete2: {
    value: 'none',
    apply: (s) => {
      s.overrides.top.deleteOnDestination = true;
    },
  },
  nouidexpunge2: {
    value: 'none',
    apply: (s) => {
      s.noExpunge.destination = true;
    },
  },
  resyncflags: {
    value: 'none',
    apply: (s) => {
      s.overrides.top.syncFlags = true;
    },
  },
  noresyncflags: {
    value: 'none',
    apply: (s) => {
      s.overrides.top.syncFlags = false;
    },
  },
  maxsize: {
    value: 'int',
    apply: (s, v) => {
      s.overrides.filters.maxSize = Number(v);
    },
  },
  minsize: {
    value: 'int',
    apply: (s, v) => {
      s.overrides.filters.minSize = Number(v);
    },
  },
  maxage: {
    value: 'number',
    apply: (s, v) => {
      s.overrides.filters.maxAgeDays = Number(v);
    },
  },
  minage: {
    value: 'number',
    apply: (s, v) => {
      s.overrides.filters.minAgeDays = Number(v);
    },
  },
  dry: modeFlag('dry'),
  justfolders: modeFlag('justfolders'),
  justlogin: modeFlag('justlogin'),
  justfoldersizes: modeFlag('justfoldersizes'),
  maxbytespersecond: {
    value: 'int',
    apply: (s, v) => {
      s.overrides.throttle.maxBytesPerSecond = Number(v);
    },
  },
  maxmessagespersecond: {
    value: 'number',
    apply: (s, v) => {
      s.overrides.throttle.maxMessagesPerSecond = Number(v);
    },
  },
  exitwhenover: {
    value: 'int',
    apply: (s, v) => {
      s.overrides.throttle.maxBytesPerRun = Number(v);
    },
  },
  errorsmax: {
    value: 'int',
    apply: (s, v) => {
      s.overrides.top.errorsMax = Number(v);
    },
  },
  timeout: {
    value: 'int',
    apply: (s, v, name) => {
      setTimeout_(s, 'source', name, Number(v));
      setTimeout_(s, 'destination', name, Number(v));
    },
  },
};

interface Resolved {
  def: OptionDef;
  /** The canonical (lower-case) name, for messages. */
  name: string;
}

function lookup(rawName: string): Resolved | undefined {
  const name = rawName.toLowerCase();
  const global = GLOBAL[name];
  if (global) return { def: global, name };
  const sided = /^(.+?)([12])$/.exec(name);
  if (sided) {
    const def = SIDED[sided[1] ?? ''];
    const side = SIDES[sided[2] as '1' | '2'];
    if (def) return { def: { value: def.value, apply: (s, v, n) => def.apply(s, v, n, side) }, name };
  }
  const compat = IMAPSYNC_COMPAT[name];
  if (compat) {
    return {
      name,
      def: {
        value: compat.takesValue ? 'string' : 'none',
        apply: (s) => {
          if (compat.kind === 'unsupported') throw new ConfigError(`--${name} is not supported: ${compat.why}`);
          s.notices.push(`--${name} has no effect: ${compat.why}`);
        },
      },
    };
  }
  return undefined;
}

/** Every option name the parser knows, for "did you mean". */
export function knownOptionNames(): string[] {
  const sided = Object.keys(SIDED).flatMap((n) => [`${n}1`, `${n}2`]);
  return [...Object.keys(GLOBAL), ...sided, ...Object.keys(IMAPSYNC_COMPAT)];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(name: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of knownOptionNames()) {
    const d = editDistance(name.toLowerCase(), known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean --${best}?)` : '';
}

function checkValue(kind: ValueKind, name: string, value: string): void {
  if (kind === 'int' && !/^\d+$/.test(value)) {
    throw new ConfigError(`--${name} needs a whole number, got '${value}'`);
  }
  if (kind === 'number' && !/^\d+(\.\d+)?$/.test(value)) {
    throw new ConfigError(`--${name} needs a number, got '${value}'`);
  }
}

/** The TLS options of one side as a tls mode (imapsync: ssl = implicit TLS, tls = STARTTLS). */
function resolveTls(s: State, side: Side): void {
  const given = s.tls[side];
  if (given.size === 0) return;
  const n = side === 'source' ? '1' : '2';
  const has = (o: 'ssl' | 'tls' | 'nossl' | 'notls') => given.has(o);
  if (has('ssl') && has('nossl')) throw new ConfigError(`--ssl${n} and --nossl${n} contradict each other`, { side });
  if (has('tls') && has('notls')) throw new ConfigError(`--tls${n} and --notls${n} contradict each other`, { side });
  if (has('ssl') && has('tls')) {
    throw new ConfigError(`--ssl${n} (implicit TLS) and --tls${n} (STARTTLS) exclude each other; give one of them`, {
      side,
    });
  }
  const ep = endpoint(s, side);
  if (has('nossl') && has('notls')) {
    // Both "no" options: the user asks for plaintext explicitly, so it is allowed.
    ep.tls = 'none';
    ep.allowPlaintext = true;
    s.notices.push(`--nossl${n} --notls${n}: the ${side} connection is not encrypted (password in clear text)`);
  } else if (has('ssl') || has('notls')) {
    ep.tls = 'implicit';
  } else {
    ep.tls = 'starttls';
  }
}

/** imapsync's dry/just* options combined into one mode (the most cautious one wins). */
function resolveMode(s: State): void {
  const m = s.modes;
  if (m.size === 0) return;
  if (m.has('justlogin')) s.overrides.top.mode = 'loginOnly';
  else if (m.has('justfoldersizes')) s.overrides.top.mode = 'folderSizesOnly';
  else if (m.has('dry')) s.overrides.top.mode = 'dryRun';
  else s.overrides.top.mode = 'foldersOnly';
  if (m.has('dry') && m.has('justfolders') && s.overrides.top.mode === 'dryRun') {
    s.notices.push('--dry --justfolders: dry run of the whole sync (nothing is changed; message counts are reported)');
  }
}

function checkExpunge(s: State): void {
  for (const side of ['source', 'destination'] as const) {
    if (!s.noExpunge[side]) continue;
    const n = side === 'source' ? '1' : '2';
    const deletes = side === 'source' ? s.overrides.top.deleteOnSource : s.overrides.top.deleteOnDestination;
    if (deletes) {
      throw new ConfigError(
        `--noexpunge${n} with --delete${n} is not supported: deleted messages are always expunged (by UID)`,
        { side },
      );
    }
    s.notices.push(`--noexpunge${n} has no effect: mailsync expunges only what it deletes itself (--delete${n})`);
  }
}

function checkCredentials(s: State): void {
  for (const side of ['source', 'destination'] as const) {
    const given = s.credentials[side];
    const token = [...given].find((n) => n.startsWith('oauthaccesstoken'));
    const others = [...given].filter((n) => !n.startsWith('oauthaccesstoken'));
    if (token && others.length > 0) {
      // Scripts pass `--password1 dummy` next to the token, because imapsync wanted one.
      s.notices.push(`--${others.join(', --')} ignored: --${token} is used to log in`);
      delete s.secretEnv[SECRET_ENV.password[side]];
      Object.assign(endpoint(s, side), { passwordFile: undefined, passwordEnv: undefined });
    } else if (others.length > 1) {
      throw new ConfigError(`--${others.join(' and --')} both give the ${side} password; give one`, { side });
    }
  }
}

export function parseSyncArgs(argv: readonly string[], ctx: ParseContext): SyncArgs {
  const s: State = {
    help: false,
    version: false,
    debug: false,
    overrides: emptyOverrides(),
    secretEnv: {},
    literalTokens: {},
    notices: [],
    ctx,
    tls: { source: new Set(), destination: new Set() },
    credentials: { source: new Set(), destination: new Set() },
    modes: new Set(),
    noExpunge: { source: false, destination: false },
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      if (i + 1 < argv.length) throw new ConfigError(`unexpected argument '${argv[i + 1]}'`);
      break;
    }
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(token);
    if (!m) throw new ConfigError(`unexpected argument '${token}' (options start with --)`);
    const rawName = m[1] ?? '';
    const inline = m[2];
    const resolved = lookup(rawName);
    if (!resolved) throw new ConfigError(`unknown option --${rawName}${suggestion(rawName)}`);
    const { def, name } = resolved;
    let value = '';
    if (def.value === 'none') {
      if (inline !== undefined) throw new ConfigError(`--${name} takes no value`);
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = argv[i + 1];
      const nextIsOption = next !== undefined && /^--?[A-Za-z]/.test(next) && lookup(next.replace(/^--?|=.*$/gs, ''));
      if (next === undefined || nextIsOption) throw new ConfigError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (def.value !== 'none') checkValue(def.value, name, value);
    def.apply(s, value, name);
  }
  resolveTls(s, 'source');
  resolveTls(s, 'destination');
  resolveMode(s);
  checkExpunge(s);
  checkCredentials(s);
  const { ctx: _ctx, tls: _tls, credentials: _c, modes: _m, noExpunge: _e, ...args } = s;
  return args;
}

/**
 * imapsync reads passwords from IMAPSYNC_PASSWORD1/2 when no other credential
 * is given; so does mailsync (after the config file had its say).
 */
export function imapsyncPasswordEnvFallback(
  spec: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const notices: string[] = [];
  for (const [side, n] of [
    ['source', '1'],
    ['destination', '2'],
  ] as const) {
    const ep = spec[side];
    if (!ep || typeof ep !== 'object') continue;
    const e = ep as Record<string, unknown>;
    const hasCredential = [
      'passwordFile',
      'passwordEnv',
      'oauth2TokenFile',
      'passwordSecretRef',
      'oauth2TokenSecretRef',
    ]
      .map((k) => e[k])
      .some((v) => v !== undefined);
    const name = `IMAPSYNC_PASSWORD${n}`;
    if (!hasCredential && env[name] !== undefined) {
      e.passwordEnv = name;
      notices.push(`${side} password taken from the environment variable ${name}`);
    }
  }
  return notices;
}
