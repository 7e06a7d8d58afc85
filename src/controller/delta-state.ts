/**
 * The engine's delta state between runs: the worker reports it in its final
 * summary; the controller keeps it in the MailSync's ConfigMap (key
 * state.json), which the next run's pod mounts.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { DeltaState } from '../api/events.js';
import type { MailSync } from '../api/mailsync.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import { buildConfigMap, STATE_KEY } from './job-builder.js';
import { configMapName } from './pair-hash.js';
import { paths } from './paths.js';

/** ConfigMaps hold at most 1 MiB; a state that big is dropped (the next run does a full comparison). */
const MAX_STATE_BYTES = 900 * 1024;

export async function saveDeltaState(
  client: KubeClient,
  mailSync: MailSync,
  pairHash: string,
  state: DeltaState,
): Promise<boolean> {
  const json = JSON.stringify(state);
  if (Buffer.byteLength(json) > MAX_STATE_BYTES) return false;
  const namespace = mailSync.metadata.namespace!;
  const name = configMapName(mailSync.metadata.name!);
  try {
    await client.mergePatch(paths.configMap(namespace, name), { data: { [STATE_KEY]: json } });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await client.create(
      paths.configMaps(namespace),
      buildConfigMap({ mailSync, pairHash, configMapName: name, stateJson: json }),
    );
  }
  return true;
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
