/**
 * The options that exist once per side, written without their side number:
 * `host` is --host1 (source) and --host2 (destination). Connection,
 * credentials and TLS; the TLS flags and the credentials are only collected
 * here and resolved once every option is read (resolve.ts).
 */
import { LOCAL_CREDENTIAL_FIELDS } from '../api/secret-refs.js';
import type { AuthMechanism, Endpoint } from '../api/spec.js';
import { ConfigError, type Side } from '../sync/errors.js';
import type { SidedOptionDef } from './option-def.js';
import { endpoint, type ParseState, SECRET_ENV, type TlsOption } from './parse-state.js';
import { PRESET_OPTIONS } from './preset-options.js';

const AUTH_MECHANISMS: readonly AuthMechanism[] = ['LOGIN', 'PLAIN', 'XOAUTH2', 'CRAM-MD5'];

/** The Endpoint fields whose type is exactly T. */
type EndpointField<T> = {
  [K in keyof Endpoint]-?: [NonNullable<Endpoint[K]>] extends [T]
    ? [T] extends [NonNullable<Endpoint[K]>]
      ? K
      : never
    : never;
}[keyof Endpoint];

function endpointString(field: EndpointField<string>): SidedOptionDef {
  return {
    value: 'string',
    apply: (s, v, _n, side) => {
      Object.assign(endpoint(s, side), { [field]: v });
    },
  };
}

function endpointInt(field: EndpointField<number>): SidedOptionDef {
  return {
    value: 'int',
    apply: (s, v, _n, side) => {
      Object.assign(endpoint(s, side), { [field]: Number(v) });
    },
  };
}

function endpointFlag(field: EndpointField<boolean>): SidedOptionDef {
  return {
    value: 'none',
    apply: (s, _v, _n, side) => {
      Object.assign(endpoint(s, side), { [field]: true });
    },
  };
}

function tlsFlag(option: TlsOption): SidedOptionDef {
  return { value: 'none', apply: (s, _v, _n, side) => void s.tls[side].add(option) };
}

/** Credentials are one choice per side: the command line's replaces the config file's. */
function setCredential(s: ParseState, side: Side, name: string, fields: Partial<Endpoint>): void {
  s.credentials[side].add(name);
  const cleared = Object.fromEntries(LOCAL_CREDENTIAL_FIELDS.map((f) => [f, undefined]));
  Object.assign(endpoint(s, side), { ...cleared, ...fields });
}

/** The password goes to an environment variable of our own, never into the spec. */
function applyPassword(s: ParseState, value: string, name: string, side: Side): void {
  s.secretEnv[SECRET_ENV.password[side]] = value;
  setCredential(s, side, name, { passwordEnv: SECRET_ENV.password[side] });
  const n = name.slice(-1);
  s.notices.push(
    `--${name} puts the password on the command line, where other users can read it (ps); ` +
      `prefer --passfile${n} or the environment variable IMAPSYNC_PASSWORD${n}`,
  );
}

/** imapsync takes either the token or a file holding it. */
function applyAccessToken(s: ParseState, value: string, name: string, side: Side): void {
  if (s.ctx.isFile(value)) {
    delete s.literalTokens[side];
    setCredential(s, side, name, { oauth2TokenFile: value });
  } else if (/^(\/|\.\.?\/|~)/.test(value)) {
    throw new ConfigError(`--${name}: token file ${value} does not exist`, { side });
  } else {
    s.literalTokens[side] = value;
    setCredential(s, side, name, {});
    s.notices.push(
      `--${name} puts the access token on the command line, where other users can read it (ps); ` +
        'prefer a file holding the token (re-read on every reconnect, so a refreshed token is picked up)',
    );
  }
  endpoint(s, side).authMechanism = 'XOAUTH2';
}

function applyAuthMechanism(s: ParseState, value: string, name: string, side: Side): void {
  const mech = value.toUpperCase() as AuthMechanism;
  if (!AUTH_MECHANISMS.includes(mech)) {
    throw new ConfigError(`--${name} ${value} is not supported: use LOGIN, PLAIN, XOAUTH2 or CRAM-MD5`, { side });
  }
  endpoint(s, side).authMechanism = mech;
}

/** imapsync's 0 means no timeout, which mailsync does not have: the maximum instead (said once). */
export function setTimeoutSeconds(s: ParseState, sides: readonly Side[], name: string, seconds: number): void {
  if (seconds === 0) s.notices.push(`--${name} 0 (no timeout) is not supported; using the maximum, 3600 seconds`);
  for (const side of sides) endpoint(s, side).timeoutSeconds = seconds === 0 ? 3600 : seconds;
}

/** imapsync passes IO::Socket::SSL arguments through; the common ones have a mailsync equivalent. */
function applySslArgs(s: ParseState, value: string, name: string, side: Side): void {
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

/**
 * COMPRESS=DEFLATE is one setting for both connections (performance.compress, on by default but
 * never on loopback): a side's --compress/--nocompress sets it for both, and says so.
 */
function compressFlag(on: boolean): SidedOptionDef {
  return {
    value: 'none',
    apply: (s, _v, name) => {
      s.overrides.performance.compress = on;
      s.notices.push(
        `--${name}: COMPRESS=DEFLATE is one setting for both sides; it is now ${on ? 'used where a server offers it (never on loopback)' : 'off on both sides'}`,
      );
    },
  };
}

export const SIDED_OPTIONS: Readonly<Record<string, SidedOptionDef>> = {
  ...PRESET_OPTIONS,
  host: endpointString('host'),
  port: endpointInt('port'),
  user: endpointString('user'),
  password: { value: 'string', apply: applyPassword },
  passfile: { value: 'string', apply: (s, v, name, side) => setCredential(s, side, name, { passwordFile: v }) },
  oauthaccesstoken: { value: 'string', apply: applyAccessToken },
  authmech: { value: 'string', apply: applyAuthMechanism },
  authuser: endpointString('authUser'),
  // imapsync's --proxyauth1: the admin (--authuser1) logs in as itself, then PROXYAUTH user.
  proxyauth: endpointFlag('proxyAuth'),
  // imapsync's --authmd51: CRAM-MD5 (the engine logs a warning at every start).
  authmd5: {
    value: 'none',
    apply: (s, _v, _n, side) => {
      endpoint(s, side).authMechanism = 'CRAM-MD5';
    },
  },
  ssl: tlsFlag('ssl'),
  tls: tlsFlag('tls'),
  nossl: tlsFlag('nossl'),
  notls: tlsFlag('notls'),
  timeout: { value: 'int', apply: (s, v, name, side) => setTimeoutSeconds(s, [side], name, Number(v)) },
  cafile: endpointString('caFile'),
  insecure: endpointFlag('insecureSkipVerify'),
  'allow-plaintext': endpointFlag('allowPlaintext'),
  sslargs: { value: 'string', apply: applySslArgs },
  compress: compressFlag(true),
  nocompress: compressFlag(false),
  noexpunge: {
    value: 'none',
    apply: (s, _v, _n, side) => {
      s.noExpunge[side] = true;
    },
  },
};
