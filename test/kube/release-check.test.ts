/**
 * The start-up release check against the fake API server: our claim goes on our own Lease (created
 * unheld when missing, then taken by the real leader election with the claim kept), the other
 * releases' claims are listed across namespaces by label, and an overlap refuses with the namespaces
 * and the release named; stale claims block nothing; missing RBAC is a clear error.
 */
import type { V1Lease } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkReleaseClaims, type ReleaseCheckOptions } from '../../src/controller/release-check.js';
import { claimAnnotations, LABEL_WATCH_CLAIM, type Watched } from '../../src/controller/release-claim.js';
import type { KubeClient } from '../../src/kube/kube-client.js';
import { LeaderElector } from '../../src/kube/leader-election.js';
import { paths } from '../../src/kube/paths.js';
import { FakeApiServer } from './fake-api-server.js';

const log = pino({ level: 'silent' });
const ALL_LEASES = paths.leases();
const OURS: ReleaseCheckOptions = {
  release: 'team-b/ms',
  namespaces: ['mail'],
  leaseNamespace: 'team-b',
  leaseName: 'ms-mailsync-operator',
  staleSeconds: 120,
};

let server: FakeApiServer;
let client: KubeClient;

beforeEach(async () => {
  server = await new FakeApiServer().start();
  server.collections.add(ALL_LEASES);
  client = await server.client({ timeoutMs: 5000 });
});
afterEach(async () => {
  client.close();
  await server.stop();
});

/** Another release's Lease with its claim; renewed `renewedAgo` ms ago by a holder, or never held. */
function otherRelease(
  release: string,
  namespaces: Watched,
  { renewedAgo, claimedAgo = 3_600_000 }: { renewedAgo?: number; claimedAgo?: number } = {},
) {
  const [namespace, name] = release.split('/') as [string, string];
  const now = Date.now();
  server.put(paths.lease(namespace, `${name}-mailsync-operator`), {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: `${name}-mailsync-operator`,
      namespace,
      labels: { [LABEL_WATCH_CLAIM]: 'true' },
      annotations: claimAnnotations(release, namespaces, now - claimedAgo, now - claimedAgo),
    },
    spec:
      renewedAgo === undefined
        ? {}
        : { holderIdentity: 'pod-1', leaseDurationSeconds: 12, renewTime: new Date(now - renewedAgo).toISOString() },
  });
}

const ownLease = () => server.objects.get(paths.lease(OURS.leaseNamespace, OURS.leaseName)) as V1Lease | undefined;

