/**
 * What the helm end-to-end tests need from the local cluster (test/cluster): a KUBECONFIG, kubectl,
 * and the image built for it (MAILSYNC_IMAGE). Each check returns why a test cannot run, so a skipped
 * test prints its reason.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Run, run } from '../chart/tools.js';

const CLUSTER_DIR = process.env.MAILSYNC_CLUSTER_DIR ?? '/tmp/mailsync-cluster';

export function kubectlPath(): string {
  const local = join(CLUSTER_DIR, 'bin/kubectl');
  return existsSync(local) ? local : 'kubectl';
}

export function kubectl(args: string[], input?: string): Run {
  return run(kubectlPath(), args, input);
}

/** Why the cluster cannot be used, or undefined when it answers. */
export function clusterUnavailable(): string | undefined {
  if (!process.env.KUBECONFIG) return 'KUBECONFIG is not set (start the local cluster: make cluster-up)';
  const version = kubectl(['version', '-o', 'json', '--request-timeout=10s']);
  if (version.status !== 0) return `the cluster does not answer: ${version.stderr.trim().split('\n')[0]}`;
  return undefined;
}

/** Why the operator cannot be installed, or undefined. */
export function operatorUnavailable(): string | undefined {
  return (
    clusterUnavailable() ??
    (process.env.MAILSYNC_IMAGE ? undefined : 'MAILSYNC_IMAGE is not set (make image builds and imports it)')
  );
}

export function skipReason(reason: string | undefined, what: string): boolean {
  if (reason) console.log(`${what} skipped: ${reason}`);
  return reason !== undefined;
}
