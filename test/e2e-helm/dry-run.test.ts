/**
 * Server-side dry run: the API server of the local cluster (its real validation, admission and RBAC
 * escalation checks) accepts every manifest the chart renders (the `helm test` hook aside), and the
 * examples once the CRD is there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRD_NAME } from '../../src/api/mailsync.js';
import { buildTool, helmTemplate, ROOT } from '../chart/tools.js';
import { clusterUnavailable, kubectl, skipReason } from './cluster.js';

const unavailable = clusterUnavailable();
const VALUE_SETS: Record<string, string[]> = {
  defaults: [],
  'namespaced RBAC': ['--set', 'rbac.scope=namespace', '--set', 'watchNamespaces={default,kube-public}'],
  'everything optional on': [
    '--set',
    'networkPolicy.enabled=true',
    '--set',
    'networkPolicy.egress.enabled=true',
    '--set',
    'testMode=true',
    '--set',
    'workerHostNetwork=true',
  ],
};

describe.skipIf(skipReason(unavailable, 'server-side dry run'))('kubectl apply --dry-run=server', () => {
  let helm = '';
  beforeAll(() => {
    helm = buildTool('helm');
  }, 30 * 60_000);

  it.each(Object.entries(VALUE_SETS))('accepts the chart rendered with %s', (_name, args) => {
    // the default namespace exists in every cluster; the dry run does not create one. Without the
    // `helm test` hook: its Pod names a ServiceAccount that a dry run does not create (install.test.ts
    // runs `helm test` for real)
    const rendered = helmTemplate(helm, [...args, '--skip-tests'], 'default');
    expect(rendered.status).toBe(0);
    // server-side apply, as Helm 4 installs: objects that exist already (the CRD, applied by other
    // suites) are compared field by field; conflicts are forced since nothing is written
    const result = kubectl(
      [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=mailsync-chart-test',
        '--dry-run=server',
        '-f',
        '-',
      ],
      rendered.stdout,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('deployment.apps/mailsync-mailsync-operator serverside-applied (server dry run)');
  });

  const examplesWhyNot =
    unavailable ??
    (kubectl(['get', 'crd', CRD_NAME]).status === 0 ? undefined : `CRD ${CRD_NAME} is not installed in the cluster`);
  const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
  it.skipIf(skipReason(examplesWhyNot, 'examples dry run')).each(examples)(
    'accepts examples/%s (CRD schema and CEL rules)',
    (file) => {
      const result = kubectl(
        [
          'apply',
          '--server-side',
          '--field-manager=mailsync-chart-test',
          '--dry-run=server',
          '-n',
          'default',
          '-f',
          '-',
        ],
        readFileSync(join(ROOT, 'examples', file), 'utf8'),
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );
});
