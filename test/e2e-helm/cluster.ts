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

/** stdout of a command that must succeed; throws with its output otherwise. */
export function must(result: Run, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `kubectl get -o json` parsed, or undefined when the object does not exist. */
export function getJson<T>(args: string[]): T | undefined {
  const result = kubectl(['get', ...args, '-o', 'json']);
  if (result.status !== 0) {
    if (/NotFound|not found/.test(result.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** Applies objects given as data (stdin, so no secret value is ever on a command line). */
export function apply(namespace: string, objects: object[]): void {
  must(
    kubectl(['apply', '-n', namespace, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects })),
    'kubectl apply',
  );
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
    (process.env.MAILSYNC_IMAGE ? undefined : 'MAILSYNC_IMAGE is not set (make cluster-image builds and imports it)')
  );
}

export function skipReason(reason: string | undefined, what: string): boolean {
  if (reason) console.log(`${what} skipped: ${reason}`);
  return reason !== undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value; throws with the last seen state on timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 300_000,
  describeLast: () => string = () => '',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${describeLast()}`);
    await sleep(1000);
  }
}

/**
 * The steps later tests build on (the install, the sync). Once one failed, every later test that
 * needs it fails at once with that step's message instead of waiting out its own long bound.
 */
export class Prerequisites {
  readonly #failed = new Map<string, string>();

  /** Runs a step; a failure is recorded under `name` and thrown on. */
  async step<T>(name: string, body: () => T | Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      // one line, long enough to name the cause (a command's message continues with its output)
      this.#failed.set(
        name,
        String((error as Error).message ?? error)
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 400),
      );
      throw error;
    }
  }

  /** Throws at once when one of the named steps failed. */
  require(...names: string[]): void {
    const failed = names.filter((n) => this.#failed.has(n));
    if (failed.length > 0) {
      throw new Error(`not tried: ${failed.map((n) => `${n} failed (${this.#failed.get(n)})`).join('; ')}`);
    }
  }
}
