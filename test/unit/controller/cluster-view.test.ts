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
