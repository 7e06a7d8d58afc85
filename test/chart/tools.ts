/**
 * The chart tests' tools: helm and kubeconform (built from the Go module proxy by charts/build-helm.sh
 * and cached), the Kubernetes OpenAPI document of the local cluster's version (from the Go module
 * cache), and small runners around them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSwagger, SCHEMA_TEMPLATE, schemasFromCrd, schemasFromSwagger, writeSchemas } from './kube-schemas.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART = join(ROOT, 'charts/mailsync-operator');
export const CHART_CRDS = join(CHART, 'crds-src');
export const REPO_CRDS = join(ROOT, 'crds');
/**
 * Kinds kubeconform cannot check offline: the CRDs of the Prometheus Operator and of cert-manager
 * (the console's Certificate) are not in this repository. test/chart/console.test.ts checks the
 * Certificate's fields itself.
 */
export const KUBECONFORM_SKIPPED_KINDS = ['ServiceMonitor', 'PrometheusRule', 'Certificate'];

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string): Run {
  const result = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024, cwd: ROOT });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Path of a cached tool, built first when missing (minutes on a cold cache). */
export function buildTool(name: 'helm' | 'kubeconform'): string {
  return execFileSync(join(ROOT, 'charts/build-helm.sh'), [name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** The chart's values for the repository's local test cluster (host networking; never production). */
export const CI_VALUES = join(CHART, 'ci/local-cluster-values.yaml');

/** `helm template` of the chart with `--set` style arguments and value files. */
export function helmTemplate(
  helm: string,
  args: string[] = [],
  namespace = 'mailsync-system',
  release = 'mailsync',
): Run {
  return run(helm, ['template', release, CHART, '--namespace', namespace, ...args]);
}

function k8sVersion(): string {
  const versions = readFileSync(join(ROOT, 'test/cluster/versions.sh'), 'utf8');
  const match = /^K8S_VERSION="(v[0-9.]+)"/m.exec(versions);
  if (!match) throw new Error('K8S_VERSION not found in test/cluster/versions.sh');
  return match[1]!;
}

/** swagger.json of the Kubernetes version the local cluster runs, from the Go module cache. */
export function kubernetesSwaggerPath(): { path: string; version: string } {
  const version = k8sVersion();
  const modCache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  let dir = join(modCache, `k8s.io/kubernetes@${version}`);
  if (!existsSync(dir)) {
    // the cluster build downloads this module anyway; fetch it if it has not run here yet
    const info = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
      encoding: 'utf8',
    });
    dir = (JSON.parse(info) as { Dir: string }).Dir;
  }
  return { path: join(dir, 'api/openapi-spec/swagger.json'), version };
}

/**
 * A directory of kubeconform schemas: Kubernetes' own kinds plus our CRDs from crds/. Cached under
 * ~/.cache/mailsync/kubeconform-schemas, keyed by the Kubernetes version and a hash of the inputs
 * (the converter and the CRDs), so it is made once and never goes stale.
 */
export function kubeconformSchemaDir(): string {
  const swagger = kubernetesSwaggerPath();
  const hash = createHash('sha256');
  hash.update(readFileSync(fileURLToPath(new URL('./kube-schemas.ts', import.meta.url))));
  for (const file of crdFiles(REPO_CRDS).sort()) hash.update(file).update(readFileSync(join(REPO_CRDS, file)));
  const cache = join(process.env.MAILSYNC_CACHE ?? join(homedir(), '.cache/mailsync'), 'kubeconform-schemas');
  const dir = join(cache, `${swagger.version}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(dir)) return dir;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, '.tmp-'));
  writeSchemas(tmp, schemasFromSwagger(readSwagger(swagger.path)));
  for (const file of crdFiles(REPO_CRDS)) {
    writeSchemas(tmp, schemasFromCrd(readFileSync(join(REPO_CRDS, file), 'utf8')));
  }
  try {
    renameSync(tmp, dir);
  } catch {
    // another test process made the same directory first
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

export function kubeconform(bin: string, schemaDir: string, manifests: string): Run {
  return run(
    bin,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-schema-location',
      join(schemaDir, SCHEMA_TEMPLATE),
      '-skip',
      KUBECONFORM_SKIPPED_KINDS.join(','),
      '-',
    ],
    manifests,
  );
}

export function crdFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')) : [];
}
