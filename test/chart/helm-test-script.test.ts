/**
 * The `helm test` check (files/helm-test.cjs), run as the test Pod runs it (`node -e <script>`),
 * against a fake API server on 127.0.0.1 with TLS (a self-signed certificate as the ServiceAccount
 * CA) and a bearer token: it passes only when both CRDs are established (served in API discovery)
 * and the Deployment has a ready replica, retries until then, and says what is missing. The real run is `helm test` in the
 * local cluster (test/e2e-helm).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART } from './tools.js';

const SCRIPT = readFileSync(join(CHART, 'files/helm-test.cjs'), 'utf8');
const TOKEN = 'test-token-1';
const RESOURCES = ['mailsync.io/v1alpha1/mailmigrations', 'mailsync.io/v1alpha1/mailsyncs'];

const openssl = spawnSync('openssl', ['version']).status === 0;
if (!openssl) console.log('helm test script tests skipped: openssl not found (to make the test certificate)');

interface World {
  /** the resources /apis/mailsync.io/v1alpha1 serves (established CRDs); undefined: 404 (no CRD at all) */
  served?: string[];
  /** readyReplicas answered on each successive Deployment GET (the last one repeats) */
  ready: number[];
  status?: number;
  deployment?: 'absent';
}

describe.skipIf(!openssl)('files/helm-test.cjs against a fake API server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailsync-helm-test-'));
  let server: https.Server;
  let port = 0;
  let world: World;
  let deploymentGets = 0;
  const tokens = new Set<string>();

  beforeAll(async () => {
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'ca.crt'),
    ]);
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    server = https.createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.crt')) },
      (req, res) => {
        tokens.add(req.headers.authorization ?? '');
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (world.status) return send(world.status, { kind: 'Status', code: world.status });
        if (req.url === '/apis/mailsync.io/v1alpha1' && world.served) {
          return send(200, {
            kind: 'APIResourceList',
            groupVersion: 'mailsync.io/v1alpha1',
            resources: world.served.flatMap((name) => [{ name }, { name: `${name}/status` }]),
          });
        }
        if (req.url === '/apis/apps/v1/namespaces/ns/deployments/ms-mailsync-operator' && !world.deployment) {
          const ready = world.ready[Math.min(deploymentGets++, world.ready.length - 1)];
          return send(200, { spec: { replicas: 2 }, status: ready ? { readyReplicas: ready } : {} });
        }
        send(404, { kind: 'Status', code: 404 });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server?.close());

  /** Runs the script as the Pod does; resolves with its exit code and output. */
  function check(next: World): Promise<{ code: number | null; stdout: string; stderr: string }> {
    world = next;
    deploymentGets = 0;
    const child = spawn(process.execPath, ['-e', SCRIPT], {
      env: {
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: String(port),
        DEPLOYMENT: 'ms-mailsync-operator',
        NAMESPACE: 'ns',
        RESOURCES: RESOURCES.join(','),
        SERVICEACCOUNT_DIR: dir,
        ATTEMPTS: '3',
        RETRY_MS: '10',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }
  const allEstablished = ['mailmigrations', 'mailsyncs'];

  it('passes when both CRDs are established and a replica is ready, with the ServiceAccount token over TLS', async () => {
    const result = await check({ served: allEstablished, ready: [1] });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deployment ms-mailsync-operator: 1/2 replicas ready');
    expect(result.stdout).toContain(`CRDs established: ${RESOURCES.join(', ')}`);
    expect([...tokens]).toEqual([`Bearer ${TOKEN}`]);
  });

  it('retries until the controller is ready', async () => {
    const result = await check({ served: allEstablished, ready: [0, 0, 1] });
    expect(result.code).toBe(0);
    expect(deploymentGets).toBe(3);
  });

  it('fails, saying so, when no replica becomes ready', async () => {
    const result = await check({ served: allEstablished, ready: [0] });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('deployment ms-mailsync-operator has no ready replica (0/2)');
  });

  it('fails when a CRD is not established (not served), or no CRD of the group is', async () => {
    const notYet = await check({ served: ['mailsyncs'], ready: [1] });
    expect(notYet.code).toBe(1);
    expect(notYet.stderr).toContain(
      'CRD mailmigrations.mailsync.io is not established (mailsync.io/v1alpha1 does not serve mailmigrations)',
    );
    const none = await check({ ready: [1] });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('CRD mailsyncs.mailsync.io is not established');
  });

  it('fails when the Deployment does not exist', async () => {
    const result = await check({ served: allEstablished, ready: [1], deployment: 'absent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('deployment ms-mailsync-operator not found in namespace ns');
  });

  it('fails when its ServiceAccount may not read (HTTP 403)', async () => {
    const result = await check({ served: allEstablished, ready: [1], status: 403 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP 403');
  });
});
