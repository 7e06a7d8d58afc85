/**
 * Checks the API server's schema cannot do, before any Job is created: the
 * regular expressions compile (JavaScript syntax, as the engine uses them)
 * and the referenced Secrets and keys exist. A problem becomes a clear
 * condition instead of a failing pod; a missing Secret is retried with
 * backoff (someone may create it next), an invalid regex is not.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { MailSyncSpec, SecretKeyRef } from '../api/spec.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import { paths } from './paths.js';

export interface ValidationProblem {
  /** Condition reason. */
  reason: 'InvalidConfiguration' | 'SecretNotFound' | 'SecretKeyNotFound';
  message: string;
  /** Retrying can help (the Secret may appear). */
  retry: boolean;
}

function regexProblem(pattern: string, flags: string | undefined, where: string): string | undefined {
  try {
    new RegExp(pattern, flags);
    return undefined;
  } catch (error) {
    return `${where}: invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`;
  }
}

/** Invalid regular expressions in folders.include/exclude/rename. Pure. */
export function regexProblems(spec: MailSyncSpec): string[] {
  const problems: string[] = [];
  const folders = spec.folders;
  folders?.include?.forEach((p, i) => {
    const problem = regexProblem(p, undefined, `folders.include[${i}]`);
    if (problem) problems.push(problem);
  });
  folders?.exclude?.forEach((p, i) => {
    const problem = regexProblem(p, undefined, `folders.exclude[${i}]`);
    if (problem) problems.push(problem);
  });
  folders?.rename?.forEach((rule, i) => {
    const problem = regexProblem(rule.from, rule.flags, `folders.rename[${i}].from`);
    if (problem) problems.push(problem);
  });
  return problems;
}

/** Every Secret reference of the spec, with where it is used. */
export function secretRefs(spec: MailSyncSpec): { ref: SecretKeyRef; where: string }[] {
  const refs: { ref: SecretKeyRef; where: string }[] = [];
  for (const side of ['source', 'destination'] as const) {
    const endpoint = spec[side];
    if (endpoint.passwordSecretRef) refs.push({ ref: endpoint.passwordSecretRef, where: `${side}.passwordSecretRef` });
    if (endpoint.oauth2TokenSecretRef) {
      refs.push({ ref: endpoint.oauth2TokenSecretRef, where: `${side}.oauth2TokenSecretRef` });
    }
    if (endpoint.caSecretRef) refs.push({ ref: endpoint.caSecretRef, where: `${side}.caSecretRef` });
  }
  return refs;
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
  const regex = regexProblems(spec);
  if (regex.length > 0) return { reason: 'InvalidConfiguration', message: regex.join('; '), retry: false };
  for (const side of ['source', 'destination'] as const) {
    const endpoint = spec[side];
    if (!endpoint.passwordSecretRef && !endpoint.oauth2TokenSecretRef) {
      return {
        reason: 'InvalidConfiguration',
        message: `${side}: set passwordSecretRef or oauth2TokenSecretRef`,
        retry: false,
      };
    }
  }
  for (const { ref, where } of secretRefs(spec)) {
    const keys = await secrets.keys(namespace, ref.name);
    if (keys === null) {
      return { reason: 'SecretNotFound', message: `${where}: Secret ${namespace}/${ref.name} not found`, retry: true };
    }
    if (!keys.has(ref.key)) {
      return {
        reason: 'SecretKeyNotFound',
        message: `${where}: Secret ${namespace}/${ref.name} has no key ${JSON.stringify(ref.key)}`,
        retry: true,
      };
    }
  }
  return undefined;
}
