/**
 * The two reviews the admin view asks of the API server with the console's
 * ServiceAccount (it needs `create` on tokenreviews and subjectaccessreviews,
 * the chart's console ClusterRole): who a bearer token belongs to, and
 * whether that user may do one thing. The token goes to the API server and
 * nowhere else.
 */
import type { KubeClient } from '../../kube/kube-client.js';
import type { AccessReviewer, SubjectAccessReviewStatus } from './access-gate.js';
import type { Identity } from './identity.js';

export const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
export const SUBJECT_ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

export interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  error?: string;
}

/** The identity of an authenticated TokenReview, else undefined. Pure. */
export function identityOf(status: TokenReviewStatus | undefined): Identity | undefined {
  const user = status?.user;
  if (status?.authenticated !== true || !user?.username) return undefined;
  return {
    username: user.username,
    groups: user.groups ?? [],
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.extra ? { extra: user.extra } : {}),
    via: 'token',
  };
}

/** Resolves the identity of a token (undefined: not a valid token); throws when the review itself fails. */
export type TokenReviewer = (token: string) => Promise<Identity | undefined>;

export function kubeTokenReviewer(client: KubeClient): TokenReviewer {
  return async (token) => {
    const review = await client.create<{ status?: TokenReviewStatus }>(TOKEN_REVIEWS, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    });
    return identityOf(review.status);
  };
}

export function kubeAccessReviewer(client: KubeClient): AccessReviewer {
  return async (identity, access) => {
    const review = await client.create<{ status?: SubjectAccessReviewStatus }>(SUBJECT_ACCESS_REVIEWS, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: identity.username,
        groups: identity.groups,
        ...(identity.uid ? { uid: identity.uid } : {}),
        ...(identity.extra ? { extra: identity.extra } : {}),
        resourceAttributes: {
          verb: access.verb,
          group: access.group,
          resource: access.resource,
          namespace: access.namespace,
          ...(access.name ? { name: access.name } : {}),
        },
      },
    });
    return review.status ?? {};
  };
}
