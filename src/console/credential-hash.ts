/**
 * What the console keeps of the credentials typed in the browser: keyed
 * hashes (HMAC-SHA256 with the console's key), never the passwords, as
 * imapsync's /X does. Two hashes:
 * - the pair key: both accounts without their passwords (host, port, user).
 *   It finds "a sync of these two mailboxes is already going on";
 * - the credential hash: the same plus TLS mode and both passwords. Only a
 *   visitor who gives the same account parameters and credentials may follow
 *   that sync or abort it.
 * The key makes the hashes useless to someone who reads the MailSyncs: no
 * offline guessing of passwords without it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TlsMode } from '../api/spec.js';

export interface AccountSide {
  host: string;
  port?: number;
  tls: TlsMode;
  user: string;
  password: string;
}

export interface AccountPair {
  source: AccountSide;
  destination: AccountSide;
}

function hmac(key: Buffer, purpose: string, parts: unknown[]): Buffer {
  // JSON keeps the fields apart: "a|b"+"c" and "a"+"b|c" never collide.
  return createHmac('sha256', key).update(purpose).update('\0').update(JSON.stringify(parts)).digest();
}

const account = (side: AccountSide) => [side.host.toLowerCase(), side.port ?? null, side.user];

/** 40 hex characters: fits a label value. */
export function pairKey(key: Buffer, pair: AccountPair): string {
  return hmac(key, 'pair', [account(pair.source), account(pair.destination)])
    .toString('hex')
    .slice(0, 40);
}

export function credentialHash(key: Buffer, pair: AccountPair): string {
  const full = (side: AccountSide) => [...account(side), side.tls, side.password];
  return hmac(key, 'credentials', [full(pair.source), full(pair.destination)]).toString('hex');
}

/** Constant-time comparison of two hex hashes (false for any malformed input). */
export function sameHash(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
