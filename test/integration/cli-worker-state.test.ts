/** The worker's previous delta state file: read when usable, never a reason to fail. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentDigest } from '../../src/api/content-digest.js';
import { runWorker } from '../../src/worker/main.js';
import { readPreviousState } from '../../src/worker/previous-state.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mailsync-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readPreviousState', () => {
  it('reads the JSON the controller mounted', () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, '{"version":1,"fingerprint":"abc","folders":{}}');
    expect(readPreviousState(file)).toEqual({ state: { version: 1, fingerprint: 'abc', folders: {} } });
  });

  it('treats no variable, a missing file and an empty file as no state', () => {
    expect(readPreviousState(undefined)).toEqual({});
    expect(readPreviousState(path.join(dir, 'missing.json'))).toEqual({});
    const empty = path.join(dir, 'empty.json');
    writeFileSync(empty, '\n');
    expect(readPreviousState(empty)).toEqual({});
  });

  it('reports a broken file as a problem, not an error', () => {
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"version":');
    const result = readPreviousState(broken);
    expect(result.state).toBeUndefined();
    expect(result.problem).toMatch(/broken\.json is not JSON/);
  });

  it('uses the file only when it is the state the controller checked (MAILSYNC_STATE_DIGEST)', () => {
    const file = path.join(dir, 'checked.json');
    const text = '{"version":1,"fingerprint":"abc","folders":{"INBOX":{}}}';
    writeFileSync(file, text);
    expect(readPreviousState(file, contentDigest(text))).toEqual({
      state: { version: 1, fingerprint: 'abc', folders: { INBOX: {} } },
    });
    // Changed after the controller's check (a ConfigMap edited before the pod started): not used.
    writeFileSync(file, text.replace('INBOX', 'Junk'));
    const result = readPreviousState(file, contentDigest(text));
    expect(result.state).toBeUndefined();
    expect(result.problem).toBe(`${file} is not the state the controller checked (its digest differs)`);
  });
});

describe('the worker and MAILSYNC_SPEC_DIGEST', () => {
  const spec = JSON.stringify({
    source: { host: 'h1', user: 'u', passwordSecretRef: { name: 's', key: 'password' } },
    destination: { host: 'h2', user: 'u', passwordSecretRef: { name: 's', key: 'password' } },
  });
  const runIn = async (env: Record<string, string>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runWorker([], { env, stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    return { code, stderr: err.join('') };
  };

  it('does not run a spec file changed since the controller wrote it', async () => {
    const file = path.join(dir, 'spec-edited.json');
    writeFileSync(file, spec.replace('"h1"', '"attacker.example"'));
    const r = await runIn({ MAILSYNC_SPEC_FILE: file, MAILSYNC_SPEC_DIGEST: contentDigest(spec) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file} is not the spec the controller wrote for this run (its digest differs: the ConfigMap was changed since); not run`,
    );
  });

  it('goes on with the spec the controller wrote (here to the next check: the missing Secret files)', async () => {
    const file = path.join(dir, 'spec-as-written.json');
    writeFileSync(file, spec);
    const r = await runIn({
      MAILSYNC_SPEC_FILE: file,
      MAILSYNC_SPEC_DIGEST: contentDigest(spec),
      MAILSYNC_SECRETS_DIR: path.join(dir, 'no-secrets'),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('digest');
    expect(r.stderr).toMatch(/spec\.source\.passwordFile: cannot read/);
  });
});
