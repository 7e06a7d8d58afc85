/**
 * ClusterView's indexes: the same answers as a scan of the caches, kept until
 * a cache's version moves, rebuilt on every call for a cache without one.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LABEL_MAILSYNC_UID, LABEL_PAIR, type MailSync } from '../../../src/api/mailsync.js';
import { ClusterView, type ObjectCache } from '../../../src/controller/cluster-view.js';
import type { KubeObject } from '../../../src/kube/informers.js';

/** A cache over a plain array; `versioned` gives it a version that moves with `set`. */
class ArrayCache<T extends KubeObject> implements ObjectCache<T> {
  #items: T[];
  #version = 0;
  lists = 0;
  constructor(
    items: T[],
    readonly versioned: boolean,
  ) {
    this.#items = items;
  }
  get version(): number | undefined {
    return this.versioned ? this.#version : undefined;
  }
  set(items: T[]): void {
    this.#items = items;
    this.#version++;
  }
  get(name: string, namespace: string): T | undefined {
    return this.#items.find((o) => o.metadata?.name === name && o.metadata?.namespace === namespace);
  }
  list(): T[] {
    this.lists++;
    return [...this.#items];
  }
}

const owner = (uid: string) => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  name: 'm',
  uid,
  controller: true,
});

function job(uid: string, pair: string, mailSyncUid: string, how: 'label' | 'owner' = 'owner'): V1Job {
  return {
    metadata: {
      name: `job-${uid}`,
      namespace: 'ns',
      uid,
      labels: { [LABEL_PAIR]: pair, ...(how === 'label' ? { [LABEL_MAILSYNC_UID]: mailSyncUid } : {}) },
      ownerReferences: how === 'owner' ? [owner(mailSyncUid)] : [],
    },
  };
}

function pod(name: string, jobUid: string, pair: string, mailSyncUid: string): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `pod-${name}`,
      labels: { [LABEL_PAIR]: pair, [LABEL_MAILSYNC_UID]: mailSyncUid },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: `job-${jobUid}`, uid: jobUid, controller: true }],
    },
  };
}

const names = (objects: readonly KubeObject[]) => objects.map((o) => o.metadata?.name);

describe.each([
  ['with a versioned cache', true],
  ['with a cache without version', false],
])('ClusterView %s', (_, versioned) => {
  function world() {
    const jobs = new ArrayCache<V1Job>(
      [job('j1', 'pairA', 'ms1'), job('j2', 'pairB', 'ms2', 'label'), job('j3', 'pairA', 'ms3')],
      versioned,
    );
    const pods = new ArrayCache<V1Pod>(
      [pod('p1', 'j1', 'pairA', 'ms1'), pod('p2', 'j1', 'pairA', 'ms1'), pod('p3', 'j2', 'pairB', 'ms2')],
      versioned,
    );
    const view = new ClusterView(new ArrayCache<MailSync>([], versioned), jobs, pods);
    return { jobs, pods, view };
  }

  it('answers as a scan would', () => {
    const { view, jobs } = world();
    expect(view.jobsOfPair('pairA').map((j) => j.uid)).toEqual(['j1', 'j3']);
    // A Job no MailSync controls (only a label) does not count for the pair.
    expect(view.jobsOfPair('pairB')).toEqual([]);
    expect(view.jobsOfMailSync('ms1').map((j) => j.uid)).toEqual(['j1']);
    expect(view.jobsOfMailSync('ms2').map((j) => j.uid)).toEqual(['j2']);
    expect(view.jobsOfMailSync('nobody')).toEqual([]);
    expect(view.jobByUid('j3')?.metadata?.name).toBe('job-j3');
    expect(view.jobByUid('j9')).toBeUndefined();
    expect(names(view.podsOfJob(jobs.list()[0]!))).toEqual(['p1', 'p2']);
    expect(names(view.podsOfMailSync('ms2'))).toEqual(['p3']);
    // A pod of another pair is not the Job's, whatever its owner says.
    expect(view.podsOfJob(job('j1', 'pairZ', 'ms1'))).toEqual([]);
  });

  it('sees every change of a cache', () => {
    const { view, jobs, pods } = world();
    expect(view.jobsOfPair('pairA')).toHaveLength(2);
    jobs.set([job('j3', 'pairA', 'ms3'), job('j4', 'pairC', 'ms1')]);
    expect(view.jobsOfPair('pairA').map((j) => j.uid)).toEqual(['j3']);
    expect(view.jobsOfMailSync('ms1').map((j) => j.uid)).toEqual(['j4']);
    expect(view.jobByUid('j1')).toBeUndefined();
    pods.set([pod('p4', 'j4', 'pairC', 'ms1')]);
    expect(names(view.podsOfMailSync('ms1'))).toEqual(['p4']);
    expect(names(view.podsOfJob(jobs.list()[1]!))).toEqual(['p4']);
  });

  it(versioned ? 'lists a cache once per version' : 'lists the cache on every call', () => {
    const { view, jobs } = world();
    for (let i = 0; i < 10; i++) view.jobByUid('j1');
    expect(jobs.lists).toBe(versioned ? 1 : 10);
  });

  it('hands out copies: a caller sorting its answer does not reorder the index', () => {
    const { view, jobs } = world();
    const first = view.podsOfJob(jobs.list()[0]!);
    first.reverse();
    expect(names(view.podsOfJob(jobs.list()[0]!))).toEqual(['p1', 'p2']);
  });
});

