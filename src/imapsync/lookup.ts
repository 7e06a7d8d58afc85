/**
 * From an option name as typed to its row: case-insensitive, a side number
 * for the per-side options, imapsync's no-effect and refused options last.
 * An unknown name gets a "did you mean" when a known one is close.
 */
import { ConfigError } from '../sync/errors.js';
import { IMAPSYNC_COMPAT } from './compat-options.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import type { OptionDef } from './option-def.js';
import { SIDED_OPTIONS } from './sided-options.js';

const SIDES = { '1': 'source', '2': 'destination' } as const;

export interface ResolvedOption {
  def: OptionDef;
  /** The canonical (lower-case) name, for messages. */
  name: string;
}

export function lookupOption(rawName: string): ResolvedOption | undefined {
  const name = rawName.toLowerCase();
  const global = GLOBAL_OPTIONS[name];
  if (global) return { def: global, name };
  const sided = /^(.+?)([12])$/.exec(name);
  if (sided) {
    const def = SIDED_OPTIONS[sided[1] ?? ''];
    const side = SIDES[sided[2] as '1' | '2'];
    if (def) return { def: { value: def.value, apply: (s, v, n) => def.apply(s, v, n, side) }, name };
  }
  const compat = IMAPSYNC_COMPAT[name];
  if (compat) {
    return {
      name,
      def: {
        value: compat.takesValue ? 'string' : 'none',
        apply: (s) => {
          if (compat.kind === 'unsupported') throw new ConfigError(`--${name} is not supported: ${compat.why}`);
          s.notices.push(`--${name} has no effect: ${compat.why}`);
        },
      },
    };
  }
  return undefined;
}

/** Every option name the parser knows, for "did you mean" and the documentation check. */
export function knownOptionNames(): string[] {
  const sided = Object.keys(SIDED_OPTIONS).flatMap((n) => [`${n}1`, `${n}2`]);
  return [...Object.keys(GLOBAL_OPTIONS), ...sided, ...Object.keys(IMAPSYNC_COMPAT)];
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length] ?? 0;
}

/** " (did you mean --host1?)" for a known name at most two edits away, else "". */
export function suggestion(name: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of knownOptionNames()) {
    const d = editDistance(name.toLowerCase(), known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean --${best}?)` : '';
}
