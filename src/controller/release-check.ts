/**
 * The start-up check that refuses to share watched namespaces with another Helm release's controller
 * (decision: release-claim.ts). It writes our claim on our own leader Lease, then lists the other
 * claims cluster-wide by label.
 *
 * RBAC it needs, and nothing more: get, create and update on our own Lease in the release namespace
 * (leader election has them already) and list on Leases cluster-wide (read-only: the other releases
 * may live in any namespace). A Lease holds no secret, only holder names and times.
 */
import type { V1Lease, V1LeaseList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isConflict, isNotFound, KubeApiError, type KubeClient } from '../kube/kube-client.js';
import { paths } from '../kube/paths.js';
import {
  blockingClaims,
  type ClaimConflict,
  claimAnnotations,
  claimFromLease,
  claimSince,
  conflictMessage,
  LABEL_WATCH_CLAIM,
  type OwnClaim,
  type Watched,
} from './release-claim.js';

export interface ReleaseCheckOptions {
  /** `<namespace>/<name>` of our Helm release. */
  release: string;
  namespaces: Watched;
  leaseNamespace: string;
  leaseName: string;
  /** A claim neither renewed nor re-written for this long blocks nobody. */
  staleSeconds: number;
  now?: () => number;
}

export type ReleaseCheckReason = 'NamespacesAlreadyWatched' | 'ClaimCheckForbidden' | 'ClaimCheckFailed';

export class ReleaseCheckError extends Error {
  constructor(
    readonly reason: ReleaseCheckReason,
    message: string,
    readonly conflicts: readonly ClaimConflict[] = [],
  ) {
    super(message);
    this.name = 'ReleaseCheckError';
  }
}

const WRITE_ATTEMPTS = 5;

/** Writes our claim (creating the Lease, unheld, if it does not exist); returns it as written. */
async function writeOwnClaim(client: KubeClient, options: ReleaseCheckOptions, now: number): Promise<OwnClaim> {
  const { leaseNamespace: namespace, leaseName: name, release, namespaces } = options;
  const staleMs = options.staleSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      let lease: V1Lease;
      try {
        lease = await client.get<V1Lease>(paths.lease(namespace, name));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        // unheld: the leader election takes it like an expired one
        await client.create(paths.leases(namespace), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name,
            namespace,
            labels: { [LABEL_WATCH_CLAIM]: 'true' },
            annotations: claimAnnotations(release, namespaces, now, now),
          },
          spec: {},
        });
        return { release, namespaces, since: now, established: false };
      }
      const previous = claimFromLease(lease);
      const since = claimSince(previous, release, namespaces, now, staleMs);
      const annotations = claimAnnotations(release, namespaces, since, now);
      await client.replace(paths.lease(namespace, name), {
        ...lease,
        metadata: {
          ...lease.metadata,
          labels: { ...lease.metadata?.labels, [LABEL_WATCH_CLAIM]: 'true' },
          annotations: { ...lease.metadata?.annotations, ...annotations },
        },
      });
      const held = claimFromLease({ ...lease, metadata: { ...lease.metadata, annotations } })!.heldUntil > now;
      return { release, namespaces, since, established: held };
    } catch (error) {
      // 409: the leader (another replica of this release) renewed meanwhile, or a replica created it first
      if (attempt < WRITE_ATTEMPTS && isConflict(error)) continue;
      throw error;
    }
  }
}

const forbidden = (error: unknown) => error instanceof KubeApiError && error.status === 403;

/**
 * Resolves when no other release watches our namespaces; throws ReleaseCheckError otherwise (reason
 * NamespacesAlreadyWatched), or when the check itself cannot be made (ClaimCheckForbidden: the
 * RBAC above is missing; ClaimCheckFailed: the API server did not answer).
 */
export async function checkReleaseClaims(client: KubeClient, log: Logger, options: ReleaseCheckOptions): Promise<void> {
  const now = (options.now ?? Date.now)();
  const lease = `${options.leaseNamespace}/${options.leaseName}`;
  let own: OwnClaim;
  let leases: V1Lease[];
  try {
    own = await writeOwnClaim(client, options, now);
    leases = (await client.get<V1LeaseList>(paths.leases(), { labelSelector: LABEL_WATCH_CLAIM })).items;
  } catch (error) {
    if (forbidden(error)) {
      throw new ReleaseCheckError(
        'ClaimCheckForbidden',
        `cannot check which namespaces other releases watch: ${(error as Error).message}. The controller needs ` +
          `get, create and update on its Lease ${lease} and list on coordination.k8s.io leases in all namespaces ` +
          '(the chart grants them); or start it without --release to skip the check',
      );
    }
    throw new ReleaseCheckError(
      'ClaimCheckFailed',
      `cannot check which namespaces other releases watch: ${(error as Error).message}`,
    );
  }
  const others = leases
    .filter((l) => `${l.metadata?.namespace}/${l.metadata?.name}` !== lease)
    .flatMap((l) => claimFromLease(l) ?? []);
  const conflicts = blockingClaims(own, others, now, options.staleSeconds * 1000);
  if (conflicts.length > 0) {
    throw new ReleaseCheckError('NamespacesAlreadyWatched', conflictMessage(own, conflicts), conflicts);
  }
  log.info(
    {
      release: options.release,
      lease,
      namespaces: options.namespaces,
      otherClaims: others.map((c) => `${c.release} (${c.namespaces === 'all' ? '*' : c.namespaces.join(',')})`),
    },
    'no other release watches these namespaces',
  );
}
