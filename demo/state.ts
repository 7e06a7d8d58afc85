/**
 * The demo's state file: where the two demo IMAP servers listen and how to log in. Written by
 * imap-servers.ts once the source is filled, read by manifests.ts, progress.ts and demo.sh.
 * It holds passwords: the directory is 0700 and the file 0600, and it is removed on stop.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEMO_DIR = process.env.MAILSYNC_DEMO_DIR ?? '/tmp/mailsync-demo';
export const STATE_FILE = join(DEMO_DIR, 'imap-servers.json');

export interface DemoAccount {
  host: string;
  /** Implicit TLS port; the certificate is valid for 127.0.0.1 and signed by `caPem`. */
  port: number;
  user: string;
  password: string;
}

export interface DemoState {
  /** pid of imap-servers.ts: SIGTERM stops both servers. */
  pid: number;
  source: DemoAccount;
  destination: DemoAccount;
  /** The demo CA (PEM): neither server's certificate is in any system store. */
  caPem: string;
  /** Messages put into the source. */
  sourceMessages: number;
  sourceBytes: number;
  startedAt: string;
}

export function ensureDemoDir(): void {
  mkdirSync(DEMO_DIR, { recursive: true, mode: 0o700 });
  chmodSync(DEMO_DIR, 0o700);
}

export function writeState(state: DemoState): void {
  ensureDemoDir();
  const tmp = `${STATE_FILE}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, STATE_FILE);
}

export function readState(): DemoState {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as DemoState;
  } catch (error) {
    throw new Error(`no demo IMAP servers (${STATE_FILE}: ${(error as Error).message}); run make demo`);
  }
}
