/**
 * The Kubernetes API's share of one account (`npm run bench:api-floor`; not a test).
 *
 *   KUBECONFIG=/tmp/mailsync-cluster/kubeconfig npm run bench:api-floor -- [--accounts 500]
 *
 * No controller and no worker pod: the bench itself sends, per account, the
 * writes and reads a migration's child costs the API server even when no pod
 * is started for it (the "One child's run alone" table of
 * docs/performance.md without the Job, the pod and its log): the account's
 * Secret, the MailSync, its ConfigMap (create, two reads, the delta state
 * patch), six status writes with a realistic status (progress and a 20-line
 * log tail), three Events. A watch on the MailSyncs stands in for the
 * controller's informer (each write is sent to one watcher, as in the
 * product). Measured from /proc: the CPU of kube-apiserver and etcd per
 * account, and the bench's own (the client side: a controller would spend at
 * least that much sending the same requests).
 *
 * Why: a MailMigration keeps one MailSync per account (its own status, pair
 * lock and abort), so these requests stay per account however the workers
 * are packed into pods. Their CPU is a floor under the CPU per account of
 * any design that keeps that model, to be compared with parallel + mbsync's
 * whole CPU per account (bench:fleet prints it).
 */
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { pino } from 'pino';
import type { MailSync } from '../src/api/mailsync.js';
import { paths } from '../src/controller/paths.js';
import { InformerSet } from '../src/kube/informers.js';
import type { KubeClient } from '../src/kube/kube-client.js';
import { totalRequests } from '../src/kube/request-key.js';
import {
  connect,
  createNamespace,
  deleteNamespaceAndWait,
  installCrd,
  mailSyncObject,
  waitFor,
} from '../test/e2e/helpers/kube.js';
import { cpuBetween, cpuSnapshot, printCpuPerAccount } from './cpu-meter.js';

const { values } = parseArgs({
  options: { accounts: { type: 'string', default: '500' }, parallel: { type: 'string', default: '16' } },
});
const N = Number(values.accounts);
const PARALLEL = Number(values.parallel);

if (!process.env.KUBECONFIG) {
  console.error('bench/api-floor.ts: KUBECONFIG is not set (the local cluster: make cluster-up)');
  process.exit(2);
}

const logTail = Array.from(
  { length: 20 },
  (_, i) => `INBOX: copied message ${i + 1} of 35 (12.3 KiB), 4.2 msg/s, folder 1 of 6 "INBOX"`,
);

function statusAt(step: number, phase: string) {
  const copied = Math.min(35, step * 7);
  return {
    status: {
      phase,
      observedGeneration: 1,
      jobName: 'mailsync-0123456789abcdef',
      pairHash: '0123456789abcdef',
      conditions: [
        {
          type: 'Ready',
          status: phase === 'Succeeded' ? 'True' : 'False',
          reason: phase,
          message: `run ${phase.toLowerCase()}`,
          lastTransitionTime: new Date().toISOString(),
          observedGeneration: 1,
        },
      ],
      progress: {
        foldersDone: Math.min(6, step),
        foldersTotal: 6,
        messagesCopied: copied,
        messagesTotal: 35,
        bytesCopied: copied * 12_600,
        display: `${copied}/35`,
        rate: '4.2 msg/s',
      },
      logTail: logTail.slice(0, 4 + step * 3),
      logStream: { pod: 'mailsync-0123456789abcdef-x7k2p', timestamp: new Date().toISOString(), linesAtTimestamp: 1 },
    },
  };
}

// Two servers (the API refuses a MailSync from an account onto itself).
const side = (user: string, key: 'source' | 'destination') => ({
  host: '127.0.0.1',
  port: key === 'source' ? 993 : 1993,
  user,
  passwordSecretRef: { name: `acct-${user}`, key },
});

