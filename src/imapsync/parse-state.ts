/**
 * What `mailsync sync`'s command line parses into (SyncArgs), and the state
 * the option tables write while the arguments are read: SyncArgs plus what is
 * only resolved once every option is known (TLS options, credentials, modes).
 */
import type { Endpoint, Preset } from '../api/spec.js';
import type { Side } from '../sync/errors.js';
import { emptyOverrides, type SpecOverrides } from './spec-overrides.js';

export type LogFormat = 'json' | 'human';

export interface SyncArgs {
  help: boolean;
  version: boolean;
  debug: boolean;
  configFile?: string;
  stateFile?: string;
  logFormat?: LogFormat;
  /** --imapsync-compat: imapsync's statistics block and exit codes at the end (src/cli/imapsync-report.ts). */
  imapsyncCompat: boolean;
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

export type TlsOption = 'ssl' | 'tls' | 'nossl' | 'notls';
export type ModeOption = 'dry' | 'justfolders' | 'justlogin' | 'justfoldersizes';
/** A part of a preset turned off: --noexclude, --nof1f2, --noregexflag, --noregexmess (preset-options.ts). */
export type OptOut = 'exclude' | 'f1f2' | 'regexflag' | 'regexmess';

export interface ParseState extends SyncArgs {
  ctx: ParseContext;
  /** Per side: which TLS options were given, resolved after all options are read. */
  tls: Record<Side, Set<TlsOption>>;
  /** Per side: the names of the credential options given (one is allowed). */
  credentials: Record<Side, Set<string>>;
  modes: Set<ModeOption>;
  noExpunge: Record<Side, boolean>;
  /** imapsync's presets given (--office1, --exchange2...), per side. */
  presets: Partial<Record<Side, Preset>>;
  optOuts: Set<OptOut>;
}

export function newParseState(ctx: ParseContext): ParseState {
  return {
    help: false,
    version: false,
    debug: false,
    imapsyncCompat: false,
    overrides: emptyOverrides(),
    secretEnv: {},
    literalTokens: {},
    notices: [],
    ctx,
    tls: { source: new Set(), destination: new Set() },
    credentials: { source: new Set(), destination: new Set() },
    modes: new Set(),
    noExpunge: { source: false, destination: false },
    presets: {},
    optOuts: new Set(),
  };
}

/** The SyncArgs part of a finished state. */
export function syncArgsOf(s: ParseState): SyncArgs {
  const { ctx: _ctx, tls: _tls, credentials: _c, modes: _m, noExpunge: _e, presets: _p, optOuts: _o, ...args } = s;
  return args;
}

/** The spec fields of one side that the command line sets. */
export function endpoint(s: ParseState, side: Side): Partial<Endpoint> {
  return s.overrides[side];
}

/** "1" for the source, "2" for the destination, as in imapsync's option names. */
export function sideNumber(side: Side): '1' | '2' {
  return side === 'source' ? '1' : '2';
}