describe('batch Jobs (packed runs)', () => {
  const migrationRef = (uid: string) => ({
    apiVersion: 'mailsync.io/v1alpha1',
    kind: 'MailMigration',
    name: 'acme',
    uid,
    controller: true,
  });
  const child = (name: string, namespace: string, migrationUid: string): MailSync =>
    ({
      apiVersion: 'mailsync.io/v1alpha1',
      kind: 'MailSync',
      metadata: { name, namespace, uid: `uid-${namespace}-${name}`, ownerReferences: [migrationRef(migrationUid)] },
      spec: {},
    }) as unknown as MailSync;
  const batch = (namespace: string, migrationUid: string, members: { name: string; uid: string; pair: string }[]) =>
    ({
      metadata: {
        name: `b-${namespace}`,
        namespace,
        uid: `uid-b-${namespace}`,
        labels: { [LABEL_PAIR]: `b-${namespace}`, 'mailsync.io/batch': 'true' },
        annotations: {
          'mailsync.io/batch-members': JSON.stringify(
            members.map((m) => ({ ...m, generation: 3, sourceHost: 'a', destinationHost: 'b' })),
          ),
        },
        ownerReferences: [migrationRef(migrationUid)],
      },
      status: { active: 1 },
    }) as V1Job;

  it("is each member's own Job and holds each member's pair, seen as that member (its generation, its name)", () => {
    const ann = child('ann', 'ns', 'mm-1');
    const bob = child('bob', 'ns', 'mm-1');
    const jobs = [
      batch('ns', 'mm-1', [
        { name: 'ann', uid: ann.metadata.uid!, pair: 'p-ann' },
        { name: 'bob', uid: bob.metadata.uid!, pair: 'p-bob' },
      ]),
    ];
    const view = new ClusterView(
      new ArrayCache([ann, bob], true),
      new ArrayCache(jobs, true),
      new ArrayCache<V1Pod>([], true),
    );
    const [own] = view.jobsOfMailSync(bob.metadata.uid!);
    expect(own).toMatchObject({ name: 'b-ns', ownerUid: bob.metadata.uid, ownerName: 'bob' });
    expect(own?.batch?.member.name).toBe('bob');
    expect(own?.job.metadata?.annotations?.['mailsync.io/run-generation']).toBe('3');
    expect(view.jobsOfPair('p-ann').map((j) => j.ownerName)).toEqual(['ann']);
  });

  it("counts for nobody when it lists another namespace's MailSync, or one its migration does not control", () => {
    const victim = child('ann', 'victim', 'mm-v');
    const mine = child('bob', 'attacker', 'mm-other');
    const jobs = [
      // In the attacker's namespace, listing the victim's UID and pair.
      batch('attacker', 'mm-a', [{ name: 'ann', uid: victim.metadata.uid!, pair: 'p-victim' }]),
      // The attacker's own MailSync, but controlled by another migration than the Job's.
      batch('attacker2', 'mm-a', [{ name: 'bob', uid: mine.metadata.uid!, pair: 'p-bob' }]),
    ];
    const view = new ClusterView(
      new ArrayCache([victim, mine], true),
      new ArrayCache(jobs, true),
      new ArrayCache<V1Pod>([], true),
    );
    expect(view.jobsOfMailSync(victim.metadata.uid!)).toEqual([]);
    expect(view.jobsOfPair('p-victim')).toEqual([]);
    expect(view.jobsOfMailSync(mine.metadata.uid!)).toEqual([]);
    expect(view.jobsOfPair('p-bob')).toEqual([]);
  });
});
