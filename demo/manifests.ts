/**
 * Prints the demo's Secret and MailSync (YAML, to stdout) for the running demo IMAP servers:
 *   node --import tsx demo/manifests.ts | kubectl apply -n mailsync-demo -f -
 * The passwords and the CA go into the Secret only; the MailSync names them, like examples/basic.yaml.
 * The worker pods use the node's network (the chart's workerHostNetwork), so 127.0.0.1 is the node.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { MailSyncSpec } from '../src/api/spec.js';
import { type DemoAccount, readState } from './state.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'demo' },
    // slow enough to watch the progress; 0 = full speed
    'messages-per-second': { type: 'string', default: '30' },
  },
});

const state = readState();
const secretName = `${values.name}-imap`;

const endpoint = (account: DemoAccount, side: 'source' | 'destination') => ({
  host: account.host,
  port: account.port,
  tls: 'implicit' as const,
  user: account.user,
  passwordSecretRef: { name: secretName, key: `${side}-password` },
  caSecretRef: { name: secretName, key: 'ca.crt' },
});

const rate = Number(values['messages-per-second']);
const spec: MailSyncSpec = {
  source: endpoint(state.source, 'source'),
  destination: endpoint(state.destination, 'destination'),
  // Sent, Trash, ... land on the destination's own special-use folders
  folders: { automap: true },
  ...(rate > 0 ? { throttle: { maxMessagesPerSecond: rate } } : {}),
  gracePeriodSeconds: 30,
};

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: secretName, labels: { 'app.kubernetes.io/part-of': 'mailsync-demo' } },
  type: 'Opaque',
  stringData: {
    'source-password': state.source.password,
    'destination-password': state.destination.password,
    'ca.crt': state.caPem,
  },
};

const mailSync = {
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  metadata: { name: values.name, labels: { 'app.kubernetes.io/part-of': 'mailsync-demo' } },
  spec,
};

process.stdout.write(`${stringify(secret)}---\n${stringify(mailSync)}`);
