/**
 * A controller identity of its own for the API Priority and Fairness cell:
 * a client certificate signed by the local cluster's CA (its PKI in
 * /tmp/mailsync-cluster/pki), a kubeconfig with it, a ClusterRoleBinding
 * giving that user what the controller needs, and a FlowSchema that matches
 * only that user and sends it to a PriorityLevelConfiguration with the
 * smallest concurrency share and a one-request queue. Every other client
 * keeps its own flow schemas, so the shared cluster is not slowed down.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAlreadyExists, isNotFound, type KubeClient, readAll } from '../../../src/kube/kube-client.js';

const PKI = process.env.MAILSYNC_CLUSTER_PKI ?? '/tmp/mailsync-cluster/pki';
const FLOWCONTROL = '/apis/flowcontrol.apiserver.k8s.io/v1';

export interface ThrottledIdentity {
  user: string;
  kubeconfig: string;
  /** Starts answering 429: the FlowSchema and its tiny priority level. */
  throttle(): Promise<void>;
  /** Back to the cluster's own flow schemas. */
  release(): Promise<void>;
  /** Requests of this user the API server rejected (apiserver_flowcontrol_rejected_requests_total). */
  rejected(): Promise<number>;
  dispose(): Promise<void>;
}

/** Whether the cluster's CA key is here to sign a client certificate with. */
export function identitySkipReason(): string | undefined {
  try {
    readFileSync(path.join(PKI, 'ca.key'));
    return undefined;
  } catch {
    return `no cluster CA key in ${PKI} (the local cluster's PKI) to sign the controller's own client certificate`;
  }
}

async function ensure(client: KubeClient, collection: string, object: { metadata: { name: string } }) {
  try {
    await client.create(collection, object);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

async function remove(client: KubeClient, item: string) {
  try {
    await client.delete(item);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function throttledIdentity(client: KubeClient, server: string, name: string): Promise<ThrottledIdentity> {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const key = path.join(dir, 'client.key');
  const csr = path.join(dir, 'client.csr');
  const crt = path.join(dir, 'client.crt');
  execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    ['x509', '-req', '-in', csr, '-CA', path.join(PKI, 'ca.crt'), '-CAkey', path.join(PKI, 'ca.key')].concat([
      '-CAcreateserial',
      '-CAserial',
      path.join(dir, 'ca.srl'),
      '-days',
      '1',
      '-out',
      crt,
    ]),
    { stdio: 'ignore' },
  );
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: local\n  cluster:\n    server: ${server}\n    certificate-authority: ${path.join(PKI, 'ca.crt')}`,
      'users:',
      `- name: ${name}\n  user:\n    client-certificate: ${crt}\n    client-key: ${key}`,
      'contexts:',
      `- name: local\n  context: {cluster: local, user: ${name}}`,
      'current-context: local',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // The test's controller only: a cluster-wide grant is simplest, and goes with dispose().
  await ensure(client, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name }],
  } as never);

  const throttle = async () => {
    await ensure(client, `${FLOWCONTROL}/prioritylevelconfigurations`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: { name },
      spec: {
        type: 'Limited',
        limited: {
          nominalConcurrencyShares: 1,
          lendablePercent: 0,
          borrowingLimitPercent: 0,
          limitResponse: { type: 'Queue', queuing: { queues: 1, handSize: 1, queueLengthLimit: 1 } },
        },
      },
    } as never);
    await ensure(client, `${FLOWCONTROL}/flowschemas`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: { name },
      spec: {
        priorityLevelConfiguration: { name },
        // Before every suggested schema (workload-low is 9000, global-default 9900): only our user matches.
        matchingPrecedence: 500,
        distinguisherMethod: { type: 'ByUser' },
        rules: [
          {
            subjects: [{ kind: 'User', user: { name } }],
            resourceRules: [
              { verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true },
            ],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    } as never);
  };
  const release = async () => {
    await remove(client, `${FLOWCONTROL}/flowschemas/${name}`);
    await remove(client, `${FLOWCONTROL}/prioritylevelconfigurations/${name}`);
  };
  const rejected = async () => {
    const text = await readAll(await client.open('GET', '/metrics'));
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('apiserver_flowcontrol_rejected_requests_total{') && line.includes(`flow_schema="${name}"`))
        total += Number(line.split(' ').at(-1));
    }
    return total;
  };
  return {
    user: name,
    kubeconfig,
    throttle,
    release,
    rejected,
    dispose: async () => {
      await release();
      await remove(client, `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
