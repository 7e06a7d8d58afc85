/**
 * Shared shapes of the sync engine. Pure modules (folder mapping, identity,
 * planning, filters) take and return these; the I/O modules produce them.
 */
import type { ConnectionOptions } from 'node:tls';
import type { EgressPolicy } from '../api/egress-policy.js';
import type { Side } from './errors.js';

/** A folder as listed by one server. `path` is decoded (UTF-8), with the server's own delimiter. */
export interface FolderInfo {
  path: string;
  delimiter: string;
  /** RFC 6154 attribute such as '\\Sent', '\\Trash', '\\Drafts', '\\Junk', '\\Archive', '\\All', '\\Flagged'. */
  specialUse?: string;
  /** LIST attributes, e.g. '\\Noselect', '\\HasChildren'. */
  flags: string[];
  subscribed: boolean;
}

/** The personal namespace (RFC 2342): prefix such as 'INBOX.' or '', and its delimiter. */
export interface PersonalNamespace {
  prefix: string;
  delimiter: string;
}

export interface MailboxTree {
  folders: FolderInfo[];
  namespace: PersonalNamespace;
}

/** A source folder and the destination folder it syncs into (full destination path, destination delimiter). */
export interface FolderPair {
  source: string;
  destination: string;
  specialUse?: string;
  /** Whether the source folder is subscribed (copied when folders.subscribe). */
  subscribed: boolean;
  /** True when automap chose the destination (a special-use folder of the destination), not the name. */
  automapped?: boolean;
}

/** What the engine knows of one message without its body (one at a time: a folder's are in a MessageList). */
export interface MessageMeta {
  uid: number;
  size: number;
  internalDate: Date;
  flags: string[];
  /** Stable identity (see identity.ts); equal identities mean "the same message". */
  identity: string;
}

export interface FlagUpdate {
  destinationUid: number;
  add: string[];
  remove: string[];
}

/**
 * An endpoint after option resolution: effective port and TLS mode (auto has
 * been probed), TLS options, and a credential getter that re-reads files on
 * every call (a refreshed OAuth2 token is picked up on reconnect).
 */
export interface ResolvedEndpoint {
  side: Side;
  host: string;
  port: number;
  security: 'implicit' | 'starttls' | 'none';
  /** Options for tls.connect (ca, rejectUnauthorized, servername, minVersion). */
  tls: ConnectionOptions;
  user: string;
  mechanism: 'LOGIN' | 'PLAIN' | 'XOAUTH2' | 'CRAM-MD5';
  /** Admin/proxy login: authenticate as authUser on behalf of user (PLAIN authzid = user). */
  authUser?: string;
  /** With authUser: log in as authUser (no authzid), then `PROXYAUTH user` (imapsync's --proxyauth1). */
  proxyAuth?: boolean;
  /** The password or the OAuth2 access token. Never log it. */
  secret: () => Promise<string>;
  /**
   * Only for OAuth2 refresh material: the server refused this token; the next
   * `secret()` gets a fresh one from the token endpoint (the connection then
   * tries once more).
   */
  secretRefused?: (secret: string) => void;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Where connections may go (checked on every connect, src/sync/egress-dial.ts; unset: the default policy). */
  egress?: EgressPolicy;
}
