/**
 * Merge of JSON-like specs: objects merge key by key, anything else (lists
 * included) is replaced by the overlay; `undefined` in the overlay changes
 * nothing. Inputs are not modified.
 */
type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

export function deepMerge<T>(base: T, overlay: unknown): T {
  if (!isPlain(base) || !isPlain(overlay)) return (overlay === undefined ? clone(base) : clone(overlay)) as T;
  const out: Plain = clone(base) as Plain;
  for (const [key, value] of Object.entries(overlay)) {
    if (value === undefined) continue;
    out[key] = isPlain(out[key]) && isPlain(value) ? deepMerge(out[key], value) : clone(value);
  }
  return out as T;
}

function clone(value: unknown): unknown {
  return value === undefined ? undefined : structuredClone(value);
}
