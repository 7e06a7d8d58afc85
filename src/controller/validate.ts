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
import { type LabelSelector, selectorMatches } from '../kube/label-selector.js';
import { paths } from './paths.js';
import { type ResourceMaximums, resourcesOverMaximum } from './resource-maximums.js';
import { scheduleProblem } from './schedule.js';

export interface ValidationProblem {
  /** Condition reason. */
  reason: 'InvalidConfiguration' | 'ResourcesOverMaximum' | 'SecretNotFound' | 'SecretKeyNotFound' | 'SecretNotAllowed';
  message: string;
  /** Retrying can help (the Secret may appear). */
  retry: boolean;
}

/** What the controller keeps of a Secret: its key names and labels, never a value. */
export interface SecretShape {
  keys: Set<string>;
  labels: Record<string, string>;
}

/**
 * Which keys and labels a Secret has (null: no such Secret), remembered for a
 * few seconds: a thousand MailSyncs naming one Secret cost one read. Only the
 * key names and labels are kept, never the values. With a selector
 * (--secret-selector), only Secrets it matches may be referenced.
 */
/** A Secret an informer of this process holds already (values may be digests: only key names and labels are read). */
export type CachedSecret = (namespace: string, name: string) => V1Secret | undefined;

function shapeOf(secret: V1Secret): SecretShape {
  return {
    keys: new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]),
    labels: { ...secret.metadata?.labels },
  };
}

export class SecretKeys {
  readonly #cache = new Map<string, { shape: SecretShape | null; at: number }>();
  #cached?: CachedSecret;

  constructor(
    readonly client: KubeClient,
    readonly ttlMs = 5000,
    readonly selector?: LabelSelector,
  ) {}

  /**
   * Answer from an informer's cache where it has the Secret (a migration's per-account Secrets: the
   * migration controller watches them), so that a thousand accounts are not a thousand reads per pass.
   * A Secret it does not hold is read as before (not being in that cache does not mean it is missing).
   */
  useCache(cached: CachedSecret): void {
    this.#cached = cached;
  }

  async shape(namespace: string, name: string): Promise<SecretShape | null> {
    const known = this.#cached?.(namespace, name);
    if (known) return shapeOf(known);
    const id = `${namespace}/${name}`;
    const cached = this.#cache.get(id);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.shape;
    let shape: SecretShape | null;
    try {
      shape = shapeOf(await this.client.get<V1Secret>(paths.secret(namespace, name)));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      shape = null;
    }
    this.#cache.set(id, { shape, at: Date.now() });
    if (this.#cache.size > 10_000) this.#cache.clear();
    return shape;
  }

  async keys(namespace: string, name: string): Promise<Set<string> | null> {
    return (await this.shape(namespace, name))?.keys ?? null;
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
  maxWorkerResources?: ResourceMaximums,
): Promise<ValidationProblem | undefined> {
  const problems = specProblems(spec, 'kubernetes');
  if (problems.length > 0) return { reason: 'InvalidConfiguration', message: problemsText(problems), retry: false };
  // spec.schedule is read by the controller only (cron syntax and time zone).
  const schedule = scheduleProblem(spec);
  if (schedule) return { reason: 'InvalidConfiguration', message: schedule, retry: false };
  // Not retried: the spec must change (or the admin raise the maximum and request a run).
  const overMaximum = resourcesOverMaximum(spec.resources, maxWorkerResources);
  if (overMaximum) return { reason: 'ResourcesOverMaximum', message: overMaximum, retry: false };
  for (const { ref, path } of secretRefsOf(spec)) {
    const shape = await secrets.shape(namespace, ref.name);
    if (shape === null) {
      return { reason: 'SecretNotFound', message: `${path}: Secret ${namespace}/${ref.name} not found`, retry: true };
    }
    const refused = secretNotAllowed(secrets.selector, shape, `${path}: Secret ${namespace}/${ref.name}`);
    if (refused) return refused;
    if (!shape.keys.has(ref.key)) {
      return {
        reason: 'SecretKeyNotFound',
        message: `${path}: Secret ${namespace}/${ref.name} has no key ${JSON.stringify(ref.key)}`,
        retry: true,
      };
    }
  }
  return undefined;
}

/**
 * The operator's opt-in restriction (--secret-selector): a Secret outside the
 * selector is refused, not retried (the Secret is looked at again at the next
 * spec change or run-now request). Pure.
 */
export function secretNotAllowed(
  selector: LabelSelector | undefined,
  shape: SecretShape,
  what: string,
): ValidationProblem | undefined {
  if (!selector || selectorMatches(selector, shape.labels)) return undefined;
  return {
    reason: 'SecretNotAllowed',
    message: `${what} is not allowed: this controller only uses Secrets matching the label selector ${selector.text} (--secret-selector)`,
    retry: false,
  };
}
