/**
 * Delta state: what each folder looked like on both sides the last time it was
 * fully synced and verified. When a folder's STATUS on both sides still
 * matches, nothing can have changed (no new message: same UIDNEXT; no expunge:
 * same MESSAGES; no flag change: same HIGHESTMODSEQ), so the folder is skipped
 * and a no-change re-run costs about one STATUS per folder per side.
 *
 * Any doubt means a full comparison: no entry, another UIDVALIDITY, any count
 * that differs, no CONDSTORE while flags are synced, options that changed
 * (the fingerprint covers everything that shapes the plan), age filters (time
 * alone changes what they select).
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { accountIdentity } from '../api/endpoint-identity.js';
import type { EffectiveSpec } from '../api/spec-defaults.js';
import type { RawImapConnection } from './imap-raw/connection.js';
import { mailboxStatuses } from './imap-raw/mailbox-admin.js';
import { rewritesMessages } from './rewrite/message-rewrite.js';

export const STATE_VERSION = 1;

/** One side of a folder: the STATUS values that change with any change of content or flags. */
export interface SideState {
  uidValidity: string;
  uidNext: number;
  messages: number;
  /** CONDSTORE HIGHESTMODSEQ (as a decimal string); absent when the server has no CONDSTORE. */
  highestModseq?: string;
}

export interface FolderState {
  destinationFolder: string;
  source: SideState;
  destination: SideState;
}

export interface SyncState {
  version: typeof STATE_VERSION;
  /** Hash of the endpoints and options the state is valid for. */
  fingerprint: string;
  /** Keyed by source folder path. */
  folders: Record<string, FolderState>;
}

/**
 * Everything that changes which messages a folder pair should hold. The
 * accounts are normalised as for the pair hash (src/api/endpoint-identity.ts):
 * spelling the host in capitals or writing the default port keeps the state.
 */
export function stateFingerprint(spec: EffectiveSpec): string {
  const account = (endpoint: EffectiveSpec['source']) => {
    const { host, port, user } = accountIdentity(endpoint);
    return [host, port, user];
  };
  const relevant = {
    source: account(spec.source),
    destination: account(spec.destination),
    folders: spec.folders,
    identityHeaders: spec.identityHeaders,
    syncFlags: spec.syncFlags,
    deleteOnDestination: spec.deleteOnDestination,
    deleteOnSource: spec.deleteOnSource,
    filters: spec.filters,
    // Only when set, so that states written before spec.messages existed stay valid.
    ...(rewritesMessages(spec.messages) || spec.messages.flagRewrite.length > 0 ? { messages: spec.messages } : {}),
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 32);
}

/** Whether the delta shortcut may be used at all for this spec. */
export function deltaAllowed(spec: EffectiveSpec): boolean {
  // skipCrossDuplicates needs every destination folder listed (a folder skipped as unchanged would hide
  // its messages from the others): as imapsync, which refuses --usecache with --skipcrossduplicates.
  return spec.filters.maxAgeDays === undefined && spec.filters.minAgeDays === undefined && !spec.skipCrossDuplicates;
}

export function emptyState(fingerprint: string): SyncState {
  return { version: STATE_VERSION, fingerprint, folders: {} };
}

/** A previous state if it is well-formed and made for the same options; otherwise an empty one. */
export function adoptState(previous: unknown, fingerprint: string): SyncState {
  if (!isRecord(previous) || previous.version !== STATE_VERSION || previous.fingerprint !== fingerprint) {
    return emptyState(fingerprint);
  }
  const folders: Record<string, FolderState> = {};
  if (isRecord(previous.folders)) {
    for (const [path, entry] of Object.entries(previous.folders)) {
      if (isFolderState(entry)) folders[path] = entry;
    }
  }
  return { version: STATE_VERSION, fingerprint, folders };
}

/** Read a state file; a missing or unreadable file is "no state" (a full comparison), never an error. */
export async function loadStateFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Write atomically (temp file + rename): a crash never leaves a truncated state. */
export async function saveStateFile(path: string, state: SyncState): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
  await rename(temp, path);
}

/** STATUS of folders as SideStates (pipelined); undefined where the folder does not exist or the answer is incomplete. */
export function folderStatuses(
  connection: RawImapConnection,
  paths: readonly string[],
): Promise<Map<string, SideState | undefined>> {
  return mailboxStatuses(connection, paths);
}

/** The decision itself: true only when the recorded state proves both sides unchanged. */
export function folderUnchanged(
  previous: FolderState | undefined,
  destinationFolder: string,
  now: { source?: SideState; destination?: SideState },
  options: { syncFlags: boolean },
): boolean {
  if (!previous || previous.destinationFolder !== destinationFolder || !now.source || !now.destination) return false;
  // Without CONDSTORE a flag change leaves no trace in STATUS: when flags are synced, that is a doubt.
  if (options.syncFlags && (now.source.highestModseq === undefined || now.destination.highestModseq === undefined)) {
    return false;
  }
  return sameSide(previous.source, now.source) && sameSide(previous.destination, now.destination);
}

function sameSide(a: SideState, b: SideState): boolean {
  return (
    a.uidValidity === b.uidValidity &&
    a.uidNext === b.uidNext &&
    a.messages === b.messages &&
    a.highestModseq === b.highestModseq
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSideState(value: unknown): value is SideState {
  return (
    isRecord(value) &&
    typeof value.uidValidity === 'string' &&
    typeof value.uidNext === 'number' &&
    typeof value.messages === 'number' &&
    (value.highestModseq === undefined || typeof value.highestModseq === 'string')
  );
}

function isFolderState(value: unknown): value is FolderState {
  return (
    isRecord(value) &&
    typeof value.destinationFolder === 'string' &&
    isSideState(value.source) &&
    isSideState(value.destination)
  );
}
