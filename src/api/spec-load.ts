/**
 * Loading a spec: a YAML/JSON document (a bare MailSync spec or a whole
 * MailSync manifest) checked by specProblems, the controller-only fields
 * handled, and every default filled in. Used by the CLI (`--config`) and the
 * worker (the spec the controller mounted). Problems are thrown as one
 * SpecError (reason InvalidConfiguration) naming the fields.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { KUBE, MailSyncSpec } from './spec.js';
import { applyDefaults, type EffectiveSpec } from './spec-defaults.js';
import { SpecError, specProblems } from './spec-problems.js';

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (path: string, message: string): never => {
  throw new SpecError([{ path, message }]);
};

/** A config document: a MailSync spec, or a MailSync manifest whose spec is taken. */
export function parseConfigText(text: string, origin: string): Doc {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const e = err as { message?: string; linePos?: { line: number; col: number }[] };
    const at = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    const why = (e.message ?? String(err)).split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    return fail(origin, `invalid YAML${at}: ${why}`);
  }
  if (!isObject(doc)) return fail(origin, 'expected a MailSync spec (a mapping with source and destination)');
  if ('apiVersion' in doc || 'kind' in doc || ('metadata' in doc && 'spec' in doc)) {
    if (doc.kind !== undefined && doc.kind !== 'MailSync') {
      return fail(origin, `kind is ${String(doc.kind)}, expected MailSync (or a bare spec)`);
    }
    if (!isObject(doc.spec)) return fail(origin, 'the MailSync manifest has no spec');
    return doc.spec;
  }
  return doc;
}

/** "no such file", "permission denied", ...: a file system error in words. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}

export function readConfigFile(path: string): Doc {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail(path, `cannot read the config file: ${describeFsError(err)}`);
  }
  return parseConfigText(text, path);
}

/** The top-level fields only the controller reads (x-mailsync-kubernetes in spec.ts). */
const KUBE_FIELDS = Object.entries(MailSyncSpec.properties)
  .filter(([, schema]) => (schema as Record<string, unknown>)[KUBE] === true)
  .map(([name]) => name);

export interface LoadedSpec {
  spec: MailSyncSpec;
  /** The spec with every default filled in (spec-defaults.ts). */
  effective: EffectiveSpec;
  notices: string[];
}

export interface LoadOptions {
  /**
   * 'local': the CLI; Secret references are problems, controller fields are dropped with a notice.
   * 'worker': in a pod; Secret references were turned into mounted files already, controller fields are dropped.
   */
  context: 'local' | 'worker';
}

/** Pure (no file system): the controller's fields dropped, specProblems, defaults. Does not modify `raw`. */
export function loadSpec(raw: unknown, options: LoadOptions): LoadedSpec {
  const notices: string[] = [];
  let spec = raw;
  if (isObject(raw)) {
    const copy: Doc = structuredClone(raw);
    for (const field of KUBE_FIELDS) {
      if (copy[field] === undefined) continue;
      delete copy[field];
      if (options.context === 'local')
        notices.push(`spec.${field}: only used by the Kubernetes controller; ignored here`);
    }
    spec = copy;
  }
  const problems = specProblems(spec, 'local');
  if (problems.length > 0) throw new SpecError(problems);
  const typed = spec as MailSyncSpec;
  return { spec: typed, effective: applyDefaults(typed), notices };
}
