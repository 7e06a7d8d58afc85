/**
 * The chart renders its CRD from a copy of crds/ (Helm reads only files inside the chart):
 * the copy must be exactly crds/, or `helm upgrade` would install a stale schema.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_CRDS, crdFiles, REPO_CRDS } from './tools.js';

const FIX = 'run charts/sync-crds.sh (after npm run crds) and commit the chart copy';

describe('charts/mailsync-operator/crds-src', () => {
  const source = crdFiles(REPO_CRDS).sort();
  const copy = crdFiles(CHART_CRDS).sort();

  it('holds the same CRD files as crds/', () => {
    expect(copy, FIX).toEqual(source);
  });

  it.skipIf(source.length === 0).each(source)('%s is byte for byte crds/', (file) => {
    expect(readFileSync(join(CHART_CRDS, file), 'utf8'), `${file} drifted: ${FIX}`).toBe(
      readFileSync(join(REPO_CRDS, file), 'utf8'),
    );
  });

  if (source.length === 0) console.log('crds/ is empty: nothing to compare yet (npm run crds generates it)');
});
