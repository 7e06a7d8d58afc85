import { describe, expect, it } from 'vitest';
import { MailSyncSpec } from '../../src/api/spec.js';
import { parseConfigText, validateSpec } from '../../src/cli/config.js';
import { jsonPathToField, schemaErrors } from '../../src/cli/schema-errors.js';
import { applyOverrides, emptyOverrides } from '../../src/cli/spec-overrides.js';
import { ConfigError } from '../../src/sync/errors.js';

const base = () => ({
  source: { host: 'imap.old.example', user: 'joe', passwordFile: '/p1' },
  destination: { host: 'imap.new.example', user: 'joe', passwordEnv: 'PW2' },
});

const problem = (raw: unknown, context: 'local' | 'worker' = 'local') => {
  try {
    validateSpec(raw, { context });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
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
    expect(jsonPathToField('')).toBe('(top level)');
  });

  it('says what is wrong, field by field', () => {
    const lines = schemaErrors(MailSyncSpec, {
      source: { host: 'a', user: 'u', port: 70000, tls: 'ssl', password: 'hunter2' },
      destination: { host: '', port: 'x' },
      folders: { include: [''] },
      throttle: { maxMessagesPerSecond: 0 },
    });
    expect(lines).toEqual([
      'source.password: unknown field (a password is never written in the spec: use passwordFile or passwordEnv)',
      'source.port: must be <= 65535 (got 70000)',
      "source.tls: must be one of auto, implicit, starttls, none (got 'ssl')",
      'destination.user: is required',
      'destination.host: must not be empty',
      'destination.port: must be a whole number',
      'folders.include[0]: must not be empty',
      'throttle.maxMessagesPerSecond: must be > 0 (got 0)',
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});

describe('validateSpec', () => {
  it('returns the spec and its defaults', () => {
    const { spec, effective, notices } = validateSpec(base(), { context: 'local' });
    expect(spec).toEqual(base());
    expect(effective.mode).toBe('sync');
    expect(effective.folders.automap).toBe(true);
    expect(effective.performance.folderConcurrency).toBeGreaterThan(0);
    expect(notices).toEqual([]);
  });

  it('does not modify its input', () => {
    const raw = { ...base(), suspend: true };
    validateSpec(raw, { context: 'local' });
    expect(raw.suspend).toBe(true);
  });

  it('joins several problems on one line', () => {
    expect(problem({ source: { host: 'a' }, destination: { host: 'b', user: 'u', passwordFile: '/p' } })).toBe(
      'source.user: is required',
    );
    expect(problem({ source: { host: 'a', port: 0 }, destination: { host: 'b', user: 'u' } })).toMatch(
      /^2 problems: source\.user: is required; source\.port: must be >= 1 \(got 0\)$/,
    );
  });

  it('checks the CRD rule: tls none needs allowPlaintext', () => {
    const spec = base();
    Object.assign(spec.source, { tls: 'none' });
    expect(problem(spec)).toMatch(/source\.tls: none needs source\.allowPlaintext: true/);
    Object.assign(spec.source, { allowPlaintext: true });
    expect(() => validateSpec(spec, { context: 'local' })).not.toThrow();
  });

  it('needs exactly one credential per side', () => {
    const none = base();
    delete (none.destination as Record<string, unknown>).passwordEnv;
    expect(problem(none)).toBe('destination: no credential: set passwordFile, passwordEnv or oauth2TokenFile');
    const two = base();
    Object.assign(two.source, { oauth2TokenFile: '/t' });
    expect(problem(two)).toBe('source: set only one of passwordFile, oauth2TokenFile');
  });

  it('checks the mechanism against the credential', () => {
    const xoauth = base();
    Object.assign(xoauth.source, { authMechanism: 'XOAUTH2' });
    expect(problem(xoauth)).toMatch(/source\.authMechanism: XOAUTH2 needs an OAuth2 token/);
    const token = base();
    Object.assign(token.destination, { passwordEnv: undefined, oauth2TokenFile: '/t', authMechanism: 'PLAIN' });
    delete (token.destination as Record<string, unknown>).passwordEnv;
    expect(problem(token)).toMatch(/destination\.authMechanism: PLAIN cannot log in with an OAuth2 token/);
  });

  it('compiles regexes early', () => {
    expect(problem({ ...base(), folders: { exclude: ['ok', '(unclosed'] } })).toMatch(
      /^folders\.exclude\[1\]: invalid regular expression: .*Unterminated group/,
    );
    expect(problem({ ...base(), folders: { rename: [{ from: '[', to: 'x' }] } })).toMatch(
      /^folders\.rename\[0\]\.from: invalid regular expression/,
    );
  });

  it('refuses filters that select nothing', () => {
    expect(problem({ ...base(), filters: { minSize: 10, maxSize: 5 } })).toMatch(/filters\.minSize \(10\) is bigger/);
  });

  it('refuses Secret references outside Kubernetes, naming the local equivalent', () => {
    const spec = base();
    Object.assign(spec.source, { passwordFile: undefined, passwordSecretRef: { name: 's', key: 'password' } });
    delete (spec.source as Record<string, unknown>).passwordFile;
    expect(problem(spec)).toBe(
      'source.passwordSecretRef names a Kubernetes Secret: use passwordFile or passwordEnv outside Kubernetes',
    );
    const ca = base();
    Object.assign(ca.destination, { caSecretRef: { name: 's', key: 'ca.crt' } });
    expect(problem(ca)).toMatch(/destination\.caSecretRef names a Kubernetes Secret: use caFile/);
  });

  it('ignores the controller fields outside Kubernetes, with a notice', () => {
    const { spec, notices } = validateSpec(
      { ...base(), suspend: false, gracePeriodSeconds: 60, resources: { limits: { memory: '1Gi' } } },
      { context: 'local' },
    );
    expect(spec).toEqual(base());
    expect(notices).toEqual([
      'suspend is only used by the Kubernetes controller; ignored here',
      'gracePeriodSeconds is only used by the Kubernetes controller; ignored here',
      'resources is only used by the Kubernetes controller; ignored here',
    ]);
  });

  it('drops the controller fields silently in a worker', () => {
    const { spec, notices } = validateSpec({ ...base(), backoffLimit: 2 }, { context: 'worker' });
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
    expect(validateSpec(merged, { context: 'local' }).spec).toEqual({
      source: { host: 'a', user: 'u', passwordFile: '/p' },
      destination: { host: 'b', user: 'v', passwordFile: '/q' },
    });
  });
});
