/**
 * What the interop tests need from a non-Dovecot server (Cyrus, Courier): the part of
 * DovecotServer that test/harness/mailbox.ts and the engine's endpoints use.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Endpoint } from '../../../src/api/spec.js';
import type { TestCertificates } from '../certs.js';

export interface InteropServer {
  /** 'cyrus' or 'courier' and the Debian package version, e.g. "Cyrus IMAP 3.6.1-4+deb12u5". */
  readonly name: string;
  readonly host: string;
  readonly implicitTlsPort: number;
  readonly caFile: string;
  readonly caPem: string;
  readonly separator: string;
  /** Personal namespace prefix ('INBOX.' on both Cyrus and Courier as Debian ships them). */
  readonly prefix: string;
  /** Adds a mailbox user (with an empty INBOX); effective when the promise resolves. */
  addUser(user: string): Promise<void>;
  password(user: string): string;
  endpoint(user: string): Promise<Endpoint>;
  /** Full folder path from its parts: folder('Work', 'Sub') -> 'INBOX.Work.Sub'; folder('INBOX') -> 'INBOX'. */
  folder(...parts: string[]): string;
  /** The server's recent output (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Users, passwords and password files of one instance. */
export class Users {
  private readonly passwords = new Map<string, string>();

  constructor(private readonly secretsDir: string) {}

  create(user: string): string {
    if (!/^[a-z][a-z0-9]*$/.test(user)) throw new Error(`interop user names are [a-z][a-z0-9]*: ${user}`);
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    this.passwords.set(user, password);
    return password;
  }

  password(user: string): string {
    const p = this.passwords.get(user);
    if (p === undefined) throw new Error(`no user ${user}`);
    return p;
  }

  async endpoint(server: Pick<InteropServer, 'host' | 'implicitTlsPort' | 'caFile'>, user: string): Promise<Endpoint> {
    const passwordFile = path.join(this.secretsDir, `${user}.password`);
    await writeFile(passwordFile, this.password(user), { mode: 0o600 });
    return {
      host: server.host,
      port: server.implicitTlsPort,
      tls: 'implicit',
      user,
      passwordFile,
      caFile: server.caFile,
    };
  }
}

export function folderPath(prefix: string, separator: string, parts: string[]): string {
  if (parts.length === 1 && parts[0]?.toUpperCase() === 'INBOX') return 'INBOX';
  return prefix + parts.join(separator);
}

export type { TestCertificates };
