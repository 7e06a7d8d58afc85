/**
 * Which flags a destination message gets, and what changes when the source's
 * flags changed.
 *
 * - `\Recent` is never copied: only the server sets it.
 * - The system flags \Seen \Answered \Flagged \Deleted \Draft are always
 *   kept, spelled canonically (`\seen` becomes `\Seen`).
 * - Other backslash flags are extensions a client cannot set: dropped.
 * - Keywords ($Forwarded, $Label1, NonJunk...) are kept when the destination
 *   can store them: its PERMANENTFLAGS contain `\*` or list the keyword. When
 *   PERMANENTFLAGS is unknown, all keywords are kept (the server decides).
 *
 * Flags are compared case-insensitively, keywords included: IMAP atoms are
 * case-insensitive (RFC 3501 section 9) and servers such as Dovecot match
 * keywords without regard to case, so a source `$label1` and a destination
 * `$Label1` are the same flag and cause no update loop. The source's spelling
 * is what gets added.
 */

export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;

const SYSTEM_BY_KEY = new Map<string, string>(SYSTEM_FLAGS.map((flag) => [flag.toLowerCase(), flag]));

function flagKey(flag: string): string {
  return flag.toLowerCase();
}

/** The flag as it should be sent, or undefined when it cannot be stored on the destination. */
function storableFlag(flag: string, permanent?: ReadonlySet<string>): string | undefined {
  if (flag.startsWith('\\')) return SYSTEM_BY_KEY.get(flagKey(flag));
  if (flag === '') return undefined;
  if (permanent === undefined || permanent.has('\\*') || permanent.has(flagKey(flag))) return flag;
  return undefined;
}

function permanentSet(permanentFlags?: readonly string[]): ReadonlySet<string> | undefined {
  return permanentFlags === undefined ? undefined : new Set(permanentFlags.map(flagKey));
}

/** The flags to APPEND with, from the source message's flags (deduplicated, source order). */
export function flagsForAppend(
  sourceFlags: readonly string[],
  destinationPermanentFlags?: readonly string[],
): string[] {
  const permanent = permanentSet(destinationPermanentFlags);
  const result = new Map<string, string>();
  for (const flag of sourceFlags) {
    const storable = storableFlag(flag, permanent);
    if (storable !== undefined && !result.has(flagKey(storable))) result.set(flagKey(storable), storable);
  }
  return [...result.values()];
}

export interface FlagDiff {
  add: string[];
  remove: string[];
}

/**
 * What to STORE on a destination message so that its flags match its source
 * twin. Flags the destination cannot hold are neither added nor removed
 * (\Recent, extension flags, and keywords PERMANENTFLAGS does not allow: a
 * keyword the destination already has but the source lacks is still removed).
 */
export function diffFlags(
  sourceFlags: readonly string[],
  destinationFlags: readonly string[],
  permanentFlags?: readonly string[],
): FlagDiff {
  const wanted = flagsForAppend(sourceFlags, permanentFlags);
  const wantedKeys = new Set(wanted.map(flagKey));
  const presentKeys = new Set(destinationFlags.map(flagKey));
  const add = wanted.filter((flag) => !presentKeys.has(flagKey(flag)));
  const remove: string[] = [];
  const seen = new Set<string>();
  for (const flag of destinationFlags) {
    const key = flagKey(flag);
    if (wantedKeys.has(key) || seen.has(key)) continue;
    seen.add(key);
    // Only flags a client can change: system flags (\Recent excluded) and keywords.
    if (flag.startsWith('\\') ? SYSTEM_BY_KEY.has(key) : flag !== '') remove.push(flag);
  }
  return { add, remove };
}
