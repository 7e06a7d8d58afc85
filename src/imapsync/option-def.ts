/**
 * The shape of a row in the option tables, and builders for the common rows
 * ("a flag that sets this spec field", "a whole number into that field"), so
 * that the tables read as a list of mappings rather than a list of closures.
 */
import type { Side } from '../sync/errors.js';
import type { ParseState } from './parse-state.js';
import type { SpecOverrides } from './spec-overrides.js';

/** What follows the option name: nothing, any text, a whole number, or a decimal number. */
export type ValueKind = 'none' | 'string' | 'int' | 'number';

export interface OptionDef {
  value: ValueKind;
  apply: (s: ParseState, value: string, name: string) => void;
}

/** Options that exist once per side: `--host1`, `--host2`. */
export interface SidedOptionDef {
  value: ValueKind;
  apply: (s: ParseState, value: string, name: string, side: Side) => void;
}

type Section = Exclude<keyof SpecOverrides, Side>;
type Field<S extends Section> = keyof SpecOverrides[S] & string;
type FieldValue<S extends Section, F extends Field<S>> = NonNullable<SpecOverrides[S][F]>;

function write<S extends Section>(s: ParseState, section: S, field: Field<S>, value: unknown): void {
  (s.overrides[section] as Record<string, unknown>)[field] = value;
}

/** A flag that sets `section.field` to a fixed value: `--noautomap` sets folders.automap to false. */
export function setsField<S extends Section, F extends Field<S>>(
  section: S,
  field: F,
  value: FieldValue<S, F>,
): OptionDef {
  return { value: 'none', apply: (s) => write(s, section, field, value) };
}

/** An option whose number (`int`: whole, `number`: decimals allowed) goes into `section.field`. */
export function numberField<S extends Section, F extends Field<S>>(
  kind: 'int' | 'number',
  section: S,
  field: F,
): OptionDef {
  return { value: kind, apply: (s, v) => write(s, section, field, Number(v)) };
}

/** An option whose text goes into `section.field`. */
export function stringField<S extends Section, F extends Field<S>>(section: S, field: F): OptionDef {
  return { value: 'string', apply: (s, v) => write(s, section, field, v) };
}

/** A repeatable option: each value is appended, in order, to the list `section.field`. */
export function appendsTo<S extends Section, F extends Field<S>>(
  section: S,
  field: F,
  parse: (value: string) => unknown = (v) => v,
): OptionDef {
  return {
    value: 'string',
    apply: (s, v) => {
      const list = ((s.overrides[section] as Record<string, unknown>)[field] as unknown[] | undefined) ?? [];
      list.push(parse(v));
      write(s, section, field, list);
    },
  };
}