describe('checkReleaseClaims', () => {
  it('alone: writes our claim on an unheld Lease, which leader election then takes with the claim kept', async () => {
    otherRelease('team-c/ms', ['elsewhere'], { renewedAgo: 1000 }); // running, but apart
    server.put(paths.lease('kube-node-lease', 'node-1'), {
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
    });
    await expect(checkReleaseClaims(client, log, OURS)).resolves.toBeUndefined();
    // one list across namespaces, by label (a node heartbeat Lease is not read)
    const lists = server.seen('GET', ALL_LEASES);
    expect(lists.map((r) => r.query.get('labelSelector'))).toEqual([LABEL_WATCH_CLAIM]);
    const lease = ownLease()!;
    expect(lease.metadata?.labels).toEqual({ [LABEL_WATCH_CLAIM]: 'true' });
    expect(lease.metadata?.annotations).toMatchObject({
      'mailsync.io/release': 'team-b/ms',
      'mailsync.io/watch-namespaces': 'mail',
    });
    expect(lease.spec?.holderIdentity).toBeUndefined();

    const elector = new LeaderElector(client, log, {
      namespace: OURS.leaseNamespace,
      name: OURS.leaseName,
      identity: 'pod-a',
      leaseDurationSeconds: 2,
      renewDeadlineSeconds: 1,
      retryPeriodSeconds: 0.1,
    });
    let started!: () => void;
    const leading = new Promise<void>((resolve) => {
      started = resolve;
    });
    void elector.run({ onStarted: () => started(), onStopped: () => {} });
    await leading;
    await elector.stop();
    expect(ownLease()?.metadata?.annotations?.['mailsync.io/release']).toBe('team-b/ms');
  });

  it('refuses when a running release watches one of our namespaces, naming it; our claim is written', async () => {
    otherRelease('team-a/ms', ['mail', 'other'], { renewedAgo: 1000 });
    const error = await checkReleaseClaims(client, log, { ...OURS, namespaces: ['mail', 'spare'] }).catch((e) => e);
    expect(error).toMatchObject({ name: 'ReleaseCheckError', reason: 'NamespacesAlreadyWatched' });
    expect(error.message).toContain(
      'release team-b/ms refuses to start: namespace mail is already watched by release team-a/ms (running; claim on Lease team-a/ms-mailsync-operator)',
    );
    expect(error.conflicts).toEqual([
      { release: 'team-a/ms', lease: 'team-a/ms-mailsync-operator', shared: ['mail'], running: true },
    ]);
    expect(ownLease()?.metadata?.annotations?.['mailsync.io/watch-namespaces']).toBe('mail,spare');
  });

  it('a cluster-wide release blocks a namespaced one, and the other way round', async () => {
    otherRelease('ops/everything', 'all', { renewedAgo: 1000 });
    await expect(checkReleaseClaims(client, log, OURS)).rejects.toThrow(
      'namespace mail is already watched by release ops/everything',
    );
    server.remove(paths.lease('ops', 'everything-mailsync-operator'));
    otherRelease('team-a/ms', ['mail'], { renewedAgo: 1000 });
    await expect(checkReleaseClaims(client, log, { ...OURS, namespaces: 'all' })).rejects.toThrow(
      'namespace mail is already watched by release team-a/ms',
    );
  });

  it('a stale claim (Lease expired 3 minutes ago, nothing re-claimed) blocks nothing', async () => {
    otherRelease('team-a/ms', ['mail'], { renewedAgo: 180_000, claimedAgo: 600_000 });
    await expect(checkReleaseClaims(client, log, OURS)).resolves.toBeUndefined();
  });

  it('two releases starting one after the other: the first claim wins, on every later check too', async () => {
    const first = { ...OURS, release: 'team-z/first', leaseNamespace: 'team-z', leaseName: 'first' };
    await expect(checkReleaseClaims(client, log, first)).resolves.toBeUndefined();
    // the second sees the first's claim (not yet leading) and gives way
    await expect(checkReleaseClaims(client, log, OURS)).rejects.toThrow(
      'namespace mail is already watched by release team-z/first (starting',
    );
    // the first, checking again before it leads (a restart), still wins: the second's claim is newer
    await expect(checkReleaseClaims(client, log, first)).resolves.toBeUndefined();
  });

  it('our own Lease is held (a rolling update): a release that is only starting does not stop us', async () => {
    server.put(paths.lease(OURS.leaseNamespace, OURS.leaseName), {
      metadata: { name: OURS.leaseName, namespace: OURS.leaseNamespace },
      spec: { holderIdentity: 'old-pod', leaseDurationSeconds: 12, renewTime: new Date().toISOString() },
    });
    otherRelease('team-a/ms', ['mail'], { claimedAgo: 5000 }); // refused a moment ago, never held
    await expect(checkReleaseClaims(client, log, OURS)).resolves.toBeUndefined();
    // the leader's fields are left alone
    expect(ownLease()?.spec?.holderIdentity).toBe('old-pod');
  });

  it('a rolling update (our old leader released the Lease a moment ago) keeps our older claim', async () => {
    const now = Date.now();
    server.put(paths.lease(OURS.leaseNamespace, OURS.leaseName), {
      metadata: {
        name: OURS.leaseName,
        namespace: OURS.leaseNamespace,
        labels: { [LABEL_WATCH_CLAIM]: 'true' },
        annotations: claimAnnotations(OURS.release, OURS.namespaces, now - 3_600_000, now - 3_600_000),
      },
      spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date(now - 3000).toISOString() },
    });
    otherRelease('team-a/ms', ['mail'], { claimedAgo: 60_000 }); // refused, re-checking, never held
    await expect(checkReleaseClaims(client, log, OURS)).resolves.toBeUndefined();
    expect(ownLease()?.metadata?.annotations?.['mailsync.io/claimed-since']).toBe(
      new Date(now - 3_600_000).toISOString(),
    );
    // and the other one, checking again, still gives way to us
    await expect(
      checkReleaseClaims(client, log, {
        ...OURS,
        release: 'team-a/ms',
        leaseNamespace: 'team-a',
        leaseName: 'ms-mailsync-operator',
      }),
    ).rejects.toThrow('namespace mail is already watched by release team-b/ms (starting');
  });

  it('retries when the leader renews our Lease between our read and our write (409)', async () => {
    server.put(paths.lease(OURS.leaseNamespace, OURS.leaseName), {
      metadata: { name: OURS.leaseName, namespace: OURS.leaseNamespace },
      spec: {},
    });
    server.fail(
      paths.lease(OURS.leaseNamespace, OURS.leaseName),
      { kind: 'status', status: 409, reason: 'Conflict' },
      1,
      'PUT',
    );
    await expect(checkReleaseClaims(client, log, OURS)).resolves.toBeUndefined();
    expect(server.seen('PUT', paths.lease(OURS.leaseNamespace, OURS.leaseName))).toHaveLength(2);
    expect(ownLease()?.metadata?.annotations?.['mailsync.io/release']).toBe('team-b/ms');
  });

  it('without the RBAC to list Leases: a clear error naming what is missing', async () => {
    server.fail(ALL_LEASES, { kind: 'status', status: 403, reason: 'Forbidden' });
    const error = await checkReleaseClaims(client, log, OURS).catch((e) => e);
    expect(error).toMatchObject({ reason: 'ClaimCheckForbidden' });
    expect(error.message).toContain(
      'list on coordination.k8s.io leases in all namespaces (the chart grants them); or start it without --release',
    );
  });
});
