/**
 * A controller identity of its own for the API Priority and Fairness cell:
 * a client certificate signed by the local cluster's CA (its PKI in
 * /tmp/mailsync-cluster/pki), a kubeconfig with it, a ClusterRoleBinding
 * giving that user what the controller needs, and a FlowSchema that matches
 * only that user and sends it to a PriorityLevelConfiguration with the
 * smallest concurrency share and a one-request queue. Every other client
 * keeps its own flow schemas, so the shared cluster is not slowed down.
 *
 * A tiny priority level alone does not make the controller hear 429: that
 * takes more concurrent requests than its seats and queue, which a controller
 * with five syncs sends only now and then (a CI run saw none in 20 s). So a
 * second user of the same priority level fills it: requests whose bodies are
 * held back keep every seat busy (the API server reads a body after the
 * priority-and-fairness filter has given the request its seat) and the queue
 * full, until they are let go. Every request of the controller meanwhile is
 * answered 429, and the API server counts them under the controller's own
 * flow schema.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAlreadyExists, isNotFound, type KubeClient, readAll } from '../../../src/kube/kube-client.js';
import { waitFor } from '../helpers/kube.js';

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
  /**
   * Fills the priority level (after throttle()) with requests of a second user whose bodies are held
   * back, until every seat and the queue are taken and one more is refused; resolves with a function
   * that lets them go.
   */
  saturate(namespace: string): Promise<() => void>;
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

/** A key and a client certificate for `user`, signed by the cluster's CA, in `dir`. */
function signedCertificate(dir: string, user: string): { key: string; crt: string } {
  const key = path.join(dir, `${user}.key`);
  const csr = path.join(dir, `${user}.csr`);
  const crt = path.join(dir, `${user}.crt`);
  execFileSync('openssl', ['genrsa', '-out', key, '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${user}`, '-out', csr], { stdio: 'ignore' });
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
  return { key, crt };
}

/** A FlowSchema sending every request of `user` to the priority level `level`. */
function flowSchema(name: string, user: string, level: string) {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name },
    spec: {
      priorityLevelConfiguration: { name: level },
      // Before every suggested schema (workload-low is 9000, global-default 9900): only our user matches.
      matchingPrecedence: 500,
      distinguisherMethod: { type: 'ByUser' },
      rules: [
        {
          subjects: [{ kind: 'User', user: { name: user } }],
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        },
      ],
    },
  };
}

/** Sums a metric's samples whose labels include `label`. */
function metricSum(text: string, metric: string, label: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{`) && line.includes(label)) total = (total ?? 0) + Number(line.split(' ').at(-1));
  }
  return total;
}

export async function throttledIdentity(client: KubeClient, server: string, name: string): Promise<ThrottledIdentity> {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const { key, crt } = signedCertificate(dir, name);
  const floodUser = `${name}-flood`;
  const flood = signedCertificate(dir, floodUser);
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
    subjects: [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name },
      // The flood user's held requests must pass authorization (inside their seat) to reach the body read.
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: floodUser },
    ],
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
    await ensure(client, `${FLOWCONTROL}/flowschemas`, flowSchema(name, name, name) as never);
    await ensure(client, `${FLOWCONTROL}/flowschemas`, flowSchema(floodUser, floodUser, name) as never);
  };
  const release = async () => {
    await remove(client, `${FLOWCONTROL}/flowschemas/${floodUser}`);
    await remove(client, `${FLOWCONTROL}/flowschemas/${name}`);
    await remove(client, `${FLOWCONTROL}/prioritylevelconfigurations/${name}`);
  };
  const metrics = async () => readAll(await client.open('GET', '/metrics'));
  const rejected = async () =>
    metricSum(await metrics(), 'apiserver_flowcontrol_rejected_requests_total', `flow_schema="${name}"`) ?? 0;

  const saturate = async (namespace: string) => {
    // The level's seats, once the API server has taken the new configuration in.
    const seats = await waitFor(
      `priority level ${name} in effect`,
      async () => metricSum(await metrics(), 'apiserver_flowcontrol_nominal_limit_seats', `priority_level="${name}"`),
      20_000,
      200,
    );
    const url = new URL(`/api/v1/namespaces/${namespace}/configmaps`, server);
    const tls = {
      ca: readFileSync(path.join(PKI, 'ca.crt')),
      cert: readFileSync(flood.crt),
      key: readFileSync(flood.key),
    };
    const held: ClientRequest[] = [];
    // Every seat, the one-request queue, and one more that must be refused.
    for (let i = 0; i < seats + 2; i++) {
      const request = httpsRequest(url, {
        method: 'POST',
        agent: false,
        ...tls,
        headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
      });
      request.on('error', () => {}); // destroyed on purpose when let go
      request.on('response', (response) => response.resume());
      request.flushHeaders();
      held.push(request);
    }
    const letGo = () => {
      for (const request of held) request.destroy();
    };
    try {
      await waitFor(
        `${seats + 2} held requests fill priority level ${name} (one refused)`,
        async () =>
          (metricSum(await metrics(), 'apiserver_flowcontrol_rejected_requests_total', `flow_schema="${floodUser}"`) ??
            0) > 0,
        20_000,
        200,
      );
    } catch (error) {
      letGo();
      throw error;
    }
    return letGo;
  };

  return {
    user: name,
    kubeconfig,
    throttle,
    release,
    rejected,
    saturate,
    dispose: async () => {
      await release();
      await remove(client, `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