/** What one migration child costs the API server without a pod: its Secret, MailSync, ConfigMap, status, Events. */
async function oneAccount(client: KubeClient, ns: string, name: string): Promise<void> {
  await client.create(`/api/v1/namespaces/${ns}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `acct-${name}`, namespace: ns },
    stringData: { source: `pw-a-${name}`, destination: `pw-b-${name}` },
  });
  const spec = { source: side(name, 'source'), destination: side(name, 'destination') };
  await client.create(paths.mailSyncs(ns), mailSyncObject(ns, name, spec));
  const cm = paths.configMap(ns, `${name}-state`);
  await client.create(paths.configMaps(ns), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-state`, namespace: ns },
    data: { 'spec.json': JSON.stringify(spec) },
  });
  const phases = ['Pending', 'Running', 'Running', 'Running', 'Running', 'Succeeded'];
  for (const [step, phase] of phases.entries()) {
    await client.mergePatch(paths.mailSyncStatus(ns, name), statusAt(step, phase));
    if (step === 1 || step === 5) await client.get(cm);
  }
  await client.mergePatch(cm, { data: { 'state.json': JSON.stringify({ INBOX: { uidValidity: 1, uidNext: 36 } }) } });
  for (const reason of ['JobCreated', 'Running', 'Succeeded']) {
    await client.create(paths.events(ns), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${name}.`, namespace: ns },
      involvedObject: { apiVersion: 'mailsync.io/v1alpha1', kind: 'MailSync', namespace: ns, name },
      reason,
      message: `${reason} for generation 1`,
      type: 'Normal',
      source: { component: 'mailsync-controller' },
      count: 1,
    });
  }
}

async function main(): Promise<void> {
  const { client } = await connect();
  await installCrd(client);
  const ns = await createNamespace(client, 'bench-api-floor');
  const quiet = pino({ level: 'warn' });
  const watcher = new InformerSet<MailSync>(client, [ns], paths.mailSyncs, { name: 'floor', log: quiet });
  await watcher.start();
  const before = cpuSnapshot();
  const requestsBefore = totalRequests(client.requestCounts);
  const started = Date.now();
  const limit = pLimit(PARALLEL);
  await Promise.all(
    Array.from({ length: N }, (_, i) => limit(() => oneAccount(client, ns, `floor${String(i).padStart(5, '0')}`))),
  );
  // The watcher has seen the last write: the API server's fan-out is in the span.
  await waitFor(
    'the watch to see every status',
    async () => watcher.list().filter((m) => m.status?.phase === 'Succeeded').length === N,
    120_000,
    200,
  );
  const wall = Date.now() - started;
  const span = cpuBetween(before, cpuSnapshot(), { [process.pid]: 'the bench (client side, node)' });
  // Counted by the client (the watcher's own list and watch came before `requestsBefore`).
  const sent = totalRequests(client.requestCounts) - requestsBefore;
  const requests = sent / N;
  console.log(
    `bench:api-floor: ${N} accounts, ${requests.toFixed(1)} requests each (${sent} in all) in ${(wall / 1000).toFixed(1)} s, ` +
      `${(sent / (wall / 1000)).toFixed(0)} requests/s, ${PARALLEL} at a time`,
  );
  printCpuPerAccount('CPU-s per account:', span, N);
  const server = ['kube-apiserver', 'etcd'].reduce((sum, name) => sum + (span.byName.get(name) ?? 0), 0);
  console.log(
    JSON.stringify({
      accounts: N,
      requestsPerAccount: Number(requests.toFixed(1)),
      'kube-apiserver + etcd CPU-s per account': Number((server / N).toFixed(3)),
      'client CPU-s per account': Number(((span.byName.get('the bench (client side, node)') ?? 0) / N).toFixed(3)),
      'machine CPU-s per account': Number((span.machine / N).toFixed(3)),
    }),
  );
  watcher.stop();
  await deleteNamespaceAndWait(client, ns, 10 * 60_000).catch((error) => console.warn(String(error)));
  client.close();
}

await main();
process.exit(0);
