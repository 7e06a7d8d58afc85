/**
 * What can only be decided once every option is read: the TLS options of a
 * side combined into one tls mode, imapsync's dry/just* options into one
 * mode, and the combinations that contradict each other or need a notice.
 */
import { ConfigError, type Side } from '../sync/errors.js';
import { endpoint, type ParseState, SECRET_ENV, sideNumber, type TlsOption } from './parse-state.js';
import { resolvePresets } from './preset-options.js';

const BOTH_SIDES = ['source', 'destination'] as const;

/** The TLS options of one side as a tls mode (imapsync: ssl = implicit TLS, tls = STARTTLS). */
function resolveTls(s: ParseState, side: Side): void {
  const given = s.tls[side];
  if (given.size === 0) return;
  const n = sideNumber(side);
  const has = (o: TlsOption) => given.has(o);
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
function resolveMode(s: ParseState): void {
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

/** --noexpunge does nothing (mailsync expunges only what it deleted), but cannot go with --delete. */
function checkExpunge(s: ParseState): void {
  for (const side of BOTH_SIDES) {
    if (!s.noExpunge[side]) continue;
    const n = sideNumber(side);
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

/** One credential per side; a token wins over the dummy password scripts pass next to it. */
function checkCredentials(s: ParseState): void {
  for (const side of BOTH_SIDES) {
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

/** imapsync's end of run is text: it cannot be mixed into JSON lines. */
function checkCompatOutput(s: ParseState): void {
  if (s.imapsyncCompat && s.logFormat === 'json') {
    throw new ConfigError(
      '--imapsync-compat prints text as imapsync does (log lines, then its statistics block); it cannot go with --log-format json',
    );
  }
}

/** Everything decided after the last option, in this order (its errors and notices come in this order). */
export function resolveOptions(s: ParseState): void {
  resolveTls(s, 'source');
  resolveTls(s, 'destination');
  resolveMode(s);
  checkExpunge(s);
  checkCredentials(s);
  resolvePresets(s);
  checkCompatOutput(s);
}
