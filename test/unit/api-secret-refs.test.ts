import { describe, expect, it } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import {
  mountedSecretPath,
  resolveMountedSecrets,
  SECRET_REF_FIELDS,
  secretRefsOf,
} from '../../src/api/secret-refs.js';
import type { Endpoint } from '../../src/api/spec.js';
import { buildJob } from '../../src/controller/job-builder.js';

const field = (ref: string) => SECRET_REF_FIELDS.find((f) => f.ref === ref)!;

describe('the Secret-reference table', () => {
  it.each([
    ['passwordSecretRef', 'password', 'passwordFile', true],
    ['oauth2TokenSecretRef', 'oauth2-token', 'oauth2TokenFile', true],
    ['oauth2RefreshSecretRef', 'oauth2-refresh.json', 'oauth2RefreshFile', true],
    ['caSecretRef', 'ca.crt', 'caFile', false],
  ])('%s is mounted as %s and becomes %s (credential: %s)', (ref, file, localField, credential) => {
    expect(field(ref)).toMatchObject({ file, localField, credential });
    expect(mountedSecretPath('destination', field(ref))).toBe(`/var/run/mailsync/secrets/destination/${file}`);
  });

  it.each<[string, Endpoint, string[]]>([
    ['none', { host: 'h', user: 'u', passwordFile: '/p' }, []],
    [
      'a password',
      { host: 'h', user: 'u', passwordSecretRef: { name: 's', key: 'k' } },
      ['spec.source.passwordSecretRef'],
    ],
    [
      'a token and a CA',
      { host: 'h', user: 'u', oauth2TokenSecretRef: { name: 't', key: 'k' }, caSecretRef: { name: 'c', key: 'ca' } },
      ['spec.source.oauth2TokenSecretRef', 'spec.source.caSecretRef'],
    ],
  ])('lists the references of an endpoint with %s', (_name, source, paths) => {
    const destination: Endpoint = { host: 'd', user: 'v', passwordSecretRef: { name: 'd', key: 'pw' } };
    const uses = secretRefsOf({ source, destination });
    expect(uses.map((u) => u.path)).toEqual([...paths, 'spec.destination.passwordSecretRef']);
    expect(uses.at(-1)).toMatchObject({ side: 'destination', ref: { name: 'd', key: 'pw' } });
  });

  it.each([
    ['a token', { oauth2TokenSecretRef: { name: 'tok', key: 'token' } }],
    ['refresh material', { oauth2RefreshSecretRef: { name: 'oauth', key: 'refresh.json' } }],
  ])(
    'mounts in the Job exactly the files the worker resolves the references to (destination: %s)',
    (_n, credential) => {
      const spec = {
        source: {
          host: 'a',
          user: 'u',
          passwordSecretRef: { name: 'pw', key: 'old' },
          caSecretRef: { name: 'ca', key: 'ca.pem' },
        },
        destination: { host: 'b', user: 'v', ...credential },
      };
      const mailSync = {
        apiVersion: 'mailsync.io/v1alpha1',
        kind: 'MailSync',
        metadata: { name: 'joe', namespace: 'ns', uid: 'uid-1', generation: 1 },
        spec,
      } as MailSync;
      const job = buildJob({
        mailSync,
        pairHash: 'p'.repeat(40),
        jobName: 'mailsync-x',
        configMapName: 'mailsync-joe',
        hasState: false,
        worker: { image: 'img', hostNetwork: false },
      });
      const pod = job.spec!.template.spec!;
      const mounted: string[] = [];
      for (const mount of pod.containers[0]!.volumeMounts ?? []) {
        const volume = pod.volumes!.find((v) => v.name === mount.name)!;
        for (const source of volume.projected?.sources ?? []) {
          for (const item of source.secret!.items!) mounted.push(`${mount.mountPath}/${item.path}`);
        }
      }
      const resolved = resolveMountedSecrets(spec);
      const files = ['source', 'destination'].flatMap((side) =>
        Object.entries(resolved[side] as Record<string, string>)
          .filter(([key]) => key.endsWith('File'))
          .map(([, path]) => path),
      );
      expect(mounted.sort()).toEqual(files.sort());
      expect(files).toHaveLength(3);
    },
  );
});
