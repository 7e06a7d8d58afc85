import { describe, expect, it } from 'vitest';
import { jsonPathToField, schemaErrors } from '../../src/api/schema-errors.js';
import { MailSyncSpec } from '../../src/api/spec.js';
import { loadSpec, parseConfigText } from '../../src/api/spec-load.js';
import { SpecError } from '../../src/api/spec-problems.js';
import { applyOverrides, emptyOverrides } from '../../src/imapsync/spec-overrides.js';

const base = () => ({
  source: { host: 'imap.old.example', user: 'joe', passwordFile: '/p1' },
  destination: { host: 'imap.new.example', user: 'joe', passwordEnv: 'PW2' },
});

const problem = (raw: unknown, context: 'local' | 'worker' = 'local') => {
  try {
    loadSpec(raw, { context });
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).reason).toBe('InvalidConfiguration');
    return (err as SpecError).message;
  }
  throw new Error('expected a SpecError');
};

describe('config file text', () => {
  it('reads a bare spec', () => {
    expect(parseConfigText('source: {host: a}\ndestination: {host: b}\n', 'f.yaml')).toEqual({
      source: { host: 'a' },
      destination: { host: 'b' },
    });
  });

  it('takes the spec of a MailSync manifest', () => {
    const text = `apiVersion: mailsync.io/v1alpha1
kind: MailSync
metadata: {name: joe}
spec:
  source: {host: a}
`;
    expect(parseConfigText(text, 'f.yaml')).toEqual({ source: { host: 'a' } });
  });

  it('refuses another kind and a manifest without spec', () => {
    expect(() => parseConfigText('kind: Secret\nspec: {}\n', 'f.yaml')).toThrow(/kind is Secret, expected MailSync/);
    expect(() => parseConfigText('kind: MailSync\n', 'f.yaml')).toThrow(/has no spec/);
  });

  it('gives the line of a YAML syntax error', () => {
    expect(() => parseConfigText('source:\n  host: [a\n', 'f.yaml')).toThrow(/^f\.yaml: invalid YAML at line \d+/);
  });

  it('refuses a document that is not a mapping', () => {
    expect(() => parseConfigText('- a\n', 'f.yaml')).toThrow(/expected a MailSync spec/);
  });
});

describe('schema errors', () => {
  it('turns JSON pointers into field paths', () => {
    expect(jsonPathToField('/source/port')).toBe('source.port');
    expect(jsonPathToField('/folders/rename/0/from')).toBe('folders.rename[0].from');
    expect(jsonPathToField('')).toBe('');
  });

  it('says what is wrong, field by field', () => {
    const lines = schemaErrors(MailSyncSpec, {
      source: { host: 'a', user: 'u', port: 70000, tls: 'ssl', password: 'hunter2' },
      destination: { host: '', port: 'x' },
      folders: { include: [''] },
      throttle: { maxMessagesPerSecond: 0 },
    });
    expect(lines.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'spec.source.password: unknown field (a password is never written in the spec: use passwordFile or passwordEnv)',
      'spec.source.port: must be <= 65535 (got 70000)',
      "spec.source.tls: must be one of auto, implicit, starttls, none (got 'ssl')",
      'spec.destination.user: is required',
      'spec.destination.host: must not be empty',
      'spec.destination.port: must be a whole number',
      'spec.folders.include[0]: must not be empty',
      'spec.throttle.maxMessagesPerSecond: must be > 0 (got 0)',
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});

describe('loadSpec', () => {
  it('returns the spec and its defaults', () => {
    const { spec, effective, notices } = loadSpec(base(), { context: 'local' });
    expect(spec).toEqual(base());
    expect(effective.mode).toBe('sync');
    expect(effective.folders.automap).toBe(true);
    expect(effective.performance.folderConcurrency).toBeGreaterThan(0);
    expect(notices).toEqual([]);
  });

  it('does not modify its input', () => {
    const raw = { ...base(), suspend: true };
    loadSpec(raw, { context: 'local' });
    expect(raw.suspend).toBe(true);
  });

  it('joins several problems on one line', () => {
    expect(problem({ source: { host: 'a' }, destination: { host: 'b', user: 'u', passwordFile: '/p' } })).toBe(
      'spec.source.user: is required',
    );
    expect(problem({ source: { host: 'a', port: 0 }, destination: { host: 'b', user: 'u' } })).toMatch(
      /^2 problems: spec\.source\.user: is required; spec\.source\.port: must be >= 1 \(got 0\)$/,
    );
  });

  it('reports the problems of specProblems, field first (the rules: api-spec-problems.test.ts)', () => {
    expect(problem({ ...base(), folders: { exclude: ['ok', '(unclosed'] } })).toMatch(
      /^spec\.folders\.exclude\[1\]: invalid regular expression: .*Unterminated group/,
    );
    const spec = base();
    Object.assign(spec.source, { passwordFile: undefined, passwordSecretRef: { name: 's', key: 'password' } });
    delete (spec.source as Record<string, unknown>).passwordFile;
    expect(problem(spec)).toBe(
      'spec.source.passwordSecretRef: a Kubernetes Secret is only read in Kubernetes; use passwordFile or passwordEnv here',
    );
  });

  it('ignores the controller fields outside Kubernetes, with a notice', () => {
    const { spec, notices } = loadSpec(
      { ...base(), suspend: false, gracePeriodSeconds: 60, resources: { limits: { memory: '1Gi' } } },
      { context: 'local' },
    );
    expect(spec).toEqual(base());
    expect(notices).toEqual([
      'spec.suspend: only used by the Kubernetes controller; ignored here',
      'spec.gracePeriodSeconds: only used by the Kubernetes controller; ignored here',
      'spec.resources: only used by the Kubernetes controller; ignored here',
    ]);
  });

  it('drops the controller fields silently in a worker', () => {
    const { spec, notices } = loadSpec({ ...base(), backoffLimit: 2 }, { context: 'worker' });
    expect(spec).toEqual(base());
    expect(notices).toEqual([]);
  });
});

describe('command line over config file', () => {
  it('overrides fields, removes the replaced credential, keeps the rest', () => {
    const o = emptyOverrides();
    Object.assign(o.source, { port: 993, passwordEnv: 'X', passwordFile: undefined });
    o.folders.include = ['^A'];
    o.top.mode = 'dryRun';
    const merged = applyOverrides({ ...base(), folders: { include: ['^B'], automap: false }, errorsMax: 3 }, o);
    expect(merged).toEqual({
      source: { host: 'imap.old.example', user: 'joe', port: 993, passwordEnv: 'X' },
      destination: base().destination,
      folders: { include: ['^A'], automap: false },
      errorsMax: 3,
      mode: 'dryRun',
    });
  });

  it('builds a whole spec from the command line alone', () => {
    const o = emptyOverrides();
    Object.assign(o.source, { host: 'a', user: 'u', passwordFile: '/p' });
    Object.assign(o.destination, { host: 'b', user: 'v', passwordFile: '/q' });
    const merged = applyOverrides({}, o);
    expect(loadSpec(merged, { context: 'local' }).spec).toEqual({
      source: { host: 'a', user: 'u', passwordFile: '/p' },
      destination: { host: 'b', user: 'v', passwordFile: '/q' },
    });
  });
});
