/** The worker's previous delta state file: read when usable, never a reason to fail. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stateDigest } from '../../src/api/state-digest.js';
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
    expect(readPreviousState(file, stateDigest(text))).toEqual({
      state: { version: 1, fingerprint: 'abc', folders: { INBOX: {} } },
    });
    // Changed after the controller's check (a ConfigMap edited before the pod started): not used.
    writeFileSync(file, text.replace('INBOX', 'Junk'));
    const result = readPreviousState(file, stateDigest(text));
    expect(result.state).toBeUndefined();
    expect(result.problem).toBe(`${file} is not the state the controller checked (its digest differs)`);
  });
});
