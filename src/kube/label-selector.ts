/**
 * Equality-based label selectors as kubectl writes them: `key=value`,
 * `key==value`, `key!=value`, `key` (exists) and `!key` (absent), joined by
 * commas, all of which must hold. Parsed once (a bad selector is a start-up
 * error), matched in memory. Pure.
 */

export type Requirement =
  | { key: string; op: 'equals' | 'notEquals'; value: string }
  | { key: string; op: 'exists' | 'absent' };

export interface LabelSelector {
  /** As given (for messages). */
  text: string;
  requirements: Requirement[];
}

/** A qualified name with an optional DNS prefix (`mailsync.io/credentials`). */
const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export class LabelSelectorError extends Error {
  readonly reason = 'InvalidLabelSelector' as const;
}

function requirement(part: string, text: string): Requirement {
  const bad = (why: string) => new LabelSelectorError(`label selector ${JSON.stringify(text)}: ${why}`);
  const match = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(part);
  if (match) {
    const [, key = '', operator, value = ''] = match;
    if (!KEY.test(key)) throw bad(`${JSON.stringify(key)} is not a label key`);
    if (!VALUE.test(value)) throw bad(`${JSON.stringify(value)} is not a label value`);
    return { key, op: operator === '!=' ? 'notEquals' : 'equals', value };
  }
  const absent = part.startsWith('!');
  const key = absent ? part.slice(1).trim() : part;
  if (!KEY.test(key)) throw bad(`${JSON.stringify(part)} is not a requirement (key=value, key!=value, key or !key)`);
  return { key, op: absent ? 'absent' : 'exists' };
}

/** Throws LabelSelectorError on a selector kubectl would not accept (set-based `in`/`notin` included). */
export function parseLabelSelector(text: string): LabelSelector {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new LabelSelectorError('label selector is empty');
  return { text, requirements: parts.map((part) => requirement(part, text)) };
}

export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const have = labels ?? {};
  return selector.requirements.every((r) => {
    const value = Object.hasOwn(have, r.key) ? have[r.key] : undefined;
    if (r.op === 'equals') return value === r.value;
    if (r.op === 'notEquals') return value !== r.value;
    return r.op === 'exists' ? value !== undefined : value === undefined;
  });
}
