/**
 * TypeBox validation errors as short readable problems with the field's path:
 * "spec.source.port: must be <= 65535 (got 70000)". Values are shown only for
 * numbers and enums: a misplaced string could be a secret.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value';
import { PATTERNS } from './spec.js';

/** '/folders/include/0' -> 'folders.include[0]'; '' -> ''. */
export function jsonPathToField(path: string): string {
  let out = '';
  for (const part of path.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

function literalChoices(schema: TSchema): string[] | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf?.every((s) => 'const' in s)) return undefined;
  return anyOf.map((s) => String((s as unknown as { const: unknown }).const));
}

const PATTERN_MEANINGS = new Map<string, string>(Object.values(PATTERNS).map((p) => [p.pattern, p.meaning]));

const UNKNOWN_FIELD_HINTS: Record<string, string> = {
  password: 'a password is never written in the spec: use passwordFile or passwordEnv',
  pass: 'a password is never written in the spec: use passwordFile or passwordEnv',
  token: 'use oauth2TokenFile',
  ssl: 'use tls: implicit (or starttls, auto, none)',
};

function describe(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  const got = typeof e.value === 'number' ? ` (got ${e.value})` : '';
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = e.path.split('/').pop() ?? '';
      const hint = UNKNOWN_FIELD_HINTS[key.toLowerCase()];
      return hint ? `unknown field (${hint})` : 'unknown field';
    }
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be <= ${s.maximum}${got}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be >= ${s.minimum}${got}`;
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be > ${s.exclusiveMinimum}${got}`;
    case ValueErrorType.IntegerExclusiveMaximum:
    case ValueErrorType.NumberExclusiveMaximum:
      return `must be < ${s.exclusiveMaximum}${got}`;
    case ValueErrorType.Integer:
      return typeof e.value === 'number' ? `must be a whole number${got}` : 'must be a whole number';
    case ValueErrorType.Number:
      return 'must be a number';
    case ValueErrorType.String:
      return 'must be a string';
    case ValueErrorType.Boolean:
      return 'must be true or false';
    case ValueErrorType.Array:
      return 'must be a list';
    case ValueErrorType.Object:
      return 'must be a mapping (key: value)';
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${s.minItems} entr${s.minItems === 1 ? 'y' : 'ies'}`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${s.maxItems} entries`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters long`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${s.maxLength} characters long`;
    case ValueErrorType.StringPattern:
      return PATTERN_MEANINGS.get(String(s.pattern)) ?? `must match the pattern ${s.pattern}`;
    case ValueErrorType.Union: {
      const choices = literalChoices(e.schema);
      if (choices) {
        const shown = typeof e.value === 'string' && e.value.length <= 40 ? ` (got '${e.value}')` : '';
        return `must be one of ${choices.join(', ')}${shown}`;
      }
      return 'has an invalid value';
    }
    default:
      return e.message.charAt(0).toLowerCase() + e.message.slice(1);
  }
}

/** One problem per invalid field (the first of each field), in document order, paths under `root`. */
export function schemaErrors(schema: TSchema, value: unknown, root = 'spec'): { path: string; message: string }[] {
  const seen = new Set<string>();
  const problems: { path: string; message: string }[] = [];
  for (const e of Value.Errors(schema, value)) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    const field = jsonPathToField(e.path);
    const path = field === '' ? root : field.startsWith('[') ? `${root}${field}` : `${root}.${field}`;
    problems.push({ path, message: describe(e) });
  }
  return problems;
}
