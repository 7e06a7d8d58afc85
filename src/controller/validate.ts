/**
 * Checks before any Job is created: the spec's problems (src/api/spec-problems.ts:
 * what the API server's schema and CEL rules cannot check, such as regular
 * expressions, in the words the CLI and the worker use) and that the
 * referenced Secrets and keys exist. A problem becomes a clear condition
 * instead of a failing pod; a missing Secret is retried with backoff
 * (someone may create it next), an invalid spec is not.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { secretRefsOf } from '../api/secret-refs.js';
import type { MailSyncSpec } from '../api/spec.js';
import { problemsText, specProblems } from '../api/spec-problems.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import { paths } from './paths.js';
import { scheduleProblem } from './schedule.js';

export interface ValidationProblem {
  /** Condition reason. */
  reason: 'InvalidConfiguration' | 'SecretNotFound' | 'SecretKeyNotFound';
  message: string;
  /** Retrying can help (the Secret may appear). */
  retry: boolean;
}

/**
 * Which keys a Secret has (null: no such Secret), remembered for a few
 * seconds: a thousand MailSyncs naming one Secret cost one read. Only the key
 * names are kept, never the values.
 */
export class SecretKeys {
  readonly #cache = new Map<string, { keys: Set<string> | null; at: number }>();

  constructor(
    readonly client: KubeClient,
    readonly ttlMs = 5000,
  ) {}

  async keys(namespace: string, name: string): Promise<Set<string> | null> {
    const id = `${namespace}/${name}`;
    const cached = this.#cache.get(id);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.keys;
    let keys: Set<string> | null;
    try {
      const secret = await this.client.get<V1Secret>(paths.secret(namespace, name));
      keys = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      keys = null;
    }
    this.#cache.set(id, { keys, at: Date.now() });
    if (this.#cache.size > 10_000) this.#cache.clear();
    return keys;
  }
}

/**
 * The first problem found, or undefined. Reads the referenced Secrets only to
 * see that the key exists; their values are never kept, logged or compared.
 */
export async function validateForRun(
  secrets: SecretKeys,
  namespace: string,
  spec: MailSyncSpec,
): Promise<ValidationProblem | undefined> {
  const problems = specProblems(spec, 'kubernetes');
  if (problems.length > 0) return { reason: 'InvalidConfiguration', message: problemsText(problems), retry: false };
  // spec.schedule is read by the controller only (cron syntax and time zone).
  const schedule = scheduleProblem(spec);
  if (schedule) return { reason: 'InvalidConfiguration', message: schedule, retry: false };
  for (const { ref, path } of secretRefsOf(spec)) {
    const keys = await secrets.keys(namespace, ref.name);
    if (keys === null) {
      return { reason: 'SecretNotFound', message: `${path}: Secret ${namespace}/${ref.name} not found`, retry: true };
    }
    if (!keys.has(ref.key)) {
      return {
        reason: 'SecretKeyNotFound',
        message: `${path}: Secret ${namespace}/${ref.name} has no key ${JSON.stringify(ref.key)}`,
        retry: true,
      };
    }
  }
  return undefined;
}
