import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIELDS_BEGIN, fieldTable, withFieldTable } from '../../src/api/field-table.js';

describe('README MailSync field table', () => {
  it('documents every spec field with its type and default, generated from the CRD schema', () => {
    const table = fieldTable();
    for (const field of [
      'spec.source.host',
      'spec.source.passwordSecretRef.name',
      'spec.folders.rename[].from',
      'spec.gracePeriodSeconds',
    ]) {
      expect(table).toContain(`\`${field}\``);
    }
    expect(table).toMatch(/`spec.source.tls` \| `auto` \\\| `implicit` \\\| `starttls` \\\| `none` \| `"auto"`/);
    // Local-only fields (files, env vars) are not part of the Kubernetes API.
    expect(table).not.toContain('passwordFile');
  });

  it('is up to date in README.md (run `npm run build && npm run docs`)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(FIELDS_BEGIN);
    expect(withFieldTable(readme)).toBe(readme);
  });
});
