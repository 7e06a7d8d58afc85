/**
 * The engine's delta state between runs: the worker reports it in its final
 * summary; the controller keeps it in the MailSync's ConfigMap (key
 * state.json, with its digest in an annotation), which the next run's pod
 * mounts. Only a ConfigMap this MailSync controls is read or written
 * (state-configmap.ts).
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import { ANNOTATION_STATE_DIGEST, contentDigest } from '../api/content-digest.js';
import type { DeltaState } from '../api/events.js';
import type { MailSync } from '../api/mailsync.js';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../kube/kube-client.js';
import { buildConfigMap, STATE_KEY } from './job-builder.js';
import { configMapName } from './pair-hash.js';
import { paths } from './paths.js';
import { checkStateConfigMap } from './state-configmap.js';

/** ConfigMaps hold at most 1 MiB; a state that big is dropped (the next run does a full comparison). */
const MAX_STATE_BYTES = 900 * 1024;

/** saved; too big for a ConfigMap; or not written because the ConfigMap of that name is not this MailSync's. */
export type SaveResult = { saved: true } | { saved: false; why: string };

/**
 * The resourceVersion of each MailSync's ConfigMap (by MailSync UID) as this process last checked or
 * wrote it. A save patches that very version without reading it again (a precondition: a ConfigMap
 * changed or replaced since fails with 409, and the save reads and checks it as without one). One
 * request per run fewer; in memory only (after a restart, the first save reads).
 */
export type CheckedConfigMaps = Map<string, string>;

/** Note the version of a ConfigMap just checked as this MailSync's (or written by us). */
export function noteChecked(checked: CheckedConfigMaps, mailSync: MailSync, configMap: V1ConfigMap | undefined): void {
  const uid = mailSync.metadata.uid;
  const version = configMap?.metadata?.resourceVersion;
  if (!uid) return;
  if (version) checked.set(uid, version);
  else checked.delete(uid);
}

/** The state and its digest in one patch, on the object of this resourceVersion only. */
async function patchState(
  client: KubeClient,
  mailSync: MailSync,
  resourceVersion: string,
  json: string,
): Promise<V1ConfigMap> {
  return client.mergePatch<V1ConfigMap>(
    paths.configMap(mailSync.metadata.namespace!, configMapName(mailSync.metadata.name!)),
    {
      metadata: { resourceVersion, annotations: { [ANNOTATION_STATE_DIGEST]: contentDigest(json) } },
      data: { [STATE_KEY]: json },
    },
  );
}

export async function saveDeltaState(
  client: KubeClient,
  mailSync: MailSync,
  pairHash: string,
  state: DeltaState,
  checked: CheckedConfigMaps = new Map(),
): Promise<SaveResult> {
  const json = JSON.stringify(state);
  if (Buffer.byteLength(json) > MAX_STATE_BYTES) {
    return { saved: false, why: 'delta state too big for a ConfigMap; the next run compares everything' };
  }
  const uid = mailSync.metadata.uid ?? '';
  const known = checked.get(uid);
  if (known) {
    try {
      noteChecked(checked, mailSync, await patchState(client, mailSync, known, json));
      return { saved: true };
    } catch (error) {
      if (!isConflict(error) && !isNotFound(error)) throw error;
      // Changed or replaced since we checked it: read it and check it again.
      checked.delete(uid);
    }
  }
  const namespace = mailSync.metadata.namespace!;
  const name = configMapName(mailSync.metadata.name!);
  const existing = await readConfigMap(client, mailSync);
  const check = checkStateConfigMap(existing, mailSync);
  if (check.kind === 'foreign') return { saved: false, why: `delta state not saved: ${check.message}` };
  if (check.kind === 'absent') {
    const configMap = buildConfigMap({ mailSync, pairHash, configMapName: name, stateJson: json });
    configMap.metadata!.annotations = { [ANNOTATION_STATE_DIGEST]: contentDigest(json) };
    try {
      noteChecked(checked, mailSync, await client.create<V1ConfigMap>(paths.configMaps(namespace), configMap));
      return { saved: true };
    } catch (error) {
      // Created meanwhile, by us or someone else: the next save looks again; this state is lost (a full pass).
      if (isAlreadyExists(error))
        return { saved: false, why: 'delta state not saved: its ConfigMap appeared meanwhile' };
      throw error;
    }
  }
  // On the very object checked (a replaced one fails with 409).
  try {
    noteChecked(checked, mailSync, await patchState(client, mailSync, existing!.metadata!.resourceVersion!, json));
  } catch (error) {
    if (isConflict(error) || isNotFound(error)) {
      return { saved: false, why: 'delta state not saved: its ConfigMap changed meanwhile' };
    }
    throw error;
  }
  return { saved: true };
}

export async function readConfigMap(client: KubeClient, mailSync: MailSync): Promise<V1ConfigMap | undefined> {
  try {
    return await client.get<V1ConfigMap>(
      paths.configMap(mailSync.metadata.namespace!, configMapName(mailSync.metadata.name!)),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
