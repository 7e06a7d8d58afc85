/**
 * Command-line options as a partial spec, laid over the config file's spec.
 * A key present with the value `undefined` removes that key from the file's
 * spec (a --passfile1 on the command line replaces the file's passwordEnv).
 */
import type { Endpoint, Filters, Folders, MailSyncSpec, Messages, Performance, Throttle } from '../api/spec.js';

export interface SpecOverrides {
  source: Partial<Endpoint>;
  destination: Partial<Endpoint>;
  folders: Partial<Folders>;
  filters: Partial<Filters>;
  messages: Partial<Messages>;
  throttle: Partial<Throttle>;
  performance: Partial<Performance>;
  top: Partial<
    Pick<
      MailSyncSpec,
      | 'mode'
      | 'identityHeaders'
      | 'syncFlags'
      | 'deleteOnDestination'
      | 'deleteOnSource'
      | 'errorsMax'
      | 'verify'
      | 'skipCrossDuplicates'
      | 'syncLabels'
      | 'resyncLabels'
    >
  >;
}

export function emptyOverrides(): SpecOverrides {
  return {
    source: {},
    destination: {},
    folders: {},
    filters: {},
    messages: {},
    throttle: {},
    performance: {},
    top: {},
  };
}

export function hasOverrides(o: SpecOverrides): boolean {
  return Object.values(o).some((section) => Object.keys(section).length > 0);
}

type Section = Record<string, unknown>;

function overlay(base: unknown, patch: Section): Section | undefined {
  const out: Section = base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Section) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The file's spec (any shape: it is validated afterwards) with the command
 * line laid over it. Sections untouched by the command line stay as they are.
 */
export function applyOverrides(fileSpec: Record<string, unknown>, o: SpecOverrides): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...fileSpec };
  for (const name of ['source', 'destination', 'folders', 'filters', 'messages', 'throttle', 'performance'] as const) {
    const patch = o[name] as Section;
    if (Object.keys(patch).length === 0) continue;
    const merged = overlay(spec[name], patch);
    if (merged === undefined) delete spec[name];
    else spec[name] = merged;
  }
  return overlay(spec, o.top as Section) ?? {};
}
