import type { V1OwnerReference } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { controlledByMailSync, mayMirror, waitView } from '../../src/controller/pair-wait.js';

const owner = (over: Partial<V1OwnerReference> = {}): V1OwnerReference => ({
  apiVersion: 'mailsync.io/v1alpha1',
  kind: 'MailSync',
  name: 'ann',
  uid: 'u1',
  controller: true,
  ...over,
});

describe('which Jobs count for account-pair exclusivity', () => {
  it.each<{ name: string; owners?: V1OwnerReference[]; counts: boolean }>([
    { name: 'controlled by a MailSync', owners: [owner()], counts: true },
    {
      name: 'controlled by a MailSync of another API version',
      owners: [owner({ apiVersion: 'mailsync.io/v1' })],
      counts: true,
    },
    { name: 'no owner (a hand-made Job with the label)', owners: undefined, counts: false },
    { name: 'owned by a MailSync but not as controller', owners: [owner({ controller: false })], counts: false },
    { name: 'controlled by a CronJob', owners: [owner({ apiVersion: 'batch/v1', kind: 'CronJob' })], counts: false },
    { name: 'kind MailSync of another API group', owners: [owner({ apiVersion: 'evil.example/v1' })], counts: false },
  ])('$name: $counts', ({ owners, counts }) => {
    expect(controlledByMailSync({ metadata: { ownerReferences: owners } })).toBe(counts);
  });
});

describe('what a waiting MailSync is told of the holder', () => {
  it.each([
    {
      name: 'same namespace: holder, Job and log',
      waiter: 'mail',
      holder: { namespace: 'mail', name: 'mailsync-h', ownerName: 'ann' },
      told: { holder: 'mail/ann', holderJob: 'mail/mailsync-h', mirror: true },
    },
    {
      name: 'same namespace, owner unknown: the Job stands for it',
      waiter: 'mail',
      holder: { namespace: 'mail', name: 'mailsync-h' },
      told: { holder: 'mail/mailsync-h', holderJob: 'mail/mailsync-h', mirror: true },
    },
    {
      name: 'another namespace: nothing but busy',
      waiter: 'mail',
      holder: { namespace: 'tenant-b', name: 'mailsync-h', ownerName: 'bob' },
      told: { mirror: false },
    },
    {
      name: 'waiter namespace unknown: nothing',
      waiter: '',
      holder: { namespace: '', name: 'mailsync-h', ownerName: 'bob' },
      told: { mirror: false },
    },
  ])('$name', ({ waiter, holder, told }) => {
    expect(waitView(waiter, holder)).toEqual(told);
  });

  it.each([
    ['mail', 'mail', true],
    ['mail', 'tenant-b', false],
    ['', '', false],
  ])('log of a run in %s mirrored to a waiter in %s: %s', (waiter, job, expected) => {
    expect(mayMirror(waiter as string, job as string)).toBe(expected);
  });
});
