/**
 * The self-service form: field names, limits, and the check that turns the
 * posted fields into an account pair and options, or into messages naming
 * each bad field. Hostile input (HTML, control characters, oversized values)
 * is refused here; what is accepted is still escaped wherever it is shown.
 */

import type { TlsMode } from '../api/spec.js';
import { invalidRegexReason } from '../api/spec-problems.js';
import type { AccountPair, AccountSide } from './credential-hash.js';

export const SIDE_PREFIX = { source: 's', destination: 'd' } as const;
export type FormSide = keyof typeof SIDE_PREFIX;

export const LIMITS = {
  host: 253,
  user: 256,
  password: 1024,
  excludeLines: 20,
  excludeLine: 256,
} as const;

const TLS_MODES: readonly TlsMode[] = ['auto', 'implicit', 'starttls', 'none'];

export interface ConsoleOptions {
  /** Regexes of source folders to leave out. */
  exclude: string[];
  dryRun: boolean;
}

export interface SideExtras {
  /** Do not verify the server certificate (the user chose it, the page says so). */
  insecureSkipVerify: boolean;
}

export interface ConsoleRequest {
  pair: AccountPair;
  extras: Record<FormSide, SideExtras>;
  options: ConsoleOptions;
}

export interface FieldError {
  field: string;
  message: string;
}

export type FormResult = { ok: true; request: ConsoleRequest } | { ok: false; errors: FieldError[] };

/** Posted fields: a string per name (a repeated or file field is not a string and counts as missing). */
export type PostedFields = Record<string, unknown>;

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

const text = (fields: PostedFields, name: string): string => {
  const value = fields[name];
  return typeof value === 'string' ? value : '';
};

function sideOf(fields: PostedFields, side: FormSide, errors: FieldError[]): AccountSide & SideExtras {
  const p = SIDE_PREFIX[side];
  const field = (name: string) => `${p}_${name}`;
  const fail = (name: string, message: string) => errors.push({ field: field(name), message: `${side} ${message}` });

  const host = text(fields, field('host')).trim();
  if (host === '') fail('host', 'host is required');
  else if (host.length > LIMITS.host || !(HOST.test(host) || (host.includes(':') && IPV6.test(host))))
    fail('host', 'host must be a host name or an IP address');

  const portText = text(fields, field('port')).trim();
  let port: number | undefined;
  if (portText !== '') {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) fail('port', 'port must be a number from 1 to 65535');
  }

  const tlsText = text(fields, field('tls')) || 'auto';
  const tls = TLS_MODES.find((mode) => mode === tlsText);
  if (!tls) fail('tls', `TLS must be one of ${TLS_MODES.join(', ')}`);

  const user = text(fields, field('user')).trim();
  if (user === '') fail('user', 'user is required');
  else if (user.length > LIMITS.user || CONTROL.test(user))
    fail('user', `user must be at most ${LIMITS.user} characters, without control characters`);

  // Not trimmed: spaces may be part of a password.
  const password = text(fields, field('password'));
  if (password === '') fail('password', 'password is required');
  else if (password.length > LIMITS.password || CONTROL.test(password))
    fail('password', `password must be at most ${LIMITS.password} characters, without line breaks`);

  return {
    host,
    ...(port !== undefined && Number.isInteger(port) ? { port } : {}),
    tls: tls ?? 'auto',
    user,
    password,
    insecureSkipVerify: text(fields, field('insecure')) === 'on',
  };
}

function excludeOf(fields: PostedFields, errors: FieldError[]): string[] {
  const lines = text(fields, 'exclude')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length > LIMITS.excludeLines) {
    errors.push({ field: 'exclude', message: `at most ${LIMITS.excludeLines} folder patterns` });
    return [];
  }
  for (const line of lines) {
    const bad =
      line.length > LIMITS.excludeLine || CONTROL.test(line)
        ? `at most ${LIMITS.excludeLine} characters`
        : invalidRegexReason(line);
    if (bad) errors.push({ field: 'exclude', message: `folder pattern ${JSON.stringify(line.slice(0, 40))}: ${bad}` });
  }
  return lines;
}

export function parseForm(fields: PostedFields): FormResult {
  const errors: FieldError[] = [];
  const source = sideOf(fields, 'source', errors);
  const destination = sideOf(fields, 'destination', errors);
  const exclude = excludeOf(fields, errors);
  if (errors.length > 0) return { ok: false, errors };
  const account = ({ insecureSkipVerify: _i, ...rest }: AccountSide & SideExtras): AccountSide => rest;
  return {
    ok: true,
    request: {
      pair: { source: account(source), destination: account(destination) },
      extras: {
        source: { insecureSkipVerify: source.insecureSkipVerify },
        destination: { insecureSkipVerify: destination.insecureSkipVerify },
      },
      options: { exclude, dryRun: text(fields, 'dryrun') === 'on' },
    },
  };
}

/** The fields to show again in the form after a round trip: everything but the passwords. */
export function echoFields(fields: PostedFields): Record<string, string> {
  const echo: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string' && !name.endsWith('_password') && name !== 'csrf' && value.length <= 8192)
      echo[name] = value;
  }
  return echo;
}
