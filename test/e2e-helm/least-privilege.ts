/**
 * Least privilege of the installed chart, proven on the local cluster:
 *  - namespace scope (ci/local-cluster-values.yaml: rbac.scope=namespace, the release namespace
 *    watched): a MailSync in another namespace is never touched, not even read;
 *  - the API server's audit log (test/cluster/cluster.sh) of this group: every verb the chart grants
 *    the controller's ServiceAccount was used, the API server refused the controller nothing, and
 *    no password of the tests is in the log.
 */
import { expect } from 'vitest';
import type { MailSync } from '../../src/api/mailsync.js';
import {
  forbiddenRequests,
  grantsOf,
  grantText,
  requestsIn,
  requestsOf,
  requestText,
  unusedGrants,
} from '../chart/rbac-usage.js';
import { installed, renderChart } from '../chart/render.js';
import { readAudit } from './audit-log.js';
import { apply, getJson, kubectl, must } from './cluster.js';
import { DEPLOYMENT, NAMESPACE, RELEASE, SECOND_DEPLOYMENT, SECOND_NAMESPACE } from './release.js';
import { USER_NAMESPACE } from './user-rbac.js';

/** A namespace the release does not watch. */
export const UNWATCHED_NAMESPACE = 'mailsync-helm-e2e-unwatched';
const UNWATCHED_SYNC = 'not-mine';

/** The controllers' users in the audit log (the chart's ServiceAccount is named after the release). */
export const CONTROLLER_USER = `system:serviceaccount:${NAMESPACE}:${DEPLOYMENT}`;
const SECOND_USER = `system:serviceaccount:${SECOND_NAMESPACE}:${SECOND_DEPLOYMENT}`;

/**
 * Grants RBAC checks without a request of their own, so the audit log cannot show them used:
 * the API server's OwnerReferencesPermissionEnforcement admission (on in OpenShift and many
 * hardened clusters) checks `update` on the owner's finalizers subresource when an object is
 * created with an ownerReference that sets blockOwnerDeletion (the controller's Jobs and
 * ConfigMaps, the migration's child MailSyncs and Secrets). checkLeastPrivilege checks that the
 * controller's Job sets it.
 */
const CHECKED_BY_ADMISSION = [
  { apiGroup: 'mailsync.io', resource: 'mailsyncs/finalizers', verb: 'update', why: 'blockOwnerDeletion' },
  { apiGroup: 'mailsync.io', resource: 'mailmigrations/finalizers', verb: 'update', why: 'blockOwnerDeletion' },
] as const;

/** A MailSync (with its Secret) in a namespace the release does not watch: it must stay as applied. */
export function placeUnwatched(objects: (name: string) => object[]): void {
  kubectl(['create', 'namespace', UNWATCHED_NAMESPACE]);
  apply(UNWATCHED_NAMESPACE, objects(UNWATCHED_SYNC));
}

/** After the release ran a sync of its own: the unwatched MailSync has no status, finalizer, Job or Event. */
export function unwatchedUntouched(): void {
  const ms = getJson<MailSync>(['-n', UNWATCHED_NAMESPACE, 'mailsync', UNWATCHED_SYNC]);
  expect(ms?.metadata.name).toBe(UNWATCHED_SYNC);
  expect(ms?.status).toBeUndefined();
  expect(ms?.metadata.finalizers ?? []).toEqual([]);
  const list = (kind: string) =>
    must(kubectl(['-n', UNWATCHED_NAMESPACE, 'get', kind, '-o', 'name']), `list ${kind}`)
      .trim()
      .split('\n')
      .filter(Boolean);
  expect(list('jobs')).toEqual([]);
  expect(list('configmaps').filter((n) => n.includes(UNWATCHED_SYNC))).toEqual([]);
  expect(list('events')).toEqual([]);
}

export interface LeastPrivilegeInput {
  helm: string;
  /** the release's helm arguments (test/e2e-helm/release.ts releaseValues) */
  values: string[];
  since: Date;
  /**
   * When the uninstall began: `helm uninstall` deletes the Roles and the Deployment at once, so the
   * stopping controller's last Lease renewal may be refused; refusals after it are not counted.
   */
  until?: Date;
  /** every password and token the group used */
  secrets: string[];
  /** a worker Job the controller created */
  jobName: string;
}

export async function checkLeastPrivilege(input: LeastPrivilegeInput): Promise<void> {
  const { events, secretsFound } = await readAudit(input.since, [CONTROLLER_USER, SECOND_USER], input.secrets);
  // metadata level: no request or response body, so no password
  expect(secretsFound).toEqual([]);
  const requests = requestsOf(events, new Set([CONTROLLER_USER, SECOND_USER]));
  const controller = requests.filter((r) => r.user === CONTROLLER_USER);
  // the log is written for this ServiceAccount at all (else every check below would pass on nothing)
  expect(controller.filter((r) => r.resource === 'mailsyncs/status').length).toBeGreaterThan(0);

  const refused = forbiddenRequests(requests).filter((r) => !input.until || r.receivedAt < input.until.getTime());
  expect(refused.map(requestText)).toEqual([]);
  expect(requestsIn(controller, [UNWATCHED_NAMESPACE, USER_NAMESPACE]).map(requestText)).toEqual([]);

  const objects = installed(renderChart(input.helm, input.values, { namespace: NAMESPACE, release: RELEASE }));
  const grants = grantsOf(objects, { namespace: NAMESPACE, name: DEPLOYMENT });
  expect(grants.length).toBeGreaterThan(0);
  expect(unusedGrants(grants, controller, CHECKED_BY_ADMISSION).map(grantText)).toEqual([]);

  // the exempt grants are needed: the controller's objects set blockOwnerDeletion on their MailSync
  const job = getJson<{ metadata: { ownerReferences?: { kind: string; blockOwnerDeletion?: boolean }[] } }>([
    '-n',
    NAMESPACE,
    'job',
    input.jobName,
  ]);
  expect(job?.metadata.ownerReferences).toContainEqual(
    expect.objectContaining({ kind: 'MailSync', blockOwnerDeletion: true }),
  );
}
