/**
 * Whether the MailSync's ConfigMap (`mailsync-<name>`: the worker's spec and
 * the delta state) may be used. Pure.
 *
 * Ownership: the name is predictable, so anyone who may create ConfigMaps in
 * the namespace could create it first. Only a ConfigMap controlled by this
 * MailSync (owner reference with `controller: true` and its UID) is read,
 * written or mounted; any other is refused, never overwritten.
 *
 * Integrity: the state is written together with its digest (one patch); a
 * state whose digest does not match (edited by hand or by a tool, cut, or
 * written without one by an older version) is dropped and the run compares
 * everything. A full comparison is still exact: the state only lets the engine
 * skip folders that did not change.
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import { ANNOTATION_STATE_DIGEST, contentDigest } from '../api/content-digest.js';
import { KIND, type MailSync } from '../api/mailsync.js';
import { STATE_KEY } from './job-builder.js';

export type StateConfigMapCheck =
  | { kind: 'absent' }
  /** Someone else's ConfigMap under our name: do not touch it. */
  | { kind: 'foreign'; message: string }
  | { kind: 'ours'; state: 'none' }
  /** The state as written by the controller, with its digest (the worker checks the file against it). */
  | { kind: 'ours'; state: 'intact'; digest: string }
  /** A state whose digest does not match: to be dropped (why says what was wrong). */
  | { kind: 'ours'; state: 'dropped'; why: string };

export function checkStateConfigMap(configMap: V1ConfigMap | undefined, mailSync: MailSync): StateConfigMapCheck {
  if (!configMap) return { kind: 'absent' };
  const name = `ConfigMap ${configMap.metadata?.namespace}/${configMap.metadata?.name}`;
  const controller = configMap.metadata?.ownerReferences?.find((o) => o.controller === true);
  if (!controller || controller.uid !== mailSync.metadata.uid || controller.kind !== KIND) {
    const owner = controller
      ? `is controlled by another object (${controller.kind} ${controller.name})`
      : 'has no controller';
    return {
      kind: 'foreign',
      message: `${name} ${owner}, not by this MailSync: it is neither read nor overwritten; delete or rename it`,
    };
  }
  const state = configMap.data?.[STATE_KEY];
  if (state === undefined) return { kind: 'ours', state: 'none' };
  const written = configMap.metadata?.annotations?.[ANNOTATION_STATE_DIGEST];
  if (written === undefined) {
    return {
      kind: 'ours',
      state: 'dropped',
      why: `the delta state in ${name} has no digest (${ANNOTATION_STATE_DIGEST})`,
    };
  }
  const digest = contentDigest(state);
  if (written !== digest) {
    return {
      kind: 'ours',
      state: 'dropped',
      why: `the delta state in ${name} does not match its digest (changed since the controller wrote it)`,
    };
  }
  return { kind: 'ours', state: 'intact', digest };
}
