/**
 * Access to the cluster under test: only KUBECONFIG (and MAILSYNC_IMAGE for
 * tests that run worker pods) are needed, so the suite runs on the local
 * cluster and on kind alike.
 */
import { randomBytes } from 'node:crypto';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { buildCrd } from '../../../src/api/crd.js';
import { CRD_NAME, type MailSync } from '../../../src/api/mailsync.js';
import type { MailSyncSpec } from '../../../src/api/spec.js';
import { paths } from '../../../src/controller/paths.js';
import { isAlreadyExists, isNotFound, KubeApiError, KubeClient } from '../../../src/kube/kube-client.js';
import { loadConnectionSource } from '../../../src/kube/kube-config.js';

export const KUBECONFIG = process.env.KUBECONFIG;
export const IMAGE = process.env.MAILSYNC_IMAGE;

/** Why the Kubernetes tests cannot run here, or undefined. Printed by the skipping tests. */
export function clusterSkipReason(): string | undefined {
  if (!KUBECONFIG) return 'KUBECONFIG is not set (start the local cluster: make cluster-up)';
  return undefined;
}

export function imageSkipReason(): string | undefined {
  return clusterSkipReason() ?? (IMAGE ? undefined : 'MAILSYNC_IMAGE is not set (make cluster-image builds it)');
}

export async function connect(): Promise<{ client: KubeClient }> {
  return { client: new KubeClient(await loadConnectionSource(), { userAgent: 'mailsync-e2e' }) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `probe` returns a value (not undefined/false); throws with the last state on timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  intervalMs = 500,
  /** What to say about the last state when giving up. */
  lastState?: () => Promise<string>,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > end) {
      const state = lastState ? await lastState().catch((e) => String(e)) : '';
      throw new Error(
        `timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}${state ? `; last state: ${state}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Create or update the CRD from the generator and wait until it is Established. */
export async function installCrd(client: KubeClient): Promise<void> {
  const crd = buildCrd() as { metadata: { resourceVersion?: string } };
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`;
  try {
    await client.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const existing = await client.get<{ metadata: { resourceVersion: string } }>(path);
    await client.replace(path, {
      ...crd,
      metadata: { ...crd.metadata, resourceVersion: existing.metadata.resourceVersion },
    });
  }
  await waitFor('CRD established', async () => {
    const current = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(path);
    return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  });
  // Discovery can lag behind Established for a moment.
  await waitFor('MailSync API served', async () => {
    await client.get(paths.mailSyncs('default'));
    return true;
  });
}

export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.delete(`/api/v1/namespaces/${name}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Deletes a namespace and waits until the API server no longer has it (its finalizers done). */
export async function deleteNamespaceAndWait(client: KubeClient, name: string, timeoutMs: number): Promise<void> {
  await deleteNamespace(client, name);
  await waitFor(
    `namespace ${name} gone`,
    async () => {
      try {
        await client.get(`/api/v1/namespaces/${name}`);
        return false;
      } catch {
        return true;
      }
    },
    timeoutMs,
    2000,
  );
}

export function mailSyncObject(namespace: string, name: string, spec: MailSyncSpec): MailSync {
  return { apiVersion: 'mailsync.io/v1alpha1', kind: 'MailSync', metadata: { name, namespace }, spec };
}

export async function createMailSync(client: KubeClient, namespace: string, name: string, spec: MailSyncSpec) {
  return client.create<MailSync>(paths.mailSyncs(namespace), mailSyncObject(namespace, name, spec));
}

export async function getMailSync(client: KubeClient, namespace: string, name: string): Promise<MailSync | undefined> {
  try {
    return await client.get<MailSync>(paths.mailSync(namespace, name));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function createSecret(client: KubeClient, namespace: string, name: string, data: Record<string, string>) {
  await client.create(`/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    stringData: data,
  });
}

export async function listJobs(client: KubeClient, namespace: string): Promise<V1Job[]> {
  return (await client.get<{ items: V1Job[] }>(paths.jobs(namespace))).items;
}

export async function listPods(client: KubeClient, namespace: string, labelSelector?: string): Promise<V1Pod[]> {
  return (await client.get<{ items: V1Pod[] }>(paths.pods(namespace), labelSelector ? { labelSelector } : undefined))
    .items;
}

export interface EventItem {
  reason: string;
  message: string;
  type: string;
  involvedObject: { name: string; kind: string };
  lastTimestamp?: string;
  eventTime?: string;
}

export async function listEvents(client: KubeClient, namespace: string, name?: string): Promise<EventItem[]> {
  const items = (await client.get<{ items: EventItem[] }>(paths.events(namespace))).items;
  return items.filter((e) => e.involvedObject.kind === 'MailSync' && (!name || e.involvedObject.name === name));
}

/** The message of a rejected request (what kubectl would print). */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KubeApiError) return error.message;
    throw error;
  }
  throw new Error('the API server accepted it');
}
