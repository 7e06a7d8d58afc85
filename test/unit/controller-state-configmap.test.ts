import type { V1ConfigMap, V1OwnerReference } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ANNOTATION_STATE_DIGEST, contentDigest } from '../../src/api/content-digest.js';
import { ownerReference } from '../../src/controller/job-builder.js';
import { checkStateConfigMap } from '../../src/controller/state-configmap.js';
import { mailSync, NS } from './controller/fixtures.js';

const joe = mailSync();
const STATE = '{"version":1,"folders":{"INBOX":{"uidNext":42}}}';

function configMap(opts: { owners?: V1OwnerReference[]; state?: string; digest?: string }): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'mailsync-joe',
      namespace: NS,
      ...(opts.owners ? { ownerReferences: opts.owners } : {}),
      ...(opts.digest ? { annotations: { [ANNOTATION_STATE_DIGEST]: opts.digest } } : {}),
    },
    data: { 'spec.json': '{}', ...(opts.state !== undefined ? { 'state.json': opts.state } : {}) },
  };
}

const ours = [ownerReference(joe)];
const CM = `ConfigMap ${NS}/mailsync-joe`;

describe('checkStateConfigMap', () => {
  it.each<[string, V1ConfigMap | undefined, ReturnType<typeof checkStateConfigMap>]>([
    ['none yet', undefined, { kind: 'absent' }],
    ['ours, no state', configMap({ owners: ours }), { kind: 'ours', state: 'none' }],
    [
      'ours, state with its digest',
      configMap({ owners: ours, state: STATE, digest: contentDigest(STATE) }),
      { kind: 'ours', state: 'intact', digest: contentDigest(STATE) },
    ],
    [
      'ours, among other owners',
      configMap({
        owners: [{ apiVersion: 'v1', kind: 'Thing', name: 't', uid: 'u' }, ...ours],
        state: STATE,
        digest: contentDigest(STATE),
      }),
      { kind: 'ours', state: 'intact', digest: contentDigest(STATE) },
    ],
    [
      'ours, state changed after the digest',
      configMap({ owners: ours, state: STATE.replace('42', '7'), digest: contentDigest(STATE) }),
      {
        kind: 'ours',
        state: 'dropped',
        why: `the delta state in ${CM} does not match its digest (changed since the controller wrote it)`,
      },
    ],
    [
      'ours, digest of something else',
      configMap({ owners: ours, state: STATE, digest: 'sha256:00' }),
      { kind: 'ours', state: 'dropped', why: expect.stringContaining('does not match its digest') },
    ],
    [
      'ours, state without a digest',
      configMap({ owners: ours, state: STATE }),
      { kind: 'ours', state: 'dropped', why: `the delta state in ${CM} has no digest (mailsync.io/state-digest)` },
    ],
    [
      'no owner at all',
      configMap({ state: STATE, digest: contentDigest(STATE) }),
      {
        kind: 'foreign',
        message: `${CM} has no controller, not by this MailSync: it is neither read nor overwritten; delete or rename it`,
      },
    ],
    [
      'this MailSync as a plain owner, not controller',
      configMap({ owners: [{ ...ownerReference(joe), controller: false }] }),
      { kind: 'foreign', message: expect.stringContaining('has no controller') },
    ],
    [
      'a MailSync of the same name with another UID',
      configMap({ owners: [{ ...ownerReference(joe), uid: 'uid-old' }] }),
      { kind: 'foreign', message: expect.stringContaining('is controlled by another object (MailSync joe)') },
    ],
    [
      'another kind with the same UID',
      configMap({ owners: [{ ...ownerReference(joe), kind: 'Job', name: 'j' }] }),
      { kind: 'foreign', message: expect.stringContaining('is controlled by another object (Job j)') },
    ],
  ])('%s', (_name, cm, expected) => {
    expect(checkStateConfigMap(cm, joe)).toEqual(expected);
  });

  it('digests the UTF-8 text as stored (the worker hashes the mounted file the same way)', () => {
    expect(contentDigest('{"Entwürfe":{}}')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(contentDigest('{"Entwürfe":{}}')).not.toBe(contentDigest('{"Entwurfe":{}}'));
  });
});
