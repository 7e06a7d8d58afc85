/**
 * The admin view's authorisation: every list and every action is first asked
 * of the API server as a SubjectAccessReview for the signed-in user (their
 * user, groups, uid and extra), so the console never does more than that
 * user's own RBAC allows, although it acts with its own ServiceAccount.
 * Fail closed: an API error is a refusal, with a message that says the
 * permission could not be checked. Answers are cached for a few seconds
 * (a page lists several things; a revoked right stops working within the TTL).
 */
import { type Access, accessText, type Identity } from './identity.js';

export interface SubjectAccessReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** Sends one SubjectAccessReview and returns its status (src/console/admin/kube-reviews.ts). */
export type AccessReviewer = (identity: Identity, access: Access) => Promise<SubjectAccessReviewStatus>;

export type Decision = { allowed: true } | { allowed: false; message: string };

/** The decision of one review's status. Pure. */
export function decisionOf(access: Access, status: SubjectAccessReviewStatus): Decision {
  if (status.allowed === true && status.denied !== true) return { allowed: true };
  const why = status.reason ? ` (${status.reason})` : '';
  return { allowed: false, message: `Your Kubernetes permissions do not allow: ${accessText(access)}${why}.` };
}

/** The decision when the review itself failed: refused, saying so. Pure. */
export function reviewFailed(access: Access, error: unknown): Decision {
  const reason = (error as { reason?: string }).reason ?? (error as Error).name ?? 'Error';
  return {
    allowed: false,
    message: `Your permission to ${accessText(access)} could not be checked (SubjectAccessReview failed: ${reason}); refused.`,
  };
}

export const DEFAULT_TTL_MS = 10_000;

export function cacheKey(identity: Identity, access: Access): string {
  return JSON.stringify([
    identity.username,
    identity.uid ?? '',
    [...identity.groups].sort(),
    identity.extra ?? {},
    access.verb,
    access.group,
    access.resource,
    access.namespace,
    access.name ?? '',
  ]);
}

export class AccessGate {
  readonly #cache = new Map<string, { decision: Decision; until: number }>();

  constructor(
    readonly review: AccessReviewer,
    readonly options: { ttlMs?: number; now?: () => number; maxEntries?: number } = {},
  ) {}

  async check(identity: Identity, access: Access): Promise<Decision> {
    const now = (this.options.now ?? Date.now)();
    const key = cacheKey(identity, access);
    const cached = this.#cache.get(key);
    if (cached && cached.until > now) return cached.decision;
    let decision: Decision;
    try {
      decision = decisionOf(access, await this.review(identity, access));
    } catch (error) {
      // Not cached: the next request asks again.
      return reviewFailed(access, error);
    }
    if (this.#cache.size >= (this.options.maxEntries ?? 10_000)) this.#cache.clear();
    this.#cache.set(key, { decision, until: now + (this.options.ttlMs ?? DEFAULT_TTL_MS) });
    return decision;
  }

  /** Every access allowed, or the first refusal. */
  async checkAll(identity: Identity, accesses: readonly Access[]): Promise<Decision> {
    for (const access of accesses) {
      const decision = await this.check(identity, access);
      if (!decision.allowed) return decision;
    }
    return { allowed: true };
  }
}
